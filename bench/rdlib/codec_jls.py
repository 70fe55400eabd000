"""JPEG-LS near-lossless, CharLS 2 through its C API (ctypes, in process: its
times carry no process start-up, unlike the command-line anchors). Each slice
is one JPEG-LS codestream (SOI..EOI, no SPIFF header) of the shifted values at
the bits the data range needs; NEAR = 0 is lossless."""
import ctypes
import ctypes.util
import time

import numpy as np

from .codec_util import CodecError, shifted_u16

NEARS = (0, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128)
QUICK_NEARS = (0, 2, 8, 32)


class _FrameInfo(ctypes.Structure):
    _fields_ = [("width", ctypes.c_uint32), ("height", ctypes.c_uint32),
                ("bits_per_sample", ctypes.c_int32), ("component_count", ctypes.c_int32)]


def _load():
    name = ctypes.util.find_library("charls")
    if not name:
        return None
    lib = ctypes.CDLL(name)
    vp = ctypes.c_void_p
    for fn in ("charls_jpegls_encoder_create", "charls_jpegls_decoder_create"):
        getattr(lib, fn).restype = vp
    for fn in ("charls_jpegls_encoder_destroy", "charls_jpegls_decoder_destroy"):
        getattr(lib, fn).argtypes = [vp]
    sigs = {
        "charls_jpegls_encoder_set_frame_info": [vp, ctypes.POINTER(_FrameInfo)],
        "charls_jpegls_encoder_set_near_lossless": [vp, ctypes.c_int32],
        "charls_jpegls_encoder_get_estimated_destination_size": [vp, ctypes.POINTER(ctypes.c_size_t)],
        "charls_jpegls_encoder_set_destination_buffer": [vp, vp, ctypes.c_size_t],
        "charls_jpegls_encoder_encode_from_buffer": [vp, vp, ctypes.c_size_t, ctypes.c_uint32],
        "charls_jpegls_encoder_get_bytes_written": [vp, ctypes.POINTER(ctypes.c_size_t)],
        "charls_jpegls_decoder_set_source_buffer": [vp, vp, ctypes.c_size_t],
        "charls_jpegls_decoder_read_header": [vp],
        "charls_jpegls_decoder_get_destination_size": [vp, ctypes.c_uint32, ctypes.POINTER(ctypes.c_size_t)],
        "charls_jpegls_decoder_decode_to_buffer": [vp, vp, ctypes.c_size_t, ctypes.c_uint32],
    }
    for fn, args in sigs.items():
        getattr(lib, fn).argtypes = args
        getattr(lib, fn).restype = ctypes.c_int32
    return lib


def _check(errc, what):
    if errc != 0:
        raise CodecError(f"CharLS {what} failed: error {errc}")


class JLS:
    name, key = "JPEG-LS", "jpegls"

    def __init__(self):
        self.lib = _load()

    def missing(self):
        return None if self.lib else "libcharls not found (apt-get install libcharls2)"

    def points(self, vol, quick):
        limit = max(1, vol.range // 16)  # beyond this NEAR only smears the image
        return [f"near={n}" for n in (QUICK_NEARS if quick else NEARS) if n <= limit]

    def _encode(self, img, bits, near):
        lib = self.lib
        h, w = img.shape
        enc = lib.charls_jpegls_encoder_create()
        try:
            fi = _FrameInfo(w, h, bits, 1)
            _check(lib.charls_jpegls_encoder_set_frame_info(enc, ctypes.byref(fi)), "set_frame_info")
            _check(lib.charls_jpegls_encoder_set_near_lossless(enc, near), "set_near_lossless")
            cap = ctypes.c_size_t()
            _check(lib.charls_jpegls_encoder_get_estimated_destination_size(enc, ctypes.byref(cap)),
                   "estimate")
            dst = ctypes.create_string_buffer(cap.value)
            _check(lib.charls_jpegls_encoder_set_destination_buffer(enc, dst, cap.value), "destination")
            _check(lib.charls_jpegls_encoder_encode_from_buffer(enc, img.ctypes.data, img.nbytes, 0),
                   "encode")
            n = ctypes.c_size_t()
            _check(lib.charls_jpegls_encoder_get_bytes_written(enc, ctypes.byref(n)), "bytes_written")
            return dst.raw[:n.value]
        finally:
            lib.charls_jpegls_encoder_destroy(enc)

    def _decode(self, stream, shape, dtype):
        lib = self.lib
        dec = lib.charls_jpegls_decoder_create()
        try:
            _check(lib.charls_jpegls_decoder_set_source_buffer(dec, stream, len(stream)), "source")
            _check(lib.charls_jpegls_decoder_read_header(dec), "read_header")
            size = ctypes.c_size_t()
            _check(lib.charls_jpegls_decoder_get_destination_size(dec, 0, ctypes.byref(size)),
                   "destination_size")
            out = np.empty(shape, dtype)
            if size.value != out.nbytes:
                raise CodecError(f"CharLS decodes {size.value} bytes, expected {out.nbytes}")
            _check(lib.charls_jpegls_decoder_decode_to_buffer(dec, out.ctypes.data, out.nbytes, 0),
                   "decode")
            return out
        finally:
            lib.charls_jpegls_decoder_destroy(dec)

    def run(self, vol, param, work):
        near = int(param.split("=")[1])
        bits = max(2, int(vol.range).bit_length())
        dtype = np.uint8 if bits <= 8 else np.uint16
        imgs = [np.ascontiguousarray(s, dtype) for s in shifted_u16(vol)]
        t = time.perf_counter()
        streams = [self._encode(img, bits, near) for img in imgs]
        enc_s = time.perf_counter() - t
        t = time.perf_counter()
        slices = [self._decode(s, imgs[0].shape, dtype) for s in streams]
        dec_s = time.perf_counter() - t
        decoded = np.stack(slices).astype(np.int32) + vol.vmin
        return sum(len(s) for s in streams), decoded, enc_s, dec_s
