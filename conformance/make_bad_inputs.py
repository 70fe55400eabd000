#!/usr/bin/env python3
"""make_bad_inputs.py SERIES CT_SERIES WORK - bad variants of a good single-frame series
for bad-input.sh, one folder each under WORK; each breaks one rule of CONFORMANCE.md
section 10 in one file (or removes one file). From CT_SERIES (12 bits stored, headroom
above its values): one slice with another Rescale Intercept, which --rescale-convert
can convert."""
import math
import os
import shutil
import sys

import numpy as np
import pydicom


def variant(src, work, name, victim, change):
    """A copy of src with file victim changed (removed when change is None; every
    file changed when victim is None)."""
    out = os.path.join(work, name)
    shutil.copytree(src, out)
    victims = [victim] if victim else [n for n in os.listdir(out) if n.endswith(".dcm")]
    for v in victims:
        path = os.path.join(out, v)
        if change is None:
            os.remove(path)
        else:
            change(path)


def edit(fn):
    def apply(path):
        ds = pydicom.dcmread(path)
        fn(ds)
        ds.save_as(path, enforce_file_format=True)
    return apply


def crop(ds):
    a = ds.pixel_array[:, :-8].copy()
    ds.Columns = a.shape[1]
    ds.PixelData = a.tobytes()


def tilt(ds):
    t = math.radians(5)
    ds.ImageOrientationPatient = [1, 0, 0, 0, round(math.sin(t), 6), round(-math.cos(t), 6)]


def shear(ds):
    p = [float(v) for v in ds.ImagePositionPatient]
    ds.ImagePositionPatient = ["%.4f" % (p[0] + 3.0), "%.4f" % p[1], "%.4f" % p[2]]


def shift_along_normal(ds):
    iop = np.array(ds.ImageOrientationPatient, float)
    n = np.cross(iop[:3], iop[3:])
    p = np.array(ds.ImagePositionPatient, float) + 1.0 * n
    ds.ImagePositionPatient = ["%.4f" % v for v in p]


def colour(ds):
    g = (ds.pixel_array.astype(np.uint16) & 0xFF).astype(np.uint8)
    ds.PixelData = np.repeat(g[:, :, None], 3, axis=2).tobytes()
    ds.SamplesPerPixel = 3
    ds.PhotometricInterpretation = "RGB"
    ds.PlanarConfiguration = 0
    ds.BitsAllocated = ds.BitsStored = 8
    ds.HighBit = 7


def other_series(ds):
    ds.SeriesInstanceUID = pydicom.uid.generate_uid(prefix="2.25.")


def rescale(ds):
    ds.RescaleIntercept = "0"
    ds.RescaleSlope = "2"


def other_intercept(ds):
    ds.RescaleIntercept = str(int(float(ds.RescaleIntercept)) + 24)


def eight_bit(ds):
    a = ds.pixel_array.astype(np.uint8)
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 8, 8, 7
    ds.PixelData = a.tobytes()


def monochrome1(ds):
    ds.PhotometricInterpretation = "MONOCHROME1"


def truncate(path):
    size = os.path.getsize(path)
    with open(path, "r+b") as f:
        f.truncate(size * 6 // 10)


def main():
    src, ct, work = sys.argv[1], sys.argv[2], sys.argv[3]
    names = sorted(n for n in os.listdir(src) if n.endswith(".dcm"))
    mid = names[len(names) // 2]
    variant(src, work, "missing-slice", mid, None)
    variant(src, work, "mixed-sizes", mid, edit(crop))
    variant(src, work, "tilted-slice", mid, edit(tilt))
    variant(src, work, "gantry-tilt", mid, edit(shear))
    variant(src, work, "uneven-spacing", mid, edit(shift_along_normal))
    variant(src, work, "colour", mid, edit(colour))
    variant(src, work, "mixed-series", names[0], edit(other_series))
    variant(src, work, "differing-rescale", mid, edit(rescale))
    variant(src, work, "truncated-file", mid, truncate)
    variant(src, work, "eight-bit", None, edit(eight_bit))      # accepted: widened to 16
    variant(src, work, "monochrome1", None, edit(monochrome1))  # no Enhanced CT/MR form
    ct_names = sorted(n for n in os.listdir(ct) if n.endswith(".dcm"))
    variant(ct, work, "ct-differing-rescale", ct_names[len(ct_names) // 2], edit(other_intercept))


if __name__ == "__main__":
    main()
