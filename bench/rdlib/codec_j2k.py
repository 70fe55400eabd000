"""JPEG 2000, OpenJPEG: each slice a 16-bit PGM, irreversible 9/7 at -r 16/bpp, and
the reversible 5/3 lossless point. Bytes are those of the raw .j2k codestreams."""
import glob
import os

from .codec_util import fresh_dir, missing_tools, read_pgm, run_timed, unshift, write_slices

BPPS = (0.04, 0.06, 0.1, 0.15, 0.25, 0.35, 0.5, 0.7, 1.0, 1.4, 2.0, 3.0)
QUICK_BPPS = (0.1, 0.25, 0.5, 1.0, 2.0)


class J2K:
    name, key = "JPEG 2000", "j2k"

    def missing(self):
        return missing_tools("opj_compress", "opj_decompress")

    def points(self, vol, quick):
        return ["lossless"] + [f"{b:g}bpp" for b in (QUICK_BPPS if quick else BPPS)]

    def run(self, vol, param, work):
        src = os.path.join(work, "pgm")
        if not os.path.isdir(src) or len(os.listdir(src)) != vol.data.shape[0]:
            write_slices(vol, src)
        rate = [] if param == "lossless" else ["-I", "-r", "%.6g" % (16.0 / float(param[:-3]))]
        # opj_compress -ImgDir writes next to its inputs: one process for all slices.
        enc_s = run_timed(["opj_compress", "-ImgDir", src, "-OutFor", "j2k"] + rate)
        streams = fresh_dir(os.path.join(work, "j2k"))
        for f in glob.glob(os.path.join(src, "*.j2k")):
            os.replace(f, os.path.join(streams, os.path.basename(f)))
        nbytes = sum(os.path.getsize(f) for f in glob.glob(os.path.join(streams, "*.j2k")))
        dec_s = run_timed(["opj_decompress", "-ImgDir", streams, "-OutFor", "pgm"])
        # OpenJPEG 2.5 names its -ImgDir PGM output *.ppm; the content is a P5 PGM.
        slices = [read_pgm(f) for f in sorted(glob.glob(os.path.join(streams, "*.p?m")))]
        return nbytes, unshift(vol, slices), enc_s, dec_s
