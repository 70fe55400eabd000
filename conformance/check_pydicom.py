#!/usr/bin/env python3
"""check_pydicom.py SERIES WORK PSNR - pydicom's view of dcme2ec/dcme2ed outputs.

Reads every attribute of the compressed object WORK/c.dcm and of the decompressed
WORK/d.dcm, the decompressed pixels (multi-frame and split), and checks: lossy
signalling, the ratio against the stream in the fragments, per-frame positions against
the source series, the acquisition attributes carried, split = multi-frame pixels, the
re-encoded multi-frame object (two lossy steps listed), and the PSNR of decoded vs original equal
to what dcme2ec -v printed (PSNR, peak = max - min of the original).
"""
import glob
import math
import os
import sys

import numpy as np
import pydicom
from pydicom.encaps import generate_fragments

TS = "2.25.245201620563341954866258650690490298409"
# acquisition attributes the compressed object carries over (dicom/dicom_util.cc)
ACQUISITION = {
    "MR": ["ScanningSequence", "SequenceVariant", "ScanOptions", "MRAcquisitionType",
           "RepetitionTime", "EchoTime", "InversionTime", "EchoTrainLength",
           "MagneticFieldStrength", "FlipAngle", "ImagingFrequency", "ImagedNucleus"],
    "CT": ["KVP", "XRayTubeCurrent", "Exposure", "ExposureTime", "ConvolutionKernel",
           "FilterType", "DataCollectionDiameter", "ReconstructionDiameter",
           "GantryDetectorTilt", "TableHeight", "RotationDirection", "CTDIvol"],
}


def touch_all(ds):
    """Reads every attribute value, sequences included (raises on a bad one)."""
    for elem in ds.iterall():
        _ = elem.value


def source_series(folder):
    files = []
    for path in sorted(glob.glob(os.path.join(folder, "*"))):
        try:
            files.append(pydicom.dcmread(path))
        except pydicom.errors.InvalidDicomError:
            continue  # README and the like
    iop = np.array(files[0].ImageOrientationPatient, dtype=float)
    normal = np.cross(iop[:3], iop[3:])
    files.sort(key=lambda d: float(normal @ np.array(d.ImagePositionPatient, dtype=float)))
    return files


def main():
    series, work, printed = sys.argv[1], sys.argv[2], float(sys.argv[3])
    src = source_series(series)
    orig = np.stack([d.pixel_array for d in src]).astype(np.float64)

    c = pydicom.dcmread(os.path.join(work, "c.dcm"))
    touch_all(c)
    assert c.file_meta.TransferSyntaxUID == TS, c.file_meta.TransferSyntaxUID
    assert c.LossyImageCompression == "01"
    assert c.LossyImageCompressionMethod == "E2EC_INR_V1"
    assert int(c.NumberOfFrames) == len(src)
    items = list(generate_fragments(c.PixelData))
    assert items[0] == b"", "the Basic Offset Table must be empty"
    frags = items[1:]
    assert frags[0].startswith(b"E2EC"), "first fragment is not an e2ec stream"
    assert all(len(f) == 65536 for f in frags[:-1]), "fragment size is not 65536"
    assert all(len(f) % 2 == 0 for f in frags)
    stream_bytes = sum(len(f) for f in frags)
    ratio = orig.size * (src[0].BitsAllocated // 8) / stream_bytes
    assert abs(float(c.LossyImageCompressionRatio) / ratio - 1) < 2e-3, \
        (c.LossyImageCompressionRatio, ratio)
    for k, item in enumerate(c.PerFrameFunctionalGroupsSequence):
        pos = np.array(item.PlanePositionSequence[0].ImagePositionPatient, dtype=float)
        want = np.array(src[k].ImagePositionPatient, dtype=float)
        assert np.abs(pos - want).max() < 1e-3, (k, pos, want)
        ref = item.ConversionSourceAttributesSequence[0].ReferencedSOPInstanceUID
        assert ref == src[k].SOPInstanceUID
    # Legacy Converted: the series' acquisition attributes, one value for all frames, in
    # the Unassigned Shared Converted Attributes (PS3.3 C.8.31)
    shared = c.SharedFunctionalGroupsSequence[0]
    carried = [k for k in ACQUISITION[src[0].Modality] if k in src[0]]
    assert carried, "the sample series has no acquisition attributes to carry"
    unassigned = shared.UnassignedSharedConvertedAttributesSequence[0]
    for k in carried:
        assert unassigned.get(k) == src[0].get(k), (k, unassigned.get(k), src[0].get(k))
    assert c.SOPInstanceUID not in {d.SOPInstanceUID for d in src}
    assert c.SeriesInstanceUID != src[0].SeriesInstanceUID

    d = pydicom.dcmread(os.path.join(work, "d.dcm"))
    touch_all(d)
    assert d.file_meta.TransferSyntaxUID == pydicom.uid.ExplicitVRLittleEndian
    assert d.LossyImageCompression == "01"
    dec = d.pixel_array.astype(np.float64).reshape(orig.shape)

    split = [pydicom.dcmread(p) for p in sorted(glob.glob(os.path.join(work, "split", "*.dcm")))]
    assert len(split) == len(src)
    for k, s in enumerate(split):
        touch_all(s)
        assert np.array_equal(s.pixel_array, d.pixel_array.reshape(orig.shape)[k]), k
        assert np.abs(np.array(s.ImagePositionPatient, float)
                      - np.array(src[k].ImagePositionPatient, float)).max() < 1e-3
        for name in carried:  # back at the top level of each single-frame image
            assert s.get(name) == src[0].get(name), (name, s.get(name))
    f2 = pydicom.dcmread(os.path.join(work, "f2.dcm"))
    assert np.array_equal(f2.pixel_array, d.pixel_array.reshape(orig.shape)[1])

    # the decompressed object re-encoded (series.sh): a second lossy step is listed after
    # the first, and the acquisition attributes come through again
    mf = pydicom.dcmread(os.path.join(work, "mf.dcm"))
    assert list(mf.LossyImageCompressionMethod) == ["E2EC_INR_V1"] * 2, mf.LossyImageCompressionMethod
    assert len(mf.LossyImageCompressionRatio) == 2
    again = mf.SharedFunctionalGroupsSequence[0].UnassignedSharedConvertedAttributesSequence[0]
    for name in carried:
        assert again.get(name) == src[0].get(name), (name, again.get(name))

    mse = np.mean((orig - dec) ** 2)
    rng = orig.max() - orig.min()
    psnr = math.inf if mse == 0 else 10 * math.log10(rng * rng / mse)
    assert abs(psnr - printed) < 0.01, "PSNR %.4f recomputed, %.4f printed" % (psnr, printed)
    print("pydicom: %d frames, ratio %.2f, PSNR %.4f dB (printed %.4f), %d acquisition "
          "attributes carried" % (len(src), ratio, psnr, printed, len(carried)))


if __name__ == "__main__":
    main()
