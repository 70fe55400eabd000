#!/bin/sh
# enhanced.sh DCME2EC DCME2ED SERIES FRAMES WORK - conformance on Enhanced CT/MR input
# (CONFORMANCE.md section 5.2): an Enhanced object made from the first FRAMES slices of a
# sample series (make_enhanced.py), encoded and decoded; dciodvfy reports no error on
# the input, the compressed object (but the three Pixel Data errors of a transfer syntax
# it cannot know) and the decoded outputs; pydicom checks the functional groups
# (check_enhanced.py).
set -eu
enc=$1 dec=$2 series=$3 frames=$4 work=$5
here=$(dirname "$0")
rm -rf "$work" && mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
. "$(dirname "$0")/../tests/require.sh"
. "$(dirname "$0")/dciodvfy.sh"
require dciodvfy dcmdump
require_python numpy pydicom

python3 "$here/make_enhanced.py" "$series" "$frames" "$work/e.dcm" || fail "make_enhanced.py"
# few epochs: conformance, not quality
"$enc" --mode siren-ds --epochs 30 --scale 4 --width 16 "$work/e.dcm" "$work/c.dcm" ||
  fail "dcme2ec on an Enhanced object"
"$dec" "$work/c.dcm" "$work/d.dcm" || fail "dcme2ed"
"$dec" --split "$work/c.dcm" "$work/split" || fail "dcme2ed --split"

vfy() { # FILE IOD: dciodvfy names the IOD and reports no error (the Pixel Data
        # exemption is for our transfer syntax only: the compressed c.dcm)
  if [ "$1" = "$work/c.dcm" ]; then only_pixel_data_errors "$1"; else no_dciodvfy_errors "$1"; fi
  grep -q "^$2\$" "$1.vfy" || { cat "$1.vfy" >&2; fail "dciodvfy did not see $2 in $1"; }
}
iod=$(dciodvfy "$work/e.dcm" 2>&1 | grep -x 'Enhanced[CM][TR]Image') || fail "not an Enhanced CT/MR input"
for f in "$work/e.dcm" "$work/c.dcm" "$work/d.dcm"; do vfy "$f" "$iod"; done
for f in "$work"/split/*.dcm; do vfy "$f" "$(echo "$iod" | sed 's/^Enhanced//')"; done
dcmdump "$work/c.dcm" >/dev/null || fail "dcmdump on the compressed object"
python3 "$here/check_enhanced.py" "$work" || fail "pydicom checks"
echo "conformance OK: $iod from $series"
