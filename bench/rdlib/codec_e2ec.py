"""e2ec through its command-line tool: the volume is written as NIfTI-1 (stored
values), compressed with each configuration, decompressed to NIfTI and read
back. Bytes are the whole .e2ec stream. Absent tool: the codec is skipped."""
import os
import shlex

from .codec_util import missing_tools, run_timed
from .volumes import read_nifti, write_nifti

# Points along the trade-off: the network's width sets the rate. 1000 epochs (the
# tool's default, 5000, takes about 12 min per point on the MR sample with 2 threads).
# --e2ec-config replaces them. Each --mode is its own curve ("e2ec siren-ds", ...).
CONFIGS = tuple(f"--mode {m} --scale 2 --width {w} --epochs 1000"
                for m in ("siren-ds", "e2e") for w in (20, 30, 45, 64))


class E2EC:
    name, key = "e2ec", "e2ec"

    def __init__(self, tool, configs=None, threads=2):
        self.tool = tool
        self.configs = list(configs) if configs else list(CONFIGS)
        self.threads = threads

    def missing(self):
        if os.sep in self.tool:
            ok = os.path.isfile(self.tool) and os.access(self.tool, os.X_OK)
            return None if ok else f"{self.tool} not built (cmake --build build)"
        return missing_tools(self.tool)

    def points(self, vol, quick):
        return self.configs

    def label(self, param):
        """The curve a point belongs to: one per --mode and weight coding (--qbits B:
        "e2ec siren-ds 8-bit"), so that quantised points are not mixed into the fp32 curve."""
        args = shlex.split(param)
        mode = args[args.index("--mode") + 1] if "--mode" in args[:-1] else "default-mode"
        qbits = f" {args[args.index('--qbits') + 1]}-bit" if "--qbits" in args[:-1] else ""
        return f"e2ec {mode}{qbits}"

    def run(self, vol, param, work):
        os.makedirs(work, exist_ok=True)
        src, stream, dec = (os.path.join(work, n) for n in ("in.nii", "out.e2ec", "dec.nii"))
        write_nifti(src, vol)
        enc_s = run_timed([self.tool, "compress", "-q", src, stream, "--threads", str(self.threads)]
                          + shlex.split(param))
        dec_s = run_timed([self.tool, "decompress", "-q", stream, dec, "--threads", str(self.threads)])
        return os.path.getsize(stream), read_nifti(dec, "decoded").data, enc_s, dec_s
