"""Reading the volumes bench/rd compares codecs on, and writing them for e2ec.

A Volume holds stored values (no rescale) as int32, shape (nz, ny, nx): x fastest
as in DICOM frames stacked along z. bits_stored is DICOM Bits Stored when the
file says it, otherwise the bits the values need (labelled 'inferred').
"""
import gzip
import os
import struct

import numpy as np


class Volume:
    def __init__(self, name, data, bits_stored, bits_source, spacing=(1.0, 1.0, 1.0),
                 bytes_per_voxel=2):
        self.name = name
        self.bytes_per_voxel = bytes_per_voxel  # as the source file stores a voxel
        self.data = np.ascontiguousarray(data, dtype=np.int32)
        self.bits_stored = int(bits_stored)
        self.bits_source = bits_source  # 'DICOM' or 'inferred'
        self.spacing = tuple(float(s) for s in spacing)
        self.vmin = int(self.data.min())
        self.vmax = int(self.data.max())

    @property
    def range(self):
        return self.vmax - self.vmin

    @property
    def voxels(self):
        return self.data.size

    @property
    def stored_bytes(self):
        """Bytes of the voxels as the source stores them (DICOM Bits Allocated, the NIfTI or
        raw type), as e2ec_rate_of counts them."""
        return self.voxels * self.bytes_per_voxel

    def shape_str(self):
        nz, ny, nx = self.data.shape
        return f"{nx}x{ny}x{nz}"


def bits_needed(vmin, vmax):
    """Significant bits of integers in [vmin, vmax] (a sign bit when negative)."""
    if vmin >= 0:
        return max(1, int(vmax).bit_length())
    return 1 + max(int(vmax).bit_length(), int(-vmin - 1).bit_length())


def _inferred(name, data, spacing):
    return Volume(name, data, bits_needed(int(data.min()), int(data.max())), "inferred", spacing,
                  data.dtype.itemsize)


# ----------------------------------------------------------------- DICOM

def _dicom_frames(ds):
    a = ds.pixel_array  # stored values; pydicom applies no rescale here
    return a if a.ndim == 3 else a[np.newaxis]


def _slice_key(ds):
    """Position along the slice normal; InstanceNumber when the geometry is missing."""
    try:
        o = np.array(ds.ImageOrientationPatient, dtype=float)
        p = np.array(ds.ImagePositionPatient, dtype=float)
        return float(np.dot(np.cross(o[:3], o[3:]), p))
    except (AttributeError, ValueError):
        return float(getattr(ds, "InstanceNumber", 0) or 0)


def read_dicom(paths, name):
    """One series from DICOM files: the largest Series Instance UID, sorted along its normal."""
    import pydicom

    series = {}
    for p in paths:
        try:
            ds = pydicom.dcmread(p)
        except Exception:  # not DICOM (a licence file, a README): skip it
            continue
        if "PixelData" not in ds:
            continue
        series.setdefault(str(getattr(ds, "SeriesInstanceUID", "")), []).append(ds)
    if not series:
        raise ValueError(f"{name}: no DICOM image found")
    dss = max(series.values(), key=len)
    dss.sort(key=_slice_key)
    data = np.concatenate([_dicom_frames(ds) for ds in dss]).astype(np.int32)
    ds = dss[0]
    ps = [float(v) for v in getattr(ds, "PixelSpacing", [1, 1])]
    dz = float(getattr(ds, "SpacingBetweenSlices", getattr(ds, "SliceThickness", 1)) or 1)
    return Volume(name, data, int(ds.BitsStored), "DICOM", (ps[1], ps[0], dz),
                  (int(ds.BitsAllocated) + 7) // 8)


# ----------------------------------------------------------------- NIfTI-1

_NIFTI_TYPES = {2: np.uint8, 4: np.int16, 8: np.int32, 256: np.int8, 512: np.uint16}
_NIFTI_CODES = {np.dtype(v): k for k, v in _NIFTI_TYPES.items()}


def read_nifti(path, name):
    """Integer NIfTI-1 (.nii or .nii.gz, single file), 3D; the stored values (no scl_slope)."""
    raw = (gzip.open if path.endswith(".gz") else open)(path, "rb").read()
    if len(raw) < 352:
        raise ValueError(f"{path}: too short for NIfTI-1")
    endian = "<" if struct.unpack("<i", raw[:4])[0] == 348 else ">"
    if struct.unpack(endian + "i", raw[:4])[0] != 348:
        raise ValueError(f"{path}: not a NIfTI-1 file")
    dim = struct.unpack(endian + "8h", raw[40:56])
    dtype_code = struct.unpack(endian + "h", raw[70:72])[0]
    pixdim = struct.unpack(endian + "8f", raw[76:108])
    offset = int(struct.unpack(endian + "f", raw[108:112])[0])
    if dtype_code not in _NIFTI_TYPES:
        raise ValueError(f"{path}: NIfTI datatype {dtype_code} is not an integer type we read")
    if not 1 <= dim[0] <= 4 or any(d != 1 for d in dim[4:dim[0] + 1]):
        raise ValueError(f"{path}: not a 3D volume (dim {dim})")
    nx, ny, nz = (max(1, d) for d in dim[1:4])
    dt = np.dtype(_NIFTI_TYPES[dtype_code]).newbyteorder(endian)
    count = nx * ny * nz
    if offset + count * dt.itemsize > len(raw):
        raise ValueError(f"{path}: truncated voxel data")
    data = np.frombuffer(raw, dt, count, offset).reshape(nz, ny, nx)
    return _inferred(name, data, pixdim[1:4])


def write_nifti(path, vol):
    """NIfTI-1 single file of the stored values, in the narrowest integer type that holds them."""
    for dt in (np.uint8, np.int16, np.uint16, np.int32):
        info = np.iinfo(dt)
        if info.min <= vol.vmin and vol.vmax <= info.max:
            break
    dt = np.dtype(dt)
    nz, ny, nx = vol.data.shape
    hdr = bytearray(352)
    struct.pack_into("<i", hdr, 0, 348)
    struct.pack_into("<8h", hdr, 40, 3, nx, ny, nz, 1, 1, 1, 1)
    struct.pack_into("<hh", hdr, 70, _NIFTI_CODES[dt], dt.itemsize * 8)
    struct.pack_into("<8f", hdr, 76, 1.0, *vol.spacing, 1, 1, 1, 1)
    struct.pack_into("<f", hdr, 108, 352.0)
    struct.pack_into("<f", hdr, 112, 1.0)  # scl_slope 1: values are what they say
    struct.pack_into("<4s", hdr, 344, b"n+1\0")
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(hdr)
        f.write(vol.data.astype(dt.newbyteorder("<")).tobytes())
    os.replace(tmp, path)


# ----------------------------------------------------------------- raw

_RAW_TYPES = {"u8": np.uint8, "i8": np.int8, "u16": np.uint16, "i16": np.int16,
              "u16be": ">u2", "i16be": ">i2"}


def read_raw(path, name, shape, type_name, bits=None):
    """Headerless voxels, x fastest; shape is (nx, ny, nz)."""
    nx, ny, nz = shape
    dt = np.dtype(_RAW_TYPES[type_name])
    data = np.fromfile(path, dt)
    if data.size != nx * ny * nz:
        raise ValueError(f"{path}: {data.size} voxels of {type_name}, expected {nx}x{ny}x{nz}")
    data = data.reshape(nz, ny, nx)
    if bits:
        return Volume(name, data, bits, "given", (1, 1, 1), dt.itemsize)
    return _inferred(name, data, (1, 1, 1))


# ----------------------------------------------------------------- dispatch

def _is_nifti(path):
    return path.endswith((".nii", ".nii.gz"))


def read_volume(path, raw_shape=None, raw_type=None, bits=None, name=None):
    name = name or os.path.basename(os.path.normpath(path))
    if os.path.isdir(path):
        files = sorted(os.path.join(dp, f) for dp, _, fs in os.walk(path) for f in fs)
        vol = read_dicom(files, name)
    elif _is_nifti(path):
        vol = read_nifti(path, name)
    elif raw_shape:
        vol = read_raw(path, name, raw_shape, raw_type or "u16", bits)
    else:
        vol = read_dicom([path], name)
    if bits and vol.bits_source != "given":
        vol.bits_stored, vol.bits_source = bits, "given"
    return vol


def sample_volumes(folder):
    """(path, name) of every volume in sample-series/: a sub-folder holding .nii(.gz)
    files gives each of them (named after the folder), any other sub-folder is one
    DICOM series; .nii(.gz) and .dcm files at the top are volumes of their own."""
    found = []
    if not os.path.isdir(folder):
        return found
    for entry in sorted(os.listdir(folder)):
        path = os.path.join(folder, entry)
        if os.path.isdir(path):
            niftis = sorted(f for f in os.listdir(path) if _is_nifti(f))
            if len(niftis) == 1:
                found.append((os.path.join(path, niftis[0]), entry))
            elif niftis:
                found += [(os.path.join(path, f), f"{entry}/{f}") for f in niftis]
            else:
                found.append((path, entry))
        elif _is_nifti(entry) or entry.endswith(".dcm"):
            found.append((path, entry))
    return found
