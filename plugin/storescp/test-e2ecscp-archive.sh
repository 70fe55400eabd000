#!/bin/sh
# test-e2ecscp-archive.sh E2ECSCP DCME2ED SAMPLES WORK - e2ecscp on 127.0.0.1 receives
# the CT sample series from one storescu and the MR sample series from 20 concurrent
# storescu associations (each a share of its instances); once each series is quiet it
# must be archived: one verified e2ec object per series, one frame per instance sent,
# a frame decodes, its PSNR against the sample files (dcme2ed's own decode) at least
# the bar, the originals removed from the spool, no partial file anywhere.
# Then a series that misses the quality bar keeps its originals and logs why, and
# without --remove-originals (and with a --max-error bound, near-lossless) a series'
# originals stay in the spool, archived once, every voxel within the bound.
set -eu
scp=$1 dec=$2 samples=$3 work=$4
. "$(dirname "$0")/e2ecscp-test-lib.sh"
rm -rf "$work" && mkdir -p "$work"
ct=$samples/ct-chest mr=$samples/mr-t1-head-dicom
n_ct=$(ls "$ct"/*.dcm | wc -l) n_mr=$(ls "$mr"/*.dcm | wc -l)
port=$(free_port)
# shellcheck disable=SC2086 # ENC_OPTS is a list of words
scp_start "$work/scp.log" $ENC_OPTS --quiet-seconds 3 --remove-originals \
  --spool "$work/spool" --archive "$work/archive" "$port"

timeout 120 storescu -aec E2ECSCP 127.0.0.1 "$port" "$ct"/*.dcm || fail "storescu (CT)"
# the MR series in 20 shares, sent at once: association k takes instances k, k+20, ...
ls "$mr"/*.dcm >"$work/mr-files"
pids=""
for k in $(seq 1 20); do
  awk -v k="$k" 'NR % 20 == k % 20' "$work/mr-files" >"$work/share$k"
  # shellcheck disable=SC2046 # one argument per file
  timeout 120 storescu -aec E2ECSCP 127.0.0.1 "$port" $(cat "$work/share$k") \
    >"$work/scu$k.log" 2>&1 &
  pids="$pids $!"
done
for p in $pids; do wait "$p" || fail "a storescu of the 20 concurrent associations failed"; done

log=$work/archive/e2ecscp.log
wait_for 'status=ok' "$log" 2 450
cat "$log"
grep -q "instances=$n_ct .*status=ok originals_removed=yes" "$log" || fail "CT series: instances"
grep -q "instances=$n_mr .*status=ok originals_removed=yes" "$log" || fail "MR series: instances"
[ "$(grep -c " min_psnr_db=$PLUMBING_MIN_PSNR .*status=ok" "$log")" -eq 2 ] ||
  fail "not both series encoded to --min-psnr $PLUMBING_MIN_PSNR"
objects=$(find "$work/archive" -name '*.dcm')
[ "$(echo "$objects" | wc -l)" -eq 2 ] || fail "not 2 objects in the archive: $objects"
total=0
for o in $objects; do
  n=$(frames "$o")
  total=$((total + n))
  "$dec" --frame "$n" "$o" "$work/frame.dcm" || fail "the last frame of $o does not decode"
  originals=$mr
  [ "$n" -eq "$n_ct" ] && originals=$ct
  psnr_at_least "$o" "$originals" "$PLUMBING_MIN_PSNR" >/dev/null
done
[ "$total" -eq $((n_ct + n_mr)) ] || fail "$total frames archived for $((n_ct + n_mr)) instances sent"
[ "$(spool_count "$work/spool")" -eq 0 ] || fail "originals left in the spool"
no_partial_files "$work/spool" "$work/archive"

# 8 instances of the MR series for the shorter runs below
few=$(head -n 8 "$work/mr-files")

# a series that misses the quality bar: no object, originals kept, reason logged
kill $scp_pid && wait $scp_pid 2>/dev/null || true
port=$(free_port)
scp_start "$work/scp-bad.log" --mode siren-ds --epochs 2 --scale 4 --width 16 --threads 2 \
  --quiet-seconds 3 --remove-originals --min-psnr 200 --max-trials 1 \
  --spool "$work/bad-spool" --archive "$work/bad-archive" "$port"
# shellcheck disable=SC2086 # one argument per file
timeout 120 storescu -aec E2ECSCP 127.0.0.1 "$port" $few || fail "storescu (bad)"
wait_for 'status=failed' "$work/bad-archive/e2ecscp.log" 1 120
grep -q "instances=8 .*status=failed originals=kept reason=\"PSNR .* below --min-psnr 200 (the nearest of 1 encodes)\"" \
  "$work/bad-archive/e2ecscp.log" || fail "no failure line: $(cat "$work/bad-archive/e2ecscp.log")"
[ "$(spool_count "$work/bad-spool")" -eq 8 ] || fail "originals lost after a failure"
[ -z "$(find "$work/bad-archive" -name '*.dcm')" ] || fail "an unverified object in the archive"
no_partial_files "$work/bad-spool" "$work/bad-archive"
# not tried again while nothing new arrives for it
sleep 3
[ "$(grep -c 'status=failed' "$work/bad-archive/e2ecscp.log")" -eq 1 ] || fail "a failed series was retried"
kill -TERM $scp_pid
wait $scp_pid || fail "e2ecscp did not stop cleanly on SIGTERM"

# originals kept (no --remove-originals): they stay in the spool with the .archived
# mark, and the series is not archived again, not even after a restart; this run
# encodes to a --max-error bound instead of a PSNR bar (near-lossless: the lossless mode
# within the bound), every voxel is within it, and the object says so (01, E2EC_NEAR_LL_V1)
bound=4
port=$(free_port)
set -- --max-error $bound --epochs 50 --threads 2 \
  --quiet-seconds 1 --spool "$work/keep-spool" --archive "$work/keep-archive" "$port"
scp_start "$work/scp-keep.log" "$@"
# shellcheck disable=SC2086
timeout 120 storescu -aec E2ECSCP 127.0.0.1 "$port" $few || fail "storescu (keep)"
wait_for 'status=ok originals_removed=no' "$work/keep-archive/e2ecscp.log" 1 120
grep -q "max_error_bound=$bound " "$work/keep-archive/e2ecscp.log" || fail "not encoded to --max-error $bound"
[ "$(spool_count "$work/keep-spool")" -eq 8 ] || fail "kept originals are not all in the spool"
[ "$(find "$work/keep-spool" -name .archived | wc -l)" -eq 1 ] || fail "no .archived mark"
kept=$(dirname "$(find "$work/keep-spool" -name .archived)")
maxerr=$(compare "$(find "$work/keep-archive" -name '*.dcm')" "$kept" | cut -d ' ' -f 2)
[ -n "$maxerr" ] && [ "$maxerr" -le $bound ] || fail "max error ${maxerr:-?} above the bound $bound"
dcmdump -q +P 0028,2110 +P 0028,2114 "$(find "$work/keep-archive" -name '*.dcm')" >"$work/lossy.txt"
grep -q '(0028,2110) CS \[01\]' "$work/lossy.txt" && grep -q 'E2EC_NEAR_LL_V1' "$work/lossy.txt" ||
  fail "the near-lossless object does not say 01, E2EC_NEAR_LL_V1: $(cat "$work/lossy.txt")"
kill -TERM $scp_pid
wait $scp_pid || fail "e2ecscp did not stop cleanly on SIGTERM"
scp_start "$work/scp-keep2.log" "$@"
sleep 4
[ "$(grep -c 'status=' "$work/keep-archive/e2ecscp.log")" -eq 1 ] || fail "kept originals archived again"
kill -TERM $scp_pid
wait $scp_pid || fail "e2ecscp did not stop cleanly on SIGTERM"
no_partial_files "$work/keep-spool" "$work/keep-archive"
# a bound in a mode without a residual is refused at start, by name
if "$scp" --mode grid --max-error $bound --archive "$work/refused" "$(free_port)" 2>"$work/refused.log"; then
  fail "e2ecscp started with --mode grid --max-error"
fi
grep -q 'the grid mode has none' "$work/refused.log" || fail "no reason for the refusal: $(cat "$work/refused.log")"
echo "e2ecscp archive OK: $((n_ct + n_mr)) instances, 2 series, 20 concurrent associations"
