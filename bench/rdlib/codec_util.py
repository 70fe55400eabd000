"""What the codec wrappers share: timed tool runs and 16-bit PGM slices."""
import os
import shutil
import subprocess
import time

import numpy as np


class CodecError(RuntimeError):
    pass


def missing_tools(*tools):
    """None when every tool is on PATH, else a sentence naming the missing ones."""
    gone = [t for t in tools if shutil.which(t) is None]
    return f"not found on PATH: {', '.join(gone)}" if gone else None


def run_timed(cmd, **kw):
    """Runs cmd, returns its wall seconds; a failure raises CodecError with its stderr."""
    t = time.perf_counter()
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)
    dt = time.perf_counter() - t
    if r.returncode != 0:
        raise CodecError(f"{' '.join(map(str, cmd))} failed ({r.returncode}): "
                         f"{r.stderr.decode(errors='replace')[-800:]}")
    return dt


def fresh_dir(path):
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def shifted_u16(vol):
    """Stored values shifted to start at 0, as uint16 (what the 16-bit PGM slices hold)."""
    if vol.range > 65535:
        raise CodecError(f"data range {vol.range} does not fit 16 bits")
    return (vol.data - vol.vmin).astype(np.uint16)


def write_pgm(path, img, maxval=65535):
    h, w = img.shape
    with open(path, "wb") as f:
        f.write(b"P5\n%d %d\n%d\n" % (w, h, maxval))
        f.write(img.astype(">u2" if maxval > 255 else np.uint8).tobytes())


def read_pgm(path):
    """A binary PGM (P5), 8 or 16 bits, as int32."""
    raw = open(path, "rb").read()
    fields, pos = [], 0
    while len(fields) < 4:
        while raw[pos:pos + 1].isspace():
            pos += 1
        if raw[pos:pos + 1] == b"#":
            pos = raw.index(b"\n", pos)
            continue
        end = pos
        while not raw[end:end + 1].isspace():
            end += 1
        fields.append(raw[pos:end])
        pos = end
    if fields[0] != b"P5":
        raise CodecError(f"{path}: not a binary PGM")
    w, h, maxval = (int(v) for v in fields[1:])
    dt = ">u2" if maxval > 255 else np.uint8
    return np.frombuffer(raw, dt, w * h, pos + 1).reshape(h, w).astype(np.int32)


def write_slices(vol, folder):
    """Each z-slice as a 16-bit PGM (maxval 65535) of the shifted stored values."""
    fresh_dir(folder)
    paths = []
    for z, img in enumerate(shifted_u16(vol)):
        paths.append(os.path.join(folder, f"s{z:05d}.pgm"))
        write_pgm(paths[-1], img)
    return paths


def unshift(vol, slices):
    """Decoded shifted slices back to stored values (clipped to 16 bits by the tools)."""
    return np.stack(slices).astype(np.int32) + vol.vmin
