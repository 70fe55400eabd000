"""HTJ2K, OpenJPH: each slice a 16-bit PGM; -qstep is relative to the declared
16-bit range, so the sweep's steps (relative to the data range) are scaled by
(range + 1) / 65536. Bytes are those of the .j2c codestreams."""
import os

from .codec_util import fresh_dir, missing_tools, read_pgm, run_timed, unshift, write_slices

STEPS = (0.004, 0.008, 0.015, 0.03, 0.05, 0.08, 0.12, 0.2, 0.3, 0.45, 0.7, 1.0, 1.5, 2.2)
QUICK_STEPS = (0.008, 0.03, 0.08, 0.2, 0.45)


class HTJ2K:
    name, key = "HTJ2K", "htj2k"

    def missing(self):
        return missing_tools("ojph_compress", "ojph_expand")

    def points(self, vol, quick):
        return ["lossless"] + [f"q{q:g}" for q in (QUICK_STEPS if quick else STEPS)]

    def run(self, vol, param, work):
        src = os.path.join(work, "pgm")
        if not os.path.isdir(src) or len(os.listdir(src)) != vol.data.shape[0]:
            write_slices(vol, src)
        if param == "lossless":
            opts = ["-reversible", "true"]
        else:
            opts = ["-qstep", "%.6g" % (float(param[1:]) * (vol.range + 1) / 65536.0)]
        out = fresh_dir(os.path.join(work, "j2c"))
        enc_s = dec_s = 0.0
        nbytes, slices = 0, []
        for z in range(vol.data.shape[0]):
            pgm, j2c = os.path.join(src, f"s{z:05d}.pgm"), os.path.join(out, f"s{z:05d}.j2c")
            enc_s += run_timed(["ojph_compress", "-i", pgm, "-o", j2c] + opts)
            nbytes += os.path.getsize(j2c)
            dec = os.path.join(out, f"s{z:05d}.pgm")
            dec_s += run_timed(["ojph_expand", "-i", j2c, "-o", dec])
            slices.append(read_pgm(dec))
        return nbytes, unshift(vol, slices), enc_s, dec_s
