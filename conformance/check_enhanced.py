#!/usr/bin/env python3
"""check_enhanced.py WORK - pydicom's view of dcme2ec/dcme2ed on an Enhanced CT/MR input
(WORK/e.dcm, from make_enhanced.py): the compressed WORK/c.dcm and decompressed
WORK/d.dcm stay in the input's SOP class, keep its shared functional groups as they
were and each frame's per-frame group item with that frame (sorted along the slice
normal), each frame gaining a Derivation Image item that names its source frame; the
acquisition attributes are where the Enhanced IOD keeps them, and the split
single-frame images (WORK/split) carry them at the top level.
"""
import copy
import glob
import os
import sys

import numpy as np
import pydicom

TS = "2.25.245201620563341954866258650690490298409"


def touch_all(ds):
    for elem in ds.iterall():
        _ = elem.value


def position(item):
    return tuple(round(float(v), 3) for v in item.PlanePositionSequence[0].ImagePositionPatient)


def without_derivation(item):
    """The item as the input had it: our Derivation Image item removed."""
    item = copy.deepcopy(item)
    derivation = item.DerivationImageSequence
    del derivation[-1]
    if len(derivation) == 0:
        del item.DerivationImageSequence
    return item


def check_groups(out, e, what):
    assert out.SOPClassUID == e.SOPClassUID, (what, out.SOPClassUID)
    assert out.SharedFunctionalGroupsSequence == e.SharedFunctionalGroupsSequence, \
        what + ": shared functional groups changed"
    by_pos = {position(it): (k, it) for k, it in enumerate(e.PerFrameFunctionalGroupsSequence)}
    iop = np.array(e.SharedFunctionalGroupsSequence[0].PlaneOrientationSequence[0]
                   .ImageOrientationPatient, float)
    normal = np.cross(iop[:3], iop[3:])
    last = None
    for it in out.PerFrameFunctionalGroupsSequence:
        k, src = by_pos[position(it)]
        assert without_derivation(it) == src, "%s: frame at %s lost attributes" % (what, position(it))
        ref = it.DerivationImageSequence[-1].SourceImageSequence[0]
        assert ref.ReferencedSOPInstanceUID == e.SOPInstanceUID
        assert int(ref.ReferencedFrameNumber) == k + 1
        z = float(normal @ np.array(position(it)))
        assert last is None or z > last, what + ": frames not sorted along the normal"
        last = z
    assert int(out.NumberOfFrames) == int(e.NumberOfFrames)


def main():
    work = sys.argv[1]
    e = pydicom.dcmread(os.path.join(work, "e.dcm"))
    c = pydicom.dcmread(os.path.join(work, "c.dcm"))
    d = pydicom.dcmread(os.path.join(work, "d.dcm"))
    for ds in (c, d):
        touch_all(ds)
        assert ds.LossyImageCompression == "01"
    assert c.file_meta.TransferSyntaxUID == TS
    assert c.LossyImageCompressionMethod == "E2EC_INR_V1"
    check_groups(c, e, "compressed")
    check_groups(d, e, "decompressed")
    shared = e.SharedFunctionalGroupsSequence[0]
    if e.Modality == "MR":
        timing = shared.MRTimingAndRelatedParametersSequence[0]
        want = {"RepetitionTime": timing.RepetitionTime, "FlipAngle": timing.FlipAngle,
                "EchoTime": shared.MREchoSequence[0].EffectiveEchoTime,
                "MagneticFieldStrength": e.MagneticFieldStrength}
        assert c.MagneticFieldStrength == e.MagneticFieldStrength
    else:
        want = {"KVP": shared.CTXRayDetailsSequence[0].KVP,
                "ConvolutionKernel": shared.CTReconstructionSequence[0].ConvolutionKernel,
                "DataCollectionDiameter":
                    shared.CTAcquisitionDetailsSequence[0].DataCollectionDiameter}
    frames = d.pixel_array.reshape(int(d.NumberOfFrames), d.Rows, d.Columns)
    split = [pydicom.dcmread(p) for p in sorted(glob.glob(os.path.join(work, "split", "*.dcm")))]
    assert len(split) == len(frames)
    for k, s in enumerate(split):
        touch_all(s)
        assert np.array_equal(s.pixel_array, frames[k]), k
        for name, value in want.items():
            got = s.get(name)
            same = got == value if name == "ConvolutionKernel" else float(got) == float(value)
            assert same, (name, got, value)
    # the decoded frames against the input's, frame by frame (matched by position)
    src = e.pixel_array.reshape(frames.shape).astype(np.float64)
    by_pos = {position(it): k for k, it in enumerate(e.PerFrameFunctionalGroupsSequence)}
    order = [by_pos[position(it)] for it in d.PerFrameFunctionalGroupsSequence]
    err = np.abs(frames.astype(np.float64) - src[order])
    rng = src.max() - src.min()
    assert err.mean() < 0.25 * rng, "decoded frames do not resemble their sources"
    print("enhanced: %s, %d frames, groups kept, %d acquisition attributes, mean abs error %.2f"
          % (e.SOPClassUID.name, len(frames), len(want), err.mean()))


if __name__ == "__main__":
    main()
