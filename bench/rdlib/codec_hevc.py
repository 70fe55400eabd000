"""HEVC across slices: ffmpeg + libx265, Rext 4:0:0 12-bit (gray12le), slices as
frames, constant QP, psycho-visual tuning off (it trades PSNR for perceived
sharpness). Data of fewer than 12 significant bits is spread reversibly into 12
bits (times k = floor(4095 / range), divided and rounded back after decoding);
a wider range is scaled into 12 bits, a loss the measured PSNR includes and the
parameter label names ('map=lossy'). Bytes are the whole raw Annex-B .hevc
elementary stream (VPS/SPS/PPS and every NAL unit; the encoder-info SEI is
switched off with info=0, as no reader needs it); no container."""
import math
import os

import numpy as np

from .codec_util import missing_tools, run_timed

# QPs for data filling the 12 bits; spreading by k moves every useful QP up by 6 log2(k).
# x265 3.5 (through ffmpeg 5.1) crashes on negative QPs, so they are clipped to 0.
QPS = (-24, -18, -12, -6, 0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40)
QUICK_QPS = (0, 12, 24, 36)
X265 = "psy-rd=0:psy-rdoq=0:aq-mode=0:info=0:frame-threads=1:pools=2:log-level=error"


def to12(vol):
    """(frames as uint16 in 0..4095, function mapping decoded frames back, label)."""
    d = vol.data - vol.vmin
    if vol.range <= 4095:
        k = 4095 // max(1, vol.range)
        back = lambda x: np.clip(np.rint(x / k), 0, vol.range).astype(np.int32) + vol.vmin
        return (d * k).astype(np.uint16), back, f"k={k}"
    s = 4095.0 / vol.range
    back = lambda x: np.clip(np.rint(x / s), 0, vol.range).astype(np.int32) + vol.vmin
    return np.rint(d * s).astype(np.uint16), back, "map=lossy"


class HEVC:
    name, key = "HEVC x265", "hevc"

    def __init__(self, preset="slow"):
        self.preset = preset

    def missing(self):
        return missing_tools("ffmpeg")

    def points(self, vol, quick):
        label = to12(vol)[2]
        k = 4095 // max(1, vol.range) if vol.range <= 4095 else 1
        shift = round(6 * math.log2(k))
        qps = sorted({max(0, min(51, q + shift)) for q in (QUICK_QPS if quick else QPS)})
        return [f"lossless {label}"] + [f"qp={q} {label}" for q in qps]

    def run(self, vol, param, work):
        frames, back, _ = to12(vol)
        nz, ny, nx = frames.shape
        os.makedirs(work, exist_ok=True)
        raw, hevc, dec = (os.path.join(work, n) for n in ("in.raw", "out.hevc", "dec.raw"))
        frames.astype("<u2").tofile(raw)
        q = "lossless=1" if param.startswith("lossless") else "qp=" + param.split()[0][3:]
        enc_s = run_timed(["ffmpeg", "-nostdin", "-y", "-loglevel", "error",
                           "-f", "rawvideo", "-pix_fmt", "gray12le", "-s", f"{nx}x{ny}", "-r", "25",
                           "-i", raw, "-c:v", "libx265", "-preset", self.preset, "-pix_fmt", "gray12le",
                           "-x265-params", f"{q}:{X265}", "-f", "hevc", hevc])
        dec_s = run_timed(["ffmpeg", "-nostdin", "-y", "-loglevel", "error", "-i", hevc,
                           "-f", "rawvideo", "-pix_fmt", "gray12le", dec])
        out = np.fromfile(dec, "<u2")
        if out.size != frames.size:
            raise RuntimeError(f"HEVC decoded {out.size} samples, expected {frames.size}")
        return os.path.getsize(hevc), back(out.reshape(nz, ny, nx)), enc_s, dec_s
