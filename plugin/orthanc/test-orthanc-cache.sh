#!/bin/sh
# test-orthanc-cache.sh ORTHANC PLUGIN DCME2EC DCME2ED SAMPLES WORK [OBJECT] - the decode
# callback's cache of decoded volumes ("DecodedCacheMB", volume_cache.h) in a real Orthanc
# on 127.0.0.1: every frame of a lossless object of 8 slices of the sample MR (or of
# OBJECT), asked for one by one in order through /frames/N/matlab, equals dcme2ed's
# decode of the object, every pixel, with the cache at its default and with
# "DecodedCacheMB": 0; a bad value (or a bad "Preset") stops the plugin, and Orthanc
# with it, with a log line naming the key. The time to fetch all frames is printed (measured, not asserted; with
# the sample series' whole objects: bench/results/pacs/decoded-cache.log).
set -eu
orthanc=$1 plugin=$2 enc=$3 dec=$4 samples=$5 work=$6 object=${7:-}
rm -rf "$work" && mkdir -p "$work/mr8"
. "$(dirname "$0")/orthanc-lib.sh"
. "$(dirname "$0")/../../tests/require.sh"
require "$orthanc" curl
require_python numpy pydicom
if [ -n "$object" ]; then
  cp "$object" "$work/c.dcm"
else
  for i in 30 31 32 33 34 35 36 37; do cp "$samples/mr-t1-head-dicom/MR00$i.dcm" "$work/mr8/"; done
  # 200 fitting steps: a poorer fit, still exact, and seconds to encode
  "$enc" --mode lossless --epochs 200 --threads 2 "$work/mr8" "$work/c.dcm" || fail "dcme2ec"
fi
frames=$(python3 -c 'import pydicom, sys; print(pydicom.dcmread(sys.argv[1]).NumberOfFrames)' \
  "$work/c.dcm") || fail "Number of Frames"
"$dec" "$work/c.dcm" "$work/decoded.dcm" || fail "dcme2ed"

# config NAME CACHE [KEY]: an Orthanc configuration with "E2EC": {"DecodedCacheMB": CACHE}
# ("" leaves the key out), or {KEY} when given, storage in WORK/NAME
config() {
  mkdir -p "$work/$1"
  http=$(free_port) key=""
  [ -n "$2" ] && key="\"DecodedCacheMB\": $2"
  [ -n "${3:-}" ] && key="$3"
  cat >"$work/$1/config.json" <<JSON
{
  "Name": "e2ec-cache-test",
  "StorageDirectory": "$work/$1",
  "IndexDirectory": "$work/$1",
  "HttpPort": $http,
  "DicomServerEnabled": false,
  "RemoteAccessAllowed": false,
  "AuthenticationEnabled": false,
  "MaximumStorageCacheSize": 0,
  "Plugins": ["$plugin"],
  "E2EC": {$key}
}
JSON
}

# each run uploads the object and checks every frame against dcme2ed's
for run in "default:" "off:0"; do
  name=${run%%:*} cache=${run#*:}
  config "$name" "$cache"
  url=http://127.0.0.1:$http
  orthanc_start "$orthanc" "$work/$name/config.json" "$url" "$work/orthanc.log"
  id=$(curl -sf -X POST --data-binary @"$work/c.dcm" "$url/instances" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["ID"])') || fail "upload"
  t0=$(date +%s.%N)
  for z in $(seq 0 $((frames - 1))); do
    curl -sf "$url/instances/$id/frames/$z/matlab" -o "$work/$name/frame$z.m" || fail "/frames/$z/matlab"
  done
  t1=$(date +%s.%N)
  echo "cache ${cache:-default}: $frames frames in $(echo "$t1 - $t0" | bc) s"
  python3 - "$work" "$name" "$frames" <<'PY' || fail "pixel checks, cache ${cache:-default}"
import re, sys
import numpy as np, pydicom
w, name, frames = sys.argv[1], sys.argv[2], int(sys.argv[3])
ref = pydicom.dcmread(w + "/decoded.dcm").pixel_array.astype(np.int64)
assert ref.shape[0] == frames, ref.shape
for z in range(frames):
    text = open(f"{w}/{name}/frame{z}.m").read()
    got = np.array(re.findall(r"-?\d+", text[text.index("["):]), dtype=np.int64)
    assert np.array_equal(got.reshape(ref.shape[1:]), ref[z]), f"frame {z} differs from dcme2ed's"
print(f"every pixel of the {frames} frames equal to dcme2ed's")
PY
  kill $pid && wait $pid || true
done

# a bad value: the plugin refuses to start, and Orthanc does not run without it
for bad in -1 '"lots"' 1.5; do
  config bad "$bad"
  if timeout 60 "$orthanc" "$work/bad/config.json" >"$work/orthanc-bad.log" 2>&1; then
    fail "Orthanc ran with \"DecodedCacheMB\": $bad"
  fi
  grep -q '"DecodedCacheMB" must be an integer' "$work/orthanc-bad.log" ||
    { cat "$work/orthanc-bad.log" >&2; fail "no log line for \"DecodedCacheMB\": $bad"; }
done
config bad "" '"Preset": "turbo"'
if timeout 60 "$orthanc" "$work/bad/config.json" >"$work/orthanc-bad.log" 2>&1; then
  fail "Orthanc ran with \"Preset\": \"turbo\""
fi
grep -q '"Preset" must be "fast", "medium" or "slow", not "turbo"' "$work/orthanc-bad.log" ||
  { cat "$work/orthanc-bad.log" >&2; fail "no log line for \"Preset\": \"turbo\""; }
echo "orthanc cache OK"
