#!/bin/sh
# test-e2ecscp-load.sh E2ECSCP SAMPLES WORK - 100 storescu associations at once against
# e2ecscp on 127.0.0.1, each sending 3 instances of the MR sample series under new SOP
# Instance UIDs (storescu +II): every storescu must see each of its instances
# acknowledged, and the spool must then hold all 300, complete. --quiet-seconds is
# long: this is about reception, archiving is tested elsewhere. Then copies in JPEG
# lossless, JPEG-LS and RLE must be spooled in the syntax they were sent in.
set -eu
scp=$1 samples=$2 work=$3
. "$(dirname "$0")/e2ecscp-test-lib.sh"
rm -rf "$work" && mkdir -p "$work"
n=100 per=3
files=$(ls "$samples"/mr-t1-head-dicom/*.dcm | head -n $per)
port=$(free_port)
scp_start "$work/scp.log" --quiet-seconds 3600 --spool "$work/spool" --archive "$work/archive" "$port"
pids=""
for k in $(seq 1 $n); do
  # shellcheck disable=SC2086 # one argument per file
  timeout 300 storescu -aec E2ECSCP +II 127.0.0.1 "$port" $files >"$work/scu$k.log" 2>&1 &
  pids="$pids $!"
done
failed=0
for p in $pids; do wait "$p" || failed=$((failed + 1)); done
[ $failed -eq 0 ] || fail "$failed of $n storescu failed: $(cat "$work"/scu*.log | sort | uniq -c | head)"
kill -0 $scp_pid 2>/dev/null || fail "e2ecscp ended under load"
got=$(spool_count "$work/spool")
[ "$got" -eq $((n * per)) ] || fail "$got instances in the spool, $((n * per)) sent"
# each complete: Pixel Data, the last element, read whole (one dcmdump for all files)
whole=$(find "$work/spool" -mindepth 3 -type f ! -name '.*' -print0 |
  xargs -0 dcmdump -q +P 7fe0,0010 2>/dev/null | grep -c '^(7fe0,0010)')
[ "$whole" -eq $((n * per)) ] || fail "$whole of $((n * per)) spooled instances are complete"
no_partial_files "$work/spool"

# compressed syntaxes are accepted as sent: JPEG lossless, JPEG-LS, RLE (DCMTK's encoders)
one=$(echo "$files" | head -n 1)
dcmcjpeg "$one" "$work/jpeg.dcm" && dcmcjpls "$one" "$work/jpls.dcm" && dcmcrle "$one" "$work/rle.dcm" ||
  fail "cannot make the compressed copies"
for c in jpeg:-xs jpls:-xt rle:-xr; do
  propose=${c#*:} c=${c%:*}
  ts=$(dcmdump -q -Un +P 0002,0010 "$work/$c.dcm" | sed -n 's/^(0002,0010) UI \[\([0-9.]*\)\].*/\1/p')
  touch "$work/mark"
  # storescu proposes the file's syntax together with the uncompressed ones
  timeout 60 storescu "$propose" -aec E2ECSCP +II 127.0.0.1 "$port" "$work/$c.dcm" || fail "storescu ($c)"
  got_ts=$(find "$work/spool" -mindepth 3 -type f -newer "$work/mark" ! -name '.*' -print0 |
    xargs -0 dcmdump -q -Un +P 0002,0010 | sed -n 's/^(0002,0010) UI \[\([0-9.]*\)\].*/\1/p' | sort -u)
  [ "$got_ts" = "$ts" ] || fail "$c: sent in $ts, spooled in '$got_ts'"
done
kill -TERM $scp_pid
wait $scp_pid || fail "e2ecscp did not stop cleanly on SIGTERM"
echo "e2ecscp load OK: $n concurrent associations, $((n * per)) instances, all in the spool"
