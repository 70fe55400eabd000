"""Distortion measures, with the definitions of codec/metrics.h (docs/metrics.md).

PSNR = 10 log10(MAX^2 / MSE) in stored units; MAX = max - min of the original,
or 2^BitsStored - 1 for the labelled second column. SSIM is 3D: separable
Gaussian window 11, sigma 1.5, K1 = .01, K2 = .03, L = data range of the
original (1 for a constant one), averaged over the 'valid' region (no padding);
an axis shorter than 11 uses the largest odd window that fits, renormalised.
"""
import math

import numpy as np

SSIM_WINDOW, SSIM_SIGMA, K1, K2 = 11, 1.5, 0.01, 0.03


def psnr(mse, peak):
    if mse == 0:
        return math.inf
    return -math.inf if peak == 0 else 10.0 * math.log10(peak * peak / mse)


def mse(ref, test):
    d = ref.astype(np.float64) - test
    return float(np.mean(d * d))


def max_abs_err(ref, test):
    return int(np.max(np.abs(ref.astype(np.int64) - test)))


def gaussian_window(n_axis):
    """Weights along one axis: 11 taps, or the largest odd count that fits, summing to 1."""
    size = min(SSIM_WINDOW, n_axis if n_axis % 2 else n_axis - 1)
    i = np.arange(size) - (size - 1) / 2.0
    w = np.exp(-(i * i) / (2.0 * SSIM_SIGMA * SSIM_SIGMA))
    return w / w.sum()


def _filter_valid(a, w, axis):
    n = a.shape[axis] - len(w) + 1
    out = None
    for k, wk in enumerate(w):
        sl = [slice(None)] * a.ndim
        sl[axis] = slice(k, k + n)
        term = wk * a[tuple(sl)]
        out = term if out is None else out + term
    return out


def _blur(a, windows):
    for axis, w in enumerate(windows):
        a = _filter_valid(a, w, axis)
    return a


class SSIM3D:
    """SSIM of many decodings against one reference: the reference's local
    statistics are computed once, slab by slab along z to bound memory."""

    SLAB = 16  # output slices per slab

    def __init__(self, ref, data_range):
        if min(ref.shape) < 1:
            raise ValueError("empty volume")
        self.ref = ref
        self.windows = [gaussian_window(n) for n in ref.shape]
        L = data_range or 1
        self.c1 = (K1 * L) ** 2
        self.c2 = (K2 * L) ** 2
        self.nz_out = ref.shape[0] - len(self.windows[0]) + 1
        self.stats = [self._ref_stats(z0) for z0 in range(0, self.nz_out, self.SLAB)]

    def _slab(self, a, z0):
        z1 = min(z0 + self.SLAB, self.nz_out) + len(self.windows[0]) - 1
        return a[z0:z1].astype(np.float64)

    def _ref_stats(self, z0):
        x = self._slab(self.ref, z0)
        mx = _blur(x, self.windows)
        return mx, _blur(x * x, self.windows) - mx * mx

    def __call__(self, test):
        total, count = 0.0, 0
        for (mx, vx), z0 in zip(self.stats, range(0, self.nz_out, self.SLAB)):
            x = self._slab(self.ref, z0)
            y = self._slab(test, z0)
            my = _blur(y, self.windows)
            vy = _blur(y * y, self.windows) - my * my
            cxy = _blur(x * y, self.windows) - mx * my
            s = ((2 * mx * my + self.c1) * (2 * cxy + self.c2)) / \
                ((mx * mx + my * my + self.c1) * (vx + vy + self.c2))
            total += float(s.sum())
            count += s.size
        return total / count


def measure(vol, decoded, ssim):
    """All distortion figures of one decoding of vol (decoded: same shape, stored units)."""
    if decoded.shape != vol.data.shape:
        raise ValueError(f"decoded shape {decoded.shape} != original {vol.data.shape}")
    m = mse(vol.data, decoded)
    return {
        "psnr": psnr(m, vol.range),
        "psnr_bits": psnr(m, 2 ** vol.bits_stored - 1),
        "ssim": 1.0 if m == 0 else ssim(decoded),
        "max_abs_err": max_abs_err(vol.data, decoded),
    }
