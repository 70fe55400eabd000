#!/bin/sh
# test-orthanc-malformed.sh ORTHANC PLUGIN DCME2EC SAMPLES QSTREAM LSTREAM WORK - Orthanc with e2ec's plugin
# survives the malformed-input catalogue (tests/malformed/make-cases; issue 9, item 5): a
# valid e2ec object of four MR slices is made, the catalogue derived from it; every DICOM
# case, and every bitstream case wrapped as the Pixel Data of that valid object, is
# uploaded by REST to a real Orthanc on 127.0.0.1, one at a time, and its frame and
# preview asked for. Each must be refused at upload or answered with an HTTP error
# (>= 400), with an error line in Orthanc's log; afterwards Orthanc is still up and
# serves a valid instance.
set -eu
orthanc=$1 plugin=$2 enc=$3 samples=$4 qstream=$5 lstream=$6 work=$7
here=$(dirname "$0")
rm -rf "$work" && mkdir -p "$work/storage" "$work/mr4" "$work/cases" "$work/wrapped"
. "$here/orthanc-lib.sh"
. "$here/../../tests/require.sh"
require "$orthanc" curl
require_python pydicom
http=$(free_port)
url=http://127.0.0.1:$http

for f in MR0030 MR0031 MR0032 MR0033; do cp "$samples/mr-t1-head-dicom/$f.dcm" "$work/mr4/"; done
"$enc" --mode siren-ds --epochs 5 --scale 4 --width 8 --threads 2 "$work/mr4" "$work/valid.dcm" ||
  fail "dcme2ec"
python3 - "$work" <<'PY' || fail "making the catalogue"
import sys
import pydicom
from pydicom.encaps import generate_fragments
w = sys.argv[1]
stream = b"".join(list(generate_fragments(pydicom.dcmread(w + "/valid.dcm").PixelData))[1:])
open(w + "/valid.e2ec", "wb").write(stream)
PY
python3 "$here/../../tests/malformed/make-cases" "$work/valid.e2ec" "$qstream" "$lstream" "$work/valid.dcm" "$work/cases" ||
  fail "make-cases"
# the bitstream cases as the Pixel Data of the valid object (empty Basic Offset Table,
# one fragment, padded to an even length as the writer does)
python3 - "$work" <<'PY' || fail "wrapping the stream cases"
import struct, sys
import pydicom
w = sys.argv[1]
def item(data):
    return struct.pack("<HHI", 0xFFFE, 0xE000, len(data)) + data
def encapsulate(data):  # an empty stream too, which pydicom's encapsulate refuses
    data += b"\0" * (len(data) & 1)
    return item(b"") + item(data)  # pydicom adds the Sequence Delimitation Item
for line in open(w + "/cases/cases.tsv"):
    path, kind, err = line.rstrip("\n").split("\t")
    if kind == "dicom":
        continue
    data = open(path, "rb").read()
    ds = pydicom.dcmread(w + "/valid.dcm")
    ds.PixelData = encapsulate(data)
    ds["PixelData"].is_undefined_length = True
    name = path.rsplit("/", 1)[1].rsplit(".", 1)[0]
    ds.save_as("%s/wrapped/%s.dcm" % (w, name))
PY

cat >"$work/config.json" <<JSON
{
  "Name": "e2ec-malformed-test",
  "StorageDirectory": "$work/storage",
  "IndexDirectory": "$work/storage",
  "HttpPort": $http,
  "DicomServerEnabled": false,
  "RemoteAccessAllowed": false,
  "AuthenticationEnabled": false,
  "OverwriteInstances": true,
  "Plugins": ["$plugin"]
}
JSON
orthanc_start "$orthanc" "$work/config.json" "$url"

errors() { grep -c '^E' "$work/orthanc.log" || true; }
n=0 refused=0
for f in "$work"/cases/*.dcm "$work"/wrapped/*.dcm; do
  n=$((n + 1))
  c=$(basename "$f")
  before=$(errors)
  code=$(curl -s -o "$work/up.json" -w '%{http_code}' -X POST --data-binary @"$f" "$url/instances")
  echo "$c: upload HTTP $code" >>"$work/outcomes"
  if [ "$code" -ge 400 ]; then
    refused=$((refused + 1))
  else
    id=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["ID"])' "$work/up.json") ||
      fail "$c: upload answered HTTP $code without an ID"
    for what in frames/0/image-uint16 frames/0/rendered preview; do
      code=$(curl -s -o /dev/null -w '%{http_code}' "$url/instances/$id/$what")
      [ "$code" -ge 400 ] || fail "$c: /$what answered HTTP $code"
    done
    curl -sf -X DELETE "$url/instances/$id" >/dev/null || fail "$c: DELETE"
  fi
  [ "$(errors)" -gt "$before" ] || fail "$c: no error line in Orthanc's log"
  kill -0 $pid 2>/dev/null || fail "Orthanc died on $c"
done
[ $n -ge 30 ] || fail "only $n cases"

# still up, and still serving a valid instance
id=$(curl -sf -X POST --data-binary @"$work/valid.dcm" "$url/instances" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["ID"])') || fail "upload of the valid object"
curl -sf "$url/instances/$id/frames/1/image-uint16" -o "$work/valid.png" || fail "the valid object does not decode"
[ "$(head -c 4 "$work/valid.png" | od -An -c | tr -d ' ')" = '211PNG' ] || fail "not a PNG"
echo "orthanc malformed OK: $n cases ($refused refused at upload, the rest answered with errors)"
