#!/bin/sh
# test-volume-cache.sh DCME2EC TEST_VOLUME_CACHE SAMPLES WORK - encodes 3 slices of the
# sample MR in the lossless mode (50 fitting steps: a poorer fit, still exact, and
# seconds under ASan) and runs test_volume_cache on the object (the decode callback's
# cache of decoded volumes, with the cache on, off and too small).
set -eu
enc=$1 test=$2 samples=$3 work=$4
rm -rf "$work" && mkdir -p "$work/mr3"
# middle slices: the head, not the empty edge of the field of view
for i in 30 31 32; do cp "$samples/mr-t1-head-dicom/MR00$i.dcm" "$work/mr3/"; done
"$enc" --mode lossless --epochs 50 --threads 2 "$work/mr3" "$work/mr3.dcm" || { echo "FAIL: dcme2ec" >&2; exit 1; }
"$test" "$work/mr3.dcm"
