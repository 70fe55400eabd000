#!/bin/sh
# test-orthanc-ingest.sh ORTHANC PLUGIN DCME2ED SAMPLES WORK - ingest compression in a
# real Orthanc on 127.0.0.1, on its default path (issues 14, 15: no encoder or quality
# key, only "KeepOriginals": false): the MR sample series uploaded by REST becomes, once
# stable, one lossless e2ec instance (the lossless mode, plugin/archive_quality.h) that
# says Lossy Image Compression "00" and decodes to the sample files exactly (dcme2ed's
# own decode of the stored object, every voxel), and its originals are deleted; a CT
# series with a slice missing cannot be compressed and stays stored as it was, with a
# log line why.
# Each series is an Orthanc job ("E2ECIngest") whose state, progress and figures /jobs shows.
set -eu
orthanc=$1 plugin=$2 dec=$3 samples=$4 work=$5
rm -rf "$work" && mkdir -p "$work/storage"
. "$(dirname "$0")/orthanc-lib.sh"
. "$(dirname "$0")/../../tests/require.sh"
require "$orthanc" curl python3
http=$(free_port) dicom=$(free_port)
url=http://127.0.0.1:$http
mr=$samples/mr-t1-head-dicom ct=$samples/ct-chest
n_mr=$(ls "$mr"/*.dcm | wc -l)

# the defaults: no "Mode", "Epochs", "MinPsnr" ...
cat >"$work/config.json" <<JSON
{
  "Name": "e2ec-ingest-test",
  "StorageDirectory": "$work/storage",
  "IndexDirectory": "$work/storage",
  "HttpPort": $http,
  "DicomPort": $dicom,
  "DicomServerEnabled": false,
  "RemoteAccessAllowed": false,
  "AuthenticationEnabled": false,
  "StableAge": 1,
  "Plugins": ["$plugin"],
  "E2EC": { "IngestCompression": true, "KeepOriginals": false }
}
JSON
orthanc_start "$orthanc" "$work/config.json" "$url"
grep -q 'e2ec: ingest compression on, originals deleted once verified' "$work/orthanc.log" ||
  fail "ingest compression is not on"

for f in "$mr"/*.dcm; do
  curl -sf -X POST --data-binary @"$f" "$url/instances" >/dev/null || fail "upload $f"
done
n_ct=0
for f in "$ct"/*.dcm; do
  case $f in */1-32.dcm) continue ;; esac # the gap
  curl -sf -X POST --data-binary @"$f" "$url/instances" >/dev/null || fail "upload $f"
  n_ct=$((n_ct + 1))
done

i=0
until grep -q 'e2ec ingest: .*status=ok' "$work/orthanc.log" &&
  grep -q 'e2ec ingest: .*status=failed' "$work/orthanc.log"; do
  i=$((i + 1))
  [ $i -le 1200 ] || fail "no ingest result within 600 s"
  kill -0 $pid 2>/dev/null || fail "Orthanc died"
  sleep 0.5
done
grep 'e2ec ingest:' "$work/orthanc.log" | sed 's/^.*e2ec ingest/e2ec ingest/'
grep -q "e2ec ingest: .*instances=$n_mr .*status=ok originals_removed=yes" "$work/orthanc.log" ||
  fail "the MR series was not compressed whole"
grep -q 'e2ec ingest: .*status=failed originals=kept reason="missing slice' "$work/orthanc.log" ||
  fail "the CT series with a gap: no reason logged"
# the compressed object's own series, stable in turn, is left alone
sleep 2
[ "$(grep -c 'e2ec ingest:' "$work/orthanc.log")" -eq 2 ] || fail "ingest touched its own object"

python3 - "$url" "$n_mr" "$n_ct" >"$work/checks" <<'PY' || fail "checks of Orthanc's content"
import json, sys, urllib.request
url, n_mr, n_ct = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
get = lambda p: urllib.request.urlopen(url + p).read()
ours, others = [], []
for i in json.loads(get("/instances")):
    ts = json.loads(get(f"/instances/{i}/header?simplify"))["TransferSyntaxUID"]
    (ours if ts == "2.25.245201620563341954866258650690490298409" else others).append(i)
assert len(ours) == 1, f"{len(ours)} e2ec instances, expected 1"
assert len(others) == n_ct, f"{len(others)} other instances, expected the {n_ct} CT ones"
tags = json.loads(get(f"/instances/{ours[0]}/simplified-tags"))
assert int(tags["NumberOfFrames"]) == n_mr, tags["NumberOfFrames"]
assert tags["Modality"] == "MR" and tags["LossyImageCompression"] == "00", tags.get("LossyImageCompression")
png = get(f"/instances/{ours[0]}/frames/{n_mr // 2}/image-uint16")
assert png[:8] == b"\x89PNG\r\n\x1a\n"
jobs = [j for j in json.loads(get("/jobs?expand")) if j["Type"] == "E2ECIngest"]
done = [j for j in jobs if j["State"] == "Success" and "Object" in j["Content"]]
failed = [j for j in jobs if j["State"] == "Failure"]
skipped = [j for j in jobs if j["State"] == "Success" and "Skipped" in j["Content"]]
assert len(done) == 1 and len(failed) == 1 and len(skipped) == 1, jobs
c = done[0]["Content"]
assert done[0]["Progress"] == 100 and c["Stage"] == "done", done[0]
assert c["Object"] == ours[0] and c["Instances"] == c["InstancesCopied"] == n_mr, c
assert c["Ratio"] > 1 and c["MaxError"] == 0 and "MinPsnrDb" not in c, c
assert "missing slice" in failed[0]["Content"]["FailureReason"], failed[0]
print(f"jobs: compressed lossless (ratio {c['Ratio']:.1f}), failed (gap), skipped (own object)")
print(f"ingest: 1 e2ec instance of {n_mr} frames, {len(others)} CT instances kept")
print("object", ours[0])
PY
grep -v '^object' "$work/checks"
grep -q "e2ec ingest: .*instances=$n_mr .* max_error=0 max_error_bound=0 " "$work/orthanc.log" ||
  fail "the MR series was not archived lossless"
! grep -q "e2ec ingest: .* min_psnr_db=" "$work/orthanc.log" || fail "a PSNR bar on the lossless default"
# the stored object against the sample files, decoded by dcme2ed: every voxel
curl -sf "$url/instances/$(sed -n 's/^object //p' "$work/checks")/file" -o "$work/object.dcm" ||
  fail "GET the object"
m=$(compare_vs "$mr" "$work/object.dcm" "$work/decoded.dcm")
[ "$m" = "inf 0" ] || fail "the stored object does not decode to the sample files exactly: PSNR, max error '$m'"
echo "orthanc ingest OK: default path, lossless"
