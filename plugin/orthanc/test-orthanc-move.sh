#!/bin/sh
# test-orthanc-move.sh ORTHANC PLUGIN DCME2ED SAMPLES WORK - C-MOVE of e2ec objects out of a
# real Orthanc on 127.0.0.1 (docs/pacs.md, "Sending"): the MR sample series arrives by
# C-STORE (storescu), ingest compresses it once stable (originals kept), and a C-MOVE
# (movescu) of the compressed series to a storescp receives one decoded instance
# (Explicit VR Little Endian, same SOP Instance UID) that dciodvfy accepts, with the
# pixels dcme2ed decodes from the stored object; a C-MOVE of the original series still
# goes through Orthanc's own path. Orthanc's REST /modalities/{id}/store of the e2ec
# instance fails (Orthanc 1.10.1 never calls the transcoder for it): asserted, as
# documented.
set -eu
orthanc=$1 plugin=$2 dec=$3 samples=$4 work=$5
rm -rf "$work" && mkdir -p "$work/storage" "$work/recv"
. "$(dirname "$0")/orthanc-lib.sh"
. "$(dirname "$0")/../../tests/require.sh"
require "$orthanc" curl dciodvfy movescu storescp storescu
require_python numpy pydicom
http=$(free_port) dicom=$(free_port) scp=$(free_port)
url=http://127.0.0.1:$http
mr=$samples/mr-t1-head-dicom
n_mr=$(ls "$mr"/*.dcm | wc -l)

# a short encode (50 grid steps, one encode, no search: the move is tested here, the
# ingest's default path by orthanc_ingest) with a bar just under the 26.33 dB it gives
# on the MR sample (bench/results/pacs/plumbing.log; a flat volume gives 16.3 dB)
min_psnr=25
cat >"$work/config.json" <<JSON
{
  "Name": "e2ec-move-test",
  "StorageDirectory": "$work/storage",
  "IndexDirectory": "$work/storage",
  "HttpPort": $http,
  "DicomPort": $dicom,
  "DicomAet": "ORTHANC",
  "RemoteAccessAllowed": false,
  "AuthenticationEnabled": false,
  "StableAge": 1,
  "DicomModalities": { "scp": ["STORESCP", "127.0.0.1", $scp],
                       "mover": ["MOVESCU", "127.0.0.1", $scp] },
  "Plugins": ["$plugin"],
  "E2EC": { "IngestCompression": true, "KeepOriginals": true, "MinPsnr": $min_psnr,
            "Mode": "grid", "Epochs": 50, "MaxTrials": 1, "Threads": 2 }
}
JSON
storescp -aet STORESCP -od "$work/recv" "$scp" >"$work/storescp.log" 2>&1 &
scp_pid=$!
orthanc_start "$orthanc" "$work/config.json" "$url"
trap 'kill $pid $scp_pid 2>/dev/null || true' EXIT
grep -q 'e2ec: C-MOVE SCP taken over' "$work/orthanc.log" || fail "no C-MOVE handler"

storescu -aet MOVESCU -aec ORTHANC 127.0.0.1 "$dicom" "$mr"/*.dcm || fail "storescu"
i=0
until grep -q 'e2ec ingest: .*status=' "$work/orthanc.log"; do
  i=$((i + 1))
  [ $i -le 240 ] || fail "no ingest result within 120 s"
  kill -0 $pid 2>/dev/null || fail "Orthanc died"
  sleep 0.5
done
grep -q "e2ec ingest: .*instances=$n_mr .* min_psnr_db=$min_psnr .*status=ok originals_removed=no" \
  "$work/orthanc.log" || fail "the series received by C-STORE was not compressed to MinPsnr $min_psnr"

# the compressed instance and the original series, as Orthanc indexes them
python3 - "$url" >"$work/ids" <<'PY' || fail "finding the instances"
import json, sys, urllib.request
url = sys.argv[1]
get = lambda p: json.loads(urllib.request.urlopen(url + p).read())
for s in get("/series"):
    first = get(f"/series/{s}")["Instances"][0]
    ts = get(f"/instances/{first}/header?simplify")["TransferSyntaxUID"]
    tags = get(f"/instances/{first}/simplified-tags")
    kind = "ours" if ts == "2.25.245201620563341954866258650690490298409" else "original"
    print(kind, first, tags["StudyInstanceUID"], tags["SeriesInstanceUID"], tags["SOPInstanceUID"])
PY
set -- $(grep '^ours' "$work/ids")
id=$2 study=$3 series=$4 sop=$5
set -- $(grep '^original' "$work/ids")
orig_series=$4

# Orthanc's own C-STORE SCU (REST) cannot send it: documented, asserted
code=$(curl -s -o "$work/rest-store.json" -w '%{http_code}' -X POST "$url/modalities/scp/store" \
  -d "{\"Resources\": [\"$id\"], \"Synchronous\": true}")
[ "$code" -ge 400 ] || fail "REST store of an e2ec object now works (HTTP $code): update docs/pacs.md"

movescu -S -aet MOVESCU -aec ORTHANC -aem STORESCP -k QueryRetrieveLevel=SERIES \
  -k StudyInstanceUID="$study" -k SeriesInstanceUID="$series" 127.0.0.1 "$dicom" \
  >"$work/move.log" 2>&1 || { cat "$work/move.log" >&2; fail "movescu of the e2ec series"; }
! grep -q 'Failed\|Warning' "$work/move.log" || { cat "$work/move.log" >&2; fail "C-MOVE sub-operations failed"; }
got=$(ls "$work/recv")
[ "$(echo "$got" | wc -l)" -eq 1 ] || fail "storescp received: $got"
received=$work/recv/$got
dciodvfy "$received" >"$work/vfy" 2>&1 || true
if grep -q '^Error' "$work/vfy"; then grep '^Error' "$work/vfy" >&2; fail "dciodvfy errors on the received instance"; fi
curl -sf "$url/instances/$id/file" -o "$work/stored.dcm" || fail "GET /file"
psnr=$(psnr_vs "$mr" "$work/stored.dcm" "$work/ref.dcm")
at_least "${psnr:-0}" "$min_psnr" || fail "the stored object's PSNR ${psnr:-?} dB is below MinPsnr $min_psnr"
python3 - "$received" "$work/ref.dcm" "$sop" <<'PY' || fail "the received instance"
import sys
import numpy as np, pydicom
got, ref, sop = pydicom.dcmread(sys.argv[1]), pydicom.dcmread(sys.argv[2]), sys.argv[3]
assert got.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.1", got.file_meta.TransferSyntaxUID
assert got.SOPInstanceUID == sop, "the peer asked for the stored instance"
assert got.LossyImageCompression == "01"
assert np.array_equal(got.pixel_array, ref.pixel_array), "received pixels differ from dcme2ed's"
print("C-MOVE: received %s, %d frames, decoded pixels equal" % (got.SOPClassUID.name, got.NumberOfFrames))
PY

# Orthanc's own route, through the same handler, for everything else
movescu -S -aet MOVESCU -aec ORTHANC -aem STORESCP -k QueryRetrieveLevel=SERIES \
  -k StudyInstanceUID="$study" -k SeriesInstanceUID="$orig_series" 127.0.0.1 "$dicom" \
  >"$work/move2.log" 2>&1 || { cat "$work/move2.log" >&2; fail "movescu of the original series"; }
[ "$(ls "$work/recv" | wc -l)" -eq $((n_mr + 1)) ] || fail "the original series did not arrive whole"
kill -0 $pid || fail "Orthanc died"
echo "orthanc C-MOVE OK"
