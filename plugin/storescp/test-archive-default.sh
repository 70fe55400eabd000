#!/bin/sh
# test-archive-default.sh HOOK DCME2EC DCME2ED SAMPLES WORK - the hook's default path
# (issues 14, 15): a study holding the CT and the MR sample series, archived with no
# encoder or quality option (only --remove-originals). Each series must be archived
# lossless (the lossless mode, plugin/archive_quality.h): the log names the bound 0 and
# the verification's max error 0, the object decodes to the sample files exactly
# (dcme2ed's own decode, not the hook's, every voxel) and says Lossy Image Compression
# "00", and a series' originals are gone exactly when its object was archived. The
# lossless mode's default fit: registered in builds without sanitizers.
set -eu
hook=$1 enc=$2 dec=$3 samples=$4 work=$5
. "$(dirname "$0")/e2ecscp-test-lib.sh"
fail() { echo "FAIL: $*" >&2; [ -f "$work/archive/e2ec-archive.log" ] && cat "$work/archive/e2ec-archive.log" >&2; exit 1; }
rm -rf "$work" && mkdir -p "$work/study"
ct=$samples/ct-chest mr=$samples/mr-t1-head-dicom
cp "$ct"/*.dcm "$mr"/*.dcm "$work/study/"

status=0
"$hook" --dcme2ec "$enc" --dcme2ed "$dec" --remove-originals "$work/study" "$work/archive" || status=$?
log=$work/archive/e2ec-archive.log
cat "$log"
for modality in CT MR; do
  originals=$ct
  [ $modality = MR ] && originals=$mr
  n=$(ls "$originals"/*.dcm | wc -l)
  line=$(grep " instances=$n " "$log") || fail "$modality: no log line"
  left=0
  for f in "$originals"/*.dcm; do [ -f "$work/study/$(basename "$f")" ] && left=$((left + 1)); done
  case $line in
  *status=ok*)
    [ $left -eq 0 ] || fail "$modality: archived, but $left originals left"
    echo "$line" | grep -q " max_error=0 max_error_bound=0 " || fail "$modality: not archived lossless"
    ! echo "$line" | grep -q " min_psnr_db=" || fail "$modality: a PSNR bar on the lossless default"
    o=$(echo "$line" | sed -n 's/.* object=\(.*\)$/\1/p')
    lossless_object "$o" "$originals"
    echo "$modality: $n instances archived lossless, $(echo "$line" | sed -n 's/.* \(ratio=[0-9.]*\) .*/\1/p')" ;;
  *)
    [ $left -eq $n ] || fail "$modality: not archived, but only $left of $n originals kept"
    fail "$modality: the default path did not archive the sample series" ;;
  esac
done
[ $status -eq 0 ] || fail "the hook exited $status"
[ ! -d "$work/study" ] || fail "the study folder is left after every series was archived"
echo "archive-study default path OK"
