#!/usr/bin/env python3
"""make_enhanced.py SERIES FRAMES OUT - an Enhanced CT or Enhanced MR Image object (one
multi-frame instance with functional groups) built from the first FRAMES slices of a
single-frame CT or MR sample series, for the conformance tests of Enhanced input
(CONFORMANCE.md section 5.2). Generated at test time from our own sample pixels: no
third-party binary is shipped.

The frames are stored in descending position order, so that a reader that does not
sort (or a writer that does not carry each frame's groups along) is caught. The
acquisition attributes of the source series go where the Enhanced IODs keep them
(CT Acquisition Details, CT Exposure, CT X-Ray Details, CT Reconstruction; MR Timing
and Related Parameters, MR Echo, MR Modifier; Magnetic Field Strength at the top), so
that the tests can check that they survive compression.
"""
import datetime
import glob
import os
import sys

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

ENHANCED = {"CT": "1.2.840.10008.5.1.4.1.1.2.1", "MR": "1.2.840.10008.5.1.4.1.1.4.1"}
# Patient, study, series, frame of reference and equipment attributes kept as they are
KEPT = ["SpecificCharacterSet", "PatientName", "PatientID", "PatientBirthDate", "PatientSex",
        "PatientIdentityRemoved", "DeidentificationMethod", "StudyInstanceUID", "StudyDate",
        "StudyTime", "ReferringPhysicianName", "StudyID", "AccessionNumber",
        "StudyDescription", "Modality", "SeriesNumber", "SeriesDescription", "SeriesDate",
        "SeriesTime", "BodyPartExamined", "PatientPosition", "FrameOfReferenceUID",
        "PositionReferenceIndicator", "Manufacturer", "InstitutionName"]


def item(**kw):
    ds = Dataset()
    for k, v in kw.items():
        setattr(ds, k, v)
    return ds


def seq(*items):
    return Sequence(list(items))


def code(value, scheme, meaning):
    return item(CodeValue=value, CodingSchemeDesignator=scheme, CodeMeaning=meaning)


def image_description(ds, ct):
    """Common CT/MR Image Description macro (and MR Image Description)."""
    ds.PixelPresentation = "MONOCHROME"
    ds.VolumetricProperties = "VOLUME"
    ds.VolumeBasedCalculationTechnique = "NONE"
    if not ct:
        ds.ComplexImageComponent = "MAGNITUDE"
        ds.AcquisitionContrast = "T1"


def read_series(folder, frames):
    files = [pydicom.dcmread(p) for p in sorted(glob.glob(os.path.join(folder, "*.dcm")))]
    iop = np.array(files[0].ImageOrientationPatient, dtype=float)
    normal = np.cross(iop[:3], iop[3:])
    files.sort(key=lambda d: float(normal @ np.array(d.ImagePositionPatient, dtype=float)))
    return files[:frames]


def ct_groups(src, shared):
    """CT functional groups of the shared item: acquisition, exposure, reconstruction."""
    shared.CTAcquisitionTypeSequence = seq(item(AcquisitionType="SPIRAL", ConstantVolumeFlag="NO",
                                                FluoroscopyFlag="NO"))
    shared.CTAcquisitionDetailsSequence = seq(item(
        DataCollectionDiameter=src.get("DataCollectionDiameter", 500),
        GantryDetectorTilt=src.get("GantryDetectorTilt", 0),
        TableHeight=src.get("TableHeight", 0),
        RotationDirection=src.get("RotationDirection", "CW"),
        RevolutionTime=1.0, SingleCollimationWidth=0.625, TotalCollimationWidth=40.0))
    shared.CTTableDynamicsSequence = seq(item(TableSpeed=40.0, TableFeedPerRotation=40.0,
                                              SpiralPitchFactor=1.0))
    shared.CTGeometrySequence = seq(item(DistanceSourceToDetector=1040.0,
                                         DistanceSourceToDataCollectionCenter=570.0))
    shared.CTReconstructionSequence = seq(item(
        ConvolutionKernel=src.get("ConvolutionKernel", "STANDARD"),
        ConvolutionKernelGroup="LUNG", ReconstructionDiameter=src.get("ReconstructionDiameter", 431),
        ReconstructionAlgorithm="FILTER_BACK_PROJ", ReconstructionAngle=360.0,
        ImageFilter="NONE", ReconstructionPixelSpacing=[float(v) for v in src.PixelSpacing]))
    shared.CTExposureSequence = seq(item(
        ExposureTimeInms=800.0, XRayTubeCurrentInmA=float(src.get("XRayTubeCurrent", 188)),
        ExposureInmAs=float(src.get("Exposure", 150)), ExposureModulationType="NONE",
        CTDIvol=float(src.get("CTDIvol", 10.6))))
    shared.CTXRayDetailsSequence = seq(item(KVP=src.get("KVP", 120),
                                            FocalSpots=[1.0], FilterType=src.get("FilterType", "FLAT"),
                                            FilterMaterial=["ALUMINUM"]))


def mr_groups(src, shared):
    """MR functional groups of the shared item: timing, echo, modifier."""
    shared.MRTimingAndRelatedParametersSequence = seq(item(
        RepetitionTime=src.RepetitionTime, FlipAngle=src.get("FlipAngle", 15),
        EchoTrainLength=src.get("EchoTrainLength", 1), RFEchoTrainLength=1,
        GradientEchoTrainLength=1, GradientOutputType="DB_DT", GradientOutput=10.0,
        OperatingModeSequence=seq(item(OperatingModeType="STATIC FIELD", OperatingMode="IEC_NORMAL")),
        SpecificAbsorptionRateSequence=seq(item(SpecificAbsorptionRateDefinition="IEC_WHOLE_BODY",
                                                SpecificAbsorptionRateValue=0.5))))
    shared.MREchoSequence = seq(item(EffectiveEchoTime=float(src.EchoTime)))
    shared.MRModifierSequence = seq(item(
        InversionRecovery="YES" if "IR" in src.ScanningSequence else "NO",
        InversionTimes=[float(src.get("InversionTime", 0))], FlowCompensation="NONE",
        T2Preparation="NO", SpatialPresaturation="NONE", PartialFourier="NO",
        ParallelAcquisition="NO", SpectrallySelectedExcitation="NONE"))


def main():
    folder, frames, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    src = read_series(folder, frames)
    first = src[0]
    ct = first.Modality == "CT"
    ds = Dataset()
    for k in KEPT:
        if k in first:
            setattr(ds, k, first.data_element(k).value)
    now = datetime.datetime.now(datetime.timezone.utc)
    ds.SOPClassUID = ENHANCED[first.Modality]
    ds.SOPInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.InstanceCreationDate = ds.ContentDate = now.strftime("%Y%m%d")
    ds.InstanceCreationTime = ds.ContentTime = now.strftime("%H%M%S")
    ds.InstanceNumber = 1
    ds.ImageType = ["DERIVED", "PRIMARY", "VOLUME", "NONE"]
    image_description(ds, ct)
    ds.ManufacturerModelName = "e2ec sample"
    ds.DeviceSerialNumber = "0"
    ds.SoftwareVersions = "make_enhanced.py"
    ds.AcquisitionNumber = 1
    ds.ContentQualification = "PRODUCT"
    ds.BurnedInAnnotation = "NO"
    ds.PresentationLUTShape = "IDENTITY"
    ds.LossyImageCompression = "00"
    ds.AcquisitionContextSequence = Sequence()
    if not ct:
        ds.MagneticFieldStrength = first.MagneticFieldStrength
        ds.ResonantNucleus = "1H"
        ds.ApplicableSafetyStandardAgency = "IEC"
    # Image Pixel: the source's stored values, 16 bits allocated
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows, ds.Columns = first.Rows, first.Columns
    ds.BitsAllocated = 16
    ds.BitsStored = max(int(first.BitsStored), 12)  # Enhanced CT/MR: 12 or 16 in 16
    ds.HighBit = ds.BitsStored - 1
    ds.PixelRepresentation = first.PixelRepresentation
    ds.NumberOfFrames = len(src)
    # Multi-frame Dimension: stack and position in stack
    dim_uid = generate_uid()
    ds.DimensionOrganizationSequence = seq(item(DimensionOrganizationUID=dim_uid))
    ds.DimensionIndexSequence = seq(
        item(DimensionOrganizationUID=dim_uid, DimensionIndexPointer=0x00209056,
             FunctionalGroupPointer=0x00209111),
        item(DimensionOrganizationUID=dim_uid, DimensionIndexPointer=0x00209057,
             FunctionalGroupPointer=0x00209111))

    shared = Dataset()
    frame_type = item(FrameType=ds.ImageType)
    image_description(frame_type, ct)
    setattr(shared, "CTImageFrameTypeSequence" if ct else "MRImageFrameTypeSequence",
            seq(frame_type))
    shared.PixelMeasuresSequence = seq(item(
        PixelSpacing=first.PixelSpacing, SliceThickness=first.SliceThickness))
    shared.PlaneOrientationSequence = seq(item(
        ImageOrientationPatient=first.ImageOrientationPatient))
    shared.FrameAnatomySequence = seq(item(
        AnatomicRegionSequence=seq(code("T-D3000", "SRT", "Chest") if ct
                                   else code("T-D1100", "SRT", "Head")),
        FrameLaterality="U"))
    shared.PixelValueTransformationSequence = seq(item(
        RescaleIntercept=first.get("RescaleIntercept", 0), RescaleSlope=first.get("RescaleSlope", 1),
        RescaleType="HU" if ct else "US"))
    if ct:
        shared.IrradiationEventIdentificationSequence = seq(item(IrradiationEventUID=generate_uid()))
        ct_groups(first, shared)
    else:
        mr_groups(first, shared)
    shared.FrameVOILUTSequence = seq(item(WindowCenter=first.get("WindowCenter", 40),
                                          WindowWidth=first.get("WindowWidth", 400)))
    ds.SharedFunctionalGroupsSequence = seq(shared)

    order = list(reversed(range(len(src))))  # stored top slice first
    per_frame = []
    for n, k in enumerate(order):
        f = Dataset()
        f.FrameContentSequence = seq(item(
            StackID="1", InStackPositionNumber=k + 1, DimensionIndexValues=[1, k + 1],
            FrameAcquisitionNumber=1,
            FrameAcquisitionDateTime=now.strftime("%Y%m%d%H%M%S"),
            FrameReferenceDateTime=now.strftime("%Y%m%d%H%M%S"),
            FrameAcquisitionDuration=100.0))
        f.PlanePositionSequence = seq(item(ImagePositionPatient=src[k].ImagePositionPatient))
        if ct:
            f.CTPositionSequence = seq(item(
                TablePosition=float(src[k].ImagePositionPatient[2]),
                ReconstructionTargetCenterPatient=[0.0, 0.0, float(src[k].ImagePositionPatient[2])],
                DataCollectionCenterPatient=[0.0, 0.0, float(src[k].ImagePositionPatient[2])]))
        per_frame.append(f)
    ds.PerFrameFunctionalGroupsSequence = Sequence(per_frame)
    pixels = np.stack([src[k].pixel_array for k in order]).astype(
        np.int16 if first.PixelRepresentation else np.uint16)
    ds.PixelData = pixels.tobytes()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.save_as(out, enforce_file_format=True)


if __name__ == "__main__":
    main()
