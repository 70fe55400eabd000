"""e2ec through its command-line tool: the volume is written as NIfTI-1 (stored
values), compressed with each configuration, decompressed to NIfTI and read
back. Bytes are the whole .e2ec stream. Absent tool: the codec is skipped."""
import os
import shlex

from .codec_util import missing_tools, run_timed
from .volumes import read_nifti, write_nifti

# A few points along the trade-off; --e2ec-config on the command line replaces them.
CONFIGS = (
    "--mode siren_ds --scale 2",
    "--mode siren_ds --scale 4",
    "--mode e2e --scale 2",
    "--mode e2e --scale 4",
)


class E2EC:
    name, key = "e2ec", "e2ec"

    def __init__(self, tool, configs=None):
        self.tool = tool
        self.configs = list(configs) if configs else list(CONFIGS)

    def missing(self):
        if os.sep in self.tool:
            ok = os.path.isfile(self.tool) and os.access(self.tool, os.X_OK)
            return None if ok else f"{self.tool} not built (cmake --build build)"
        return missing_tools(self.tool)

    def points(self, vol, quick):
        return self.configs

    def run(self, vol, param, work):
        os.makedirs(work, exist_ok=True)
        src, stream, dec = (os.path.join(work, n) for n in ("in.nii", "out.e2ec", "dec.nii"))
        write_nifti(src, vol)
        enc_s = run_timed([self.tool, "compress", src, stream] + shlex.split(param))
        dec_s = run_timed([self.tool, "decompress", stream, dec])
        return os.path.getsize(stream), read_nifti(dec, "decoded").data, enc_s, dec_s
