#!/bin/sh
# test-e2ecscp-default.sh E2ECSCP DCME2ED SAMPLES WORK - e2ecscp's default path (issues
# 14, 15): the MR sample series, received from storescu by an e2ecscp given no encoder or
# quality option (only the spool, the archive, a short quiet time and
# --remove-originals), must be archived lossless (the lossless mode,
# plugin/archive_quality.h): the log names the bound 0 and the verification's max error
# 0, the object decodes to the sample files exactly (dcme2ed's own decode, every voxel)
# and says Lossy Image Compression "00", and the originals left the spool only once it
# was archived. The lossless mode's default fit: registered in builds without sanitizers.
set -eu
scp=$1 dec=$2 samples=$3 work=$4
. "$(dirname "$0")/e2ecscp-test-lib.sh"
rm -rf "$work" && mkdir -p "$work"
mr=$samples/mr-t1-head-dicom
n_mr=$(ls "$mr"/*.dcm | wc -l)
port=$(free_port)
scp_start "$work/scp.log" --quiet-seconds 2 --remove-originals \
  --spool "$work/spool" --archive "$work/archive" "$port"
timeout 120 storescu -aec E2ECSCP 127.0.0.1 "$port" "$mr"/*.dcm || fail "storescu"
log=$work/archive/e2ecscp.log
wait_for 'status=' "$log" 1 600
cat "$log"
line=$(grep "instances=$n_mr " "$log") || fail "no line for the $n_mr instances sent"
case $line in
*status=ok*) ;;
*)
  [ "$(spool_count "$work/spool")" -eq "$n_mr" ] || fail "not archived, and originals lost"
  fail "the default path did not archive the MR sample series" ;;
esac
echo "$line" | grep -q " max_error=0 max_error_bound=0 " || fail "not archived lossless"
! echo "$line" | grep -q " min_psnr_db=" || fail "a PSNR bar on the lossless default"
[ "$(spool_count "$work/spool")" -eq 0 ] || fail "archived, but originals left in the spool"
o=$(echo "$line" | sed -n 's/.* object=\(.*\)$/\1/p')
[ "$(frames "$o")" -eq "$n_mr" ] || fail "the object does not hold $n_mr frames"
lossless_object "$o" "$mr"
kill -TERM $scp_pid
wait $scp_pid || fail "e2ecscp did not stop cleanly on SIGTERM"
no_partial_files "$work/spool" "$work/archive"
echo "e2ecscp default path OK: $n_mr instances archived lossless, $(echo "$line" | sed -n 's/.* \(ratio=[0-9.]*\) .*/\1/p')"
