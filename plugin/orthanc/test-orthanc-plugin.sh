#!/bin/sh
# test-orthanc-plugin.sh ORTHANC PLUGIN DCME2EC DCME2ED TEST_TRANSCODER SAMPLES WORK - a real Orthanc on
# 127.0.0.1 (free ports, storage in WORK) with e2ec's plugin: an e2ec object uploaded by
# REST is stored, its frames decode through the plugin (/numpy equals dcme2ed's frame,
# /preview and /rendered answer PNG); a corrupt object is refused at upload, and one that
# goes bad in the archive gets an error for its frames, while Orthanc stays up.
# (/numpy is refused by Orthanc 1.10.1 itself for any transfer syntax it does not know:
# raw values come from /image-uint16, a 16-bit PNG, and /matlab, as text.) The transcoder
# callback, which Orthanc 1.10.1 never calls for a stored e2ec object (docs/pacs.md), is
# run by test_transcoder on the same object; its output must hold the same pixels.
set -eu
orthanc=$1 plugin=$2 enc=$3 dec=$4 transcoder=$5 samples=$6 work=$7
rm -rf "$work" && mkdir -p "$work/storage"
. "$(dirname "$0")/orthanc-lib.sh"
. "$(dirname "$0")/../../tests/require.sh"
require "$orthanc" curl
require_python numpy pydicom
http=$(free_port) dicom=$(free_port)
url=http://127.0.0.1:$http

# few epochs: this checks decoding through Orthanc, not quality
"$enc" --mode siren-ds --epochs 20 --scale 4 --width 16 --threads 2 "$samples/mr-t1-head-dicom" "$work/c.dcm" ||
  fail "dcme2ec"
"$dec" --frame 3 "$work/c.dcm" "$work/frame3.dcm" || fail "dcme2ed --frame"
"$transcoder" "$work/c.dcm" "$work/explicit.dcm" 2>"$work/transcoder.log" ||
  { cat "$work/transcoder.log" >&2; fail "test_transcoder"; }

cat >"$work/config.json" <<JSON
{
  "Name": "e2ec-test",
  "StorageDirectory": "$work/storage",
  "IndexDirectory": "$work/storage",
  "HttpPort": $http,
  "DicomPort": $dicom,
  "DicomServerEnabled": false,
  "RemoteAccessAllowed": false,
  "AuthenticationEnabled": false,
  "MaximumStorageCacheSize": 0,
  "Plugins": ["$plugin"]
}
JSON
orthanc_start "$orthanc" "$work/config.json" "$url"
curl -sf "$url/plugins/e2ec" >/dev/null || fail "the plugin is not loaded"

id=$(curl -sf -X POST --data-binary @"$work/c.dcm" "$url/instances" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["ID"])') || fail "upload"
# stored byte-exact, under our transfer syntax
curl -sf "$url/instances/$id/file" -o "$work/stored.dcm" || fail "GET /file"
cmp -s "$work/c.dcm" "$work/stored.dcm" || fail "the stored file differs from the upload"

curl -sf "$url/instances/$id/frames/2/image-uint16" -o "$work/frame3.png" || fail "/image-uint16"
curl -sf "$url/instances/$id/frames/2/matlab" -o "$work/frame3.m" || fail "/matlab"
curl -sf "$url/instances/$id/frames/2/rendered" -o "$work/rendered.png" || fail "/rendered"
curl -sf "$url/instances/$id/preview" -o "$work/preview.png" || fail "/preview"
python3 - "$work" <<'PY' || fail "pixel checks"
import re, struct, sys, zlib
import numpy as np, pydicom

def png_gray16(path):
    """The pixels of a 16-bit grayscale PNG (what /image-uint16 answers)."""
    b = open(path, "rb").read()
    assert b[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    while pos < len(b):
        n, kind = struct.unpack(">I4s", b[pos:pos + 8])
        data = b[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, color = struct.unpack(">IIBB", data[:10])
            assert (depth, color) == (16, 0), (depth, color)
        elif kind == b"IDAT":
            idat += data
        pos += 12 + n
    raw, stride = zlib.decompress(idat), 2 * w
    out, prev = bytearray(), bytearray(stride)
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - 2] if x >= 2 else 0
            c = prev[x - 2] if x >= 2 else 0
            p = a + prev[x] - c
            pa, pb, pc = abs(p - a), abs(p - prev[x]), abs(p - c)
            pred = [0, a, prev[x], (a + prev[x]) // 2,
                    a if pa <= pb and pa <= pc else (prev[x] if pb <= pc else c)][f]
            line[x] = (line[x] + pred) & 0xFF
        out += line
        prev = line
    return np.frombuffer(bytes(out), dtype=">u2").reshape(h, w)

w = sys.argv[1]
ref = pydicom.dcmread(w + "/frame3.dcm").pixel_array.astype(np.int64)
png = png_gray16(w + "/frame3.png").astype(np.int64)
assert png.shape == ref.shape, (png.shape, ref.shape)
assert np.array_equal(png, ref), "Orthanc's /image-uint16 differs from dcme2ed's frame"
text = open(w + "/frame3.m").read()
rows = [r.split() for r in re.sub(r"^double\(\[|\]\)\s*;?\s*$", "", text.strip()).split(";")]
mat = np.array([[int(v) for v in r] for r in rows if r], dtype=np.int64)
assert np.array_equal(mat, ref), "Orthanc's /matlab differs from dcme2ed's frame"
for png in ("rendered", "preview"):
    assert open(f"{w}/{png}.png", "rb").read(8) == b"\x89PNG\r\n\x1a\n", png
ex = pydicom.dcmread(w + "/explicit.dcm")
assert ex.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.1", ex.file_meta.TransferSyntaxUID
assert np.array_equal(ex.pixel_array[2].astype(np.int64), ref), "transcoded pixels differ"
print("pixels equal:", ref.shape, "frame 3")
PY

# a corrupt stream (one byte of the weights flipped: the CRC fails) and a truncated
# file: refused at upload, with a log line (admission.cc); the same corruption in an
# object already in the archive (a bad disk): an error for that instance, never a crash
python3 - "$work" <<'PY'
import sys
w = sys.argv[1]
b = bytearray(open(w + "/c.dcm", "rb").read())
i = b.rindex(b"E2EC")  # the stream's magic, first bytes of Pixel Data's fragment
b[i + 200] ^= 0xFF
open(w + "/corrupt.dcm", "wb").write(bytes(b))
open(w + "/truncated.dcm", "wb").write(open(w + "/c.dcm", "rb").read()[: len(b) * 2 // 3])
PY
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST --data-binary @"$work/corrupt.dcm" "$url/instances")
[ "$code" -ge 400 ] || fail "a corrupt object was stored (HTTP $code)"
grep -q 'e2ec: refused, not stored: .*CRC' "$work/orthanc.log" || fail "no log line for the refused object"
stored=""
for f in $(find "$work/storage" -type f ! -name 'index*'); do
  cmp -s "$f" "$work/c.dcm" && stored=$f
done
[ -n "$stored" ] || fail "the stored file is not in the storage folder"
cp "$work/corrupt.dcm" "$stored" # the archive's copy goes bad under Orthanc
code=$(curl -s -o /dev/null -w '%{http_code}' "$url/instances/$id/frames/0/image-uint16")
[ "$code" -ge 400 ] || fail "a corrupt object decoded (HTTP $code)"
code=$(curl -s -o /dev/null -w '%{http_code}' "$url/instances/$id/preview")
[ "$code" -ge 400 ] || fail "a corrupt object rendered (HTTP $code)"
grep -q 'e2ec: .*corrupt' "$work/orthanc.log" || fail "no error logged for the corrupt object"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST --data-binary @"$work/truncated.dcm" "$url/instances")
[ "$code" -ge 400 ] || fail "a truncated object was stored (HTTP $code)"
curl -sf "$url/system" >/dev/null || fail "Orthanc is down after bad objects"
kill -0 $pid || fail "Orthanc died"
echo "orthanc plugin OK"
