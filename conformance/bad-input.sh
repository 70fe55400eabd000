#!/bin/sh
# bad-input.sh DCME2EC DCME2ED SERIES CT_SERIES WORK - every bad input is refused with a
# message naming the problem, exit code 22, and no output (not even a temporary file).
set -eu
enc=$1 dec=$2 series=$3 ct=$4 work=$5
here=$(dirname "$0")
rm -rf "$work" && mkdir -p "$work/in" "$work/out"
fail() { echo "FAIL: $*" >&2; exit 1; }
. "$(dirname "$0")/../tests/require.sh"
require dcmdump
require_python numpy pydicom
python3 "$here/make_bad_inputs.py" "$series" "$ct" "$work/in"

# refused NAME WORDS CMD...: CMD must fail with exit code $code (22: invalid input),
# say WORDS, and leave $work/out empty
code=22
refused() {
  name=$1 words=$2
  shift 2
  rc=0
  "$@" 2>"$work/$name.log" || rc=$?
  [ "$rc" -eq "$code" ] || fail "$name: exit code $rc, expected $code"
  grep -q "$words" "$work/$name.log" || { cat "$work/$name.log" >&2; fail "$name: no \"$words\" in the message"; }
  [ -z "$(ls -A "$work/out")" ] || fail "$name: output left behind: $(ls "$work/out")"
  printf "refused as expected: %s: %s\n" "$name" "$(grep "^F: " "$work/$name.log" | head -n 1)"
}
# siren-ds: these check refusals and DICOM options, not the (default) e2e mode
E="--mode siren-ds --epochs 5 --scale 4 --width 8"
refused missing-slice "missing slice" "$enc" $E "$work/in/missing-slice" "$work/out/x.dcm"
refused mixed-sizes "mixed sizes" "$enc" $E "$work/in/mixed-sizes" "$work/out/x.dcm"
refused tilted-slice "tilted slice" "$enc" $E "$work/in/tilted-slice" "$work/out/x.dcm"
refused gantry-tilt "tilted slice" "$enc" $E "$work/in/gantry-tilt" "$work/out/x.dcm"
refused uneven-spacing "uneven slice spacing" "$enc" $E "$work/in/uneven-spacing" "$work/out/x.dcm"
refused colour "colour image" "$enc" $E "$work/in/colour" "$work/out/x.dcm"
refused mixed-series "mixes 2 series" "$enc" $E "$work/in/mixed-series" "$work/out/x.dcm"
refused differing-rescale "different Rescale" "$enc" $E "$work/in/differing-rescale" "$work/out/x.dcm"
refused truncated-file "truncated" "$enc" $E "$work/in/truncated-file" "$work/out/x.dcm"
refused not-e2ec "is not e2ec's" "$dec" "$series/$(ls "$series" | grep '\.dcm$' | head -n 1)" "$work/out/x.dcm"

code=83 # valid input without a form in the SOP classes we write
refused monochrome1 "MONOCHROME2 only" "$enc" $E "$work/in/monochrome1" "$work/out/x.dcm"
code=1 # a command line the search cannot start from
refused grid-target-lambda "must be in (0, 1]" "$enc" --mode grid --grid-lambda 0 --target-psnr 20 \
  "$series" "$work/out/x.dcm"
code=22

# 8-bit input is widened to the 16 bits the Enhanced IODs allow, nothing lost
"$enc" $E "$work/in/eight-bit" "$work/ok-8bit.dcm" || fail "8-bit input"
dcmdump +P 0028,0100 "$work/ok-8bit.dcm" | grep -q 'US 16' || fail "8-bit input: Bits Allocated"

# the options that accept two of them
"$enc" $E --accept-uneven "$work/in/uneven-spacing" "$work/ok-uneven.dcm" || fail "--accept-uneven"
refused rescale-no-room "do not fit Bits Stored" "$enc" $E --rescale-convert "$work/in/differing-rescale" "$work/out/x.dcm"
"$enc" $E --rescale-convert "$work/in/ct-differing-rescale" "$work/ok-rescale.dcm" || fail "--rescale-convert"
dcmdump +P 0028,1052 "$work/ok-rescale.dcm" | grep -q '\[-1024\]' || fail "--rescale-convert: intercept"
uid=$(dcmdump +P 0020,000e "$series/$(ls "$series" | grep '\.dcm$' | tail -n 1)" | sed 's/.*\[\(.*\)\].*/\1/')
"$enc" $E --series "$uid" "$work/in/mixed-series" "$work/ok-series.dcm" || fail "--series"

# corrupt and truncated encapsulated streams given to dcme2ed
good=$work/ok-series.dcm
size=$(wc -c <"$good")
cp "$good" "$work/corrupt.dcm"
printf '\377\377\377\377' | dd of="$work/corrupt.dcm" bs=1 seek=$((size - 600)) conv=notrunc 2>/dev/null
refused corrupt-stream "corrupt\|CRC\|unusable\|decoding failed" "$dec" "$work/corrupt.dcm" "$work/out/x.dcm"
head -c $((size - 600)) "$good" >"$work/cut.dcm"
refused truncated-stream "truncated\|cannot read" "$dec" "$work/cut.dcm" "$work/out/x.dcm"
refused truncated-stream-split "truncated\|cannot read" "$dec" --split "$work/cut.dcm" "$work/out/d"
echo "bad input OK"
