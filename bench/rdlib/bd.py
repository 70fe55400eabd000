"""Bjontegaard deltas (VCEG-M33) and PSNR read off an RD curve at given rates.

Each curve is a list of (bpp, psnr). Both deltas fit a cubic polynomial, as
VCEG-M33 does: PSNR as a function of log10(bpp) for BD-PSNR, log10(bpp) as a
function of PSNR for BD-rate, and average the gap over the interval both curves
cover. Lossless points (PSNR = inf) are left out. With a window [lo, hi] in bpp
the fit uses the points inside it plus the nearest one on each side, and the
interval is clipped to the window.
"""
import math

import numpy as np


def _usable(curve, window):
    pts = sorted((b, p) for b, p in curve if b > 0 and math.isfinite(p))
    if window:
        lo, hi = window
        inside = [i for i, (b, _) in enumerate(pts) if lo <= b <= hi]
        if inside:
            pts = pts[max(0, inside[0] - 1):inside[-1] + 2]
    return pts


def _fit_gap(xa, ya, xt, yt, lo, hi):
    """Mean of (cubic fit of t) - (cubic fit of a) over [lo, hi]."""
    pa = np.polyint(np.polyfit(xa, ya, 3))
    pt = np.polyint(np.polyfit(xt, yt, 3))
    return ((np.polyval(pt, hi) - np.polyval(pt, lo)) -
            (np.polyval(pa, hi) - np.polyval(pa, lo))) / (hi - lo)


def bd_psnr(anchor, test, window=None):
    """(dB that test gains over anchor at equal rate, lo bpp, hi bpp): positive when
    test is better, averaged over [lo, hi]; None where undefined."""
    a, t = _usable(anchor, window), _usable(test, window)
    if len(a) < 4 or len(t) < 4:
        return None
    la = np.log10([b for b, _ in a])
    lt = np.log10([b for b, _ in t])
    lo, hi = max(la.min(), lt.min()), min(la.max(), lt.max())
    if window:
        lo, hi = max(lo, math.log10(window[0])), min(hi, math.log10(window[1]))
    if hi <= lo:
        return None
    return float(_fit_gap(la, [p for _, p in a], lt, [p for _, p in t], lo, hi)), 10 ** lo, 10 ** hi


def bd_rate(anchor, test, window=None):
    """(percent rate change of test against anchor at equal PSNR, lo dB, hi dB): negative
    when test needs fewer bits, averaged over PSNRs in [lo, hi]; None where undefined."""
    a, t = _usable(anchor, window), _usable(test, window)
    if len(a) < 4 or len(t) < 4:
        return None
    pa = np.array([p for _, p in a])
    pt = np.array([p for _, p in t])
    lo, hi = max(pa.min(), pt.min()), min(pa.max(), pt.max())
    if hi <= lo:
        return None
    gap = _fit_gap(pa, np.log10([b for b, _ in a]), pt, np.log10([b for b, _ in t]), lo, hi)
    return float((10.0 ** gap - 1.0) * 100.0), float(lo), float(hi)


def _on_line(b0, p0, b1, p1, bpp):
    """PSNR at bpp on the straight line in log(bpp) through (b0, p0) and (b1, p1)."""
    if b1 == b0:
        return p0
    f = (math.log(bpp) - math.log(b0)) / (math.log(b1) - math.log(b0))
    return p0 + f * (p1 - p0)


def psnr_at(curve, bpp, extend=False):
    """PSNR at bpp, linear in log(bpp) between the two measured points around it; outside
    them None, or with extend the line of the curve's nearest end segment."""
    pts = sorted((b, p) for b, p in curve if b > 0 and math.isfinite(p))
    for (b0, p0), (b1, p1) in zip(pts, pts[1:]):
        if b0 <= bpp <= b1:
            return _on_line(b0, p0, b1, p1, bpp)
    if not extend or len(pts) < 2:
        return None
    (b0, p0), (b1, p1) = pts[:2] if bpp < pts[0][0] else pts[-2:]
    return _on_line(b0, p0, b1, p1, bpp)
