#!/usr/bin/env python3
"""flat_psnr.py SERIES - the PSNR (peak = max - min of the stored values, as dcme2ec -v
prints) that the best flat volume scores against a DICOM series: every voxel at the mean,
so the MSE is the variance. A quality floor in the conformance tests must lie above it."""
import glob
import math
import os
import sys

import numpy as np
import pydicom


def main():
    files = sorted(glob.glob(os.path.join(sys.argv[1], "*.dcm")))
    v = np.stack([pydicom.dcmread(f).pixel_array.astype(np.float64) for f in files])
    print(f"{10 * math.log10((v.max() - v.min()) ** 2 / v.var()):.2f}")


if __name__ == "__main__":
    main()
