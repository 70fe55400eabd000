#!/bin/sh
# lossless.sh DCME2EC DCME2ED SERIES WORK - the lossless mode in DICOM (CONFORMANCE.md
# section 8) on the first 8 files of a sample series (a series of its own: the checks are
# per attribute and per voxel, and 8 slices keep the Debug+ASan build to seconds):
#  - `--mode lossless`: Lossy Image Compression "00", no ratio or method, no Derivation
#    Image item (so no 113040) and no Source Image Evidence; dciodvfy finds only the three
#    Pixel Data errors of our syntax on it and none on what dcme2ed decodes; the decoded
#    frames equal the original files in every voxel (dcme2ed --compare, and pydicom frame
#    by frame through each frame's Conversion Source), and say "00" too;
#  - `--max-error 2` (near-lossless): "01" with its ratio, method E2EC_NEAR_LL_V1 and
#    113040 on every frame; every voxel within 2;
#  - once lossy, always lossy: the near-lossless object decoded and encoded again
#    lossless keeps "01" and the earlier ratio and method, and adds none.
# Short fits (50 steps): a worse fit only costs bytes, the coding stays exact.
set -eu
enc=$1 dec=$2 name=$(basename "$3") work=$4
rm -rf "$work" && mkdir -p "$work/series"
for f in $(ls "$3"/*.dcm | head -n 8); do cp "$f" "$work/series/"; done
series=$work/series
fail() { echo "FAIL: $*" >&2; exit 1; }
. "$(dirname "$0")/../tests/require.sh"
. "$(dirname "$0")/dciodvfy.sh"
require dciodvfy dcmdump
require_python numpy pydicom
opts="--mode lossless --epochs 50 --threads 2"

# tag FILE TAG: the values of TAG (gggg,eeee) wherever it is in FILE, one a line
tag() { dcmdump -q +P "$2" "$1" | sed -n 's/^ *([0-9a-f,]*) [A-Z][A-Z] \[\(.*\)\].*/\1/p'; }
# compare OBJECT ORIGINALS: "PSNR MAX_ERROR" as dcme2ed --compare measures every voxel
compare() {
  "$dec" --compare "$2" "$1" "$work/compared.dcm" 2>"$work/compare.log" ||
    { cat "$work/compare.log" >&2; fail "dcme2ed --compare $1"; }
  sed -n 's/^W: compared with [0-9]* original frames: PSNR \([0-9.inf]*\) dB.*max error \([0-9]*\).*/\1 \2/p' \
    "$work/compare.log"
}

# lossless
"$enc" $opts "$series" "$work/l.dcm" || fail "dcme2ec --mode lossless"
[ "$(tag "$work/l.dcm" 0028,2110)" = 00 ] || fail "the lossless object does not say Lossy Image Compression 00"
[ -z "$(tag "$work/l.dcm" 0028,2112)$(tag "$work/l.dcm" 0028,2114)" ] ||
  fail "the lossless object has a lossy compression ratio or method"
! dcmdump -q "$work/l.dcm" | grep -q -e '113040' -e '(0008,9124)' -e '(0042,0013)' -e '(0008,9154)' ||
  fail "the lossless object has a derivation (113040, Derivation Image or Source Image Evidence)"
only_pixel_data_errors "$work/l.dcm"
set -- $(compare "$work/l.dcm" "$series")
[ "${1:-}" = inf ] && [ "${2:-}" = 0 ] || fail "the lossless object decodes to PSNR ${1:-?} dB, max error ${2:-?}"
"$dec" "$work/l.dcm" "$work/ld.dcm" || fail "dcme2ed"
"$dec" --split "$work/l.dcm" "$work/lsplit" || fail "dcme2ed --split"
for f in "$work/ld.dcm" "$work"/lsplit/*.dcm; do
  no_dciodvfy_errors "$f"
  [ "$(tag "$f" 0028,2110)" = 00 ] || fail "$f (decoded from the lossless object) does not say 00"
done
# every decoded frame is its original file's pixels, matched through Conversion Source
python3 - "$work/ld.dcm" "$series" <<'EOF' || fail "pydicom: the decoded frames differ from the originals"
import glob, os, sys
import numpy as np
import pydicom
obj = pydicom.dcmread(sys.argv[1])
frames = obj.pixel_array
orig = {}
for f in glob.glob(os.path.join(sys.argv[2], "*.dcm")):
    d = pydicom.dcmread(f)
    orig[d.SOPInstanceUID] = d.pixel_array
assert len(obj.PerFrameFunctionalGroupsSequence) == len(orig) == frames.shape[0], "frame count"
for z, item in enumerate(obj.PerFrameFunctionalGroupsSequence):
    uid = item.ConversionSourceAttributesSequence[0].ReferencedSOPInstanceUID
    a, b = frames[z].astype(np.int64), orig[uid].astype(np.int64)
    if not np.array_equal(a, b):
        sys.exit("frame %d: %d voxels differ from %s" % (z, int((a != b).sum()), uid))
print("pydicom: %d frames equal their originals in every voxel" % frames.shape[0])
EOF

# near-lossless
"$enc" $opts --max-error 2 "$series" "$work/n.dcm" || fail "dcme2ec --mode lossless --max-error 2"
[ "$(tag "$work/n.dcm" 0028,2110)" = 01 ] || fail "the near-lossless object does not say 01"
[ "$(tag "$work/n.dcm" 0028,2114)" = E2EC_NEAR_LL_V1 ] || fail "near-lossless method: $(tag "$work/n.dcm" 0028,2114)"
ratio=$(tag "$work/n.dcm" 0028,2112)
awk -v r="$ratio" 'BEGIN { exit !(r + 0 > 1) }' || fail "near-lossless ratio '$ratio'"
frames=$(tag "$work/n.dcm" 0028,0008)
[ "$(dcmdump -q "$work/n.dcm" | grep -c '113040')" -eq "$frames" ] || fail "not one 113040 per frame"
only_pixel_data_errors "$work/n.dcm"
set -- $(compare "$work/n.dcm" "$series")
[ -n "${2:-}" ] && [ "$2" -le 2 ] || fail "near-lossless max error ${2:-?} above 2"

# once lossy, always lossy
"$dec" "$work/n.dcm" "$work/nd.dcm" || fail "dcme2ed on the near-lossless object"
"$enc" $opts "$work/nd.dcm" "$work/re.dcm" || fail "dcme2ec --mode lossless on a lossy source"
[ "$(tag "$work/re.dcm" 0028,2110)" = 01 ] || fail "a lossy source encoded lossless does not stay 01"
[ "$(tag "$work/re.dcm" 0028,2112)" = "$ratio" ] && [ "$(tag "$work/re.dcm" 0028,2114)" = E2EC_NEAR_LL_V1 ] ||
  fail "a lossy source encoded lossless: ratio/method '$(tag "$work/re.dcm" 0028,2112)' '$(tag "$work/re.dcm" 0028,2114)', not the source's alone"
echo "lossless in DICOM OK: 8 slices of $name"
