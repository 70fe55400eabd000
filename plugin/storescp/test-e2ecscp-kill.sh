#!/bin/sh
# test-e2ecscp-kill.sh E2ECSCP DCME2ED SAMPLES WORK - kill -9 of e2ecscp loses nothing:
#  1. killed while storescu sends the MR sample series: every instance whose C-STORE
#     storescu saw acknowledged is in the spool, complete;
#  2. restarted (the partial reception is removed), the series sent again, killed one
#     second into archiving it: every instance is still in the spool;
#  3. restarted: the series is picked up from the spool and archived; killed as soon as
#     the object has its final name: the object holds one frame per instance;
#  4. restarted: a removal of originals the kill interrupted is finished (the spool's
#     .archived mark), the spool is empty and no partial file is left anywhere.
set -eu
scp=$1 dec=$2 samples=$3 work=$4
. "$(dirname "$0")/e2ecscp-test-lib.sh"
rm -rf "$work" && mkdir -p "$work"
mr=$samples/mr-t1-head-dicom
n_mr=$(ls "$mr"/*.dcm | wc -l)
port=$(free_port)
spool=$work/spool archive=$work/archive
# shellcheck disable=SC2086 # ENC_OPTS is a list of words
set -- $ENC_OPTS --quiet-seconds 2 --remove-originals --spool "$spool" --archive "$archive" "$port"

# 1. kill -9 during reception
scp_start "$work/scp1.log" "$@"
storescu -v -aec E2ECSCP 127.0.0.1 "$port" "$mr"/*.dcm >"$work/scu1.log" 2>&1 &
scu=$!
i=0
until [ "$(grep -c 'Received Store Response (Success)' "$work/scu1.log")" -ge 5 ]; do
  i=$((i + 1))
  [ $i -le 1200 ] || fail "storescu stored nothing within 60 s"
  sleep 0.05
done
kill -9 $scp_pid
wait $scu 2>/dev/null || true
acked=$(grep -c 'Received Store Response (Success)' "$work/scu1.log")
# storescu sends the files in the order given: the first $acked were acknowledged
for f in $(ls "$mr"/*.dcm | head -n "$acked"); do
  uid=$(dcmdump -q +P 0008,0018 "$f" | sed -n 's/^(0008,0018) UI \[\([0-9.]*\)\].*/\1/p')
  s=$(find "$spool" -name "$uid.dcm")
  [ -n "$s" ] || fail "instance $uid was acknowledged but is not in the spool"
  # Pixel Data, the last element, read whole
  dcmdump -q +P 7fe0,0010 "$s" 2>/dev/null | grep -q '^(7fe0,0010)' || fail "spooled $s is not complete"
done
echo "killed during reception: $acked of $n_mr instances acknowledged, all in the spool"

# 2. restart, send the whole series again, kill -9 one second into its archiving
scp_start "$work/scp2.log" "$@"
no_partial_files "$spool"
timeout 120 storescu -aec E2ECSCP 127.0.0.1 "$port" "$mr"/*.dcm || fail "storescu (resend)"
wait_for "encoding $n_mr instances" "$work/scp2.log" 1 60
sleep 1
kill -9 $scp_pid
wait $scp_pid 2>/dev/null || true
if [ -z "$(find "$archive" -name '[!.]*.dcm')" ]; then
  [ "$(spool_count "$spool")" -eq "$n_mr" ] || fail "instances lost after kill -9 while archiving"
fi

# 3. restart, kill -9 as soon as the object has its final name (while the originals are
#    deleted, or just after): the object holds every instance
scp_start "$work/scp3.log" "$@"
i=0
until [ -n "$(find "$archive" -name '[!.]*.dcm')" ]; do
  i=$((i + 1))
  [ $i -le 12000 ] || fail "no object within 240 s of the restart"
  sleep 0.02
done
kill -9 $scp_pid
wait $scp_pid 2>/dev/null || true
objects=$(find "$archive" -name '[!.]*.dcm')
[ "$(echo "$objects" | wc -l)" -eq 1 ] || fail "not one object in the archive: $objects"
[ "$(frames "$objects")" -eq "$n_mr" ] || fail "the object does not hold $n_mr frames"

# 4. restart: an interrupted removal is finished, nothing partial is left
scp_start "$work/scp4.log" "$@"
i=0
while [ "$(spool_count "$spool")" -gt 0 ] || [ -n "$(find "$spool" -name .archived)" ]; do
  i=$((i + 1))
  [ $i -le 240 ] || fail "originals or the .archived mark still in the spool 60 s after the restart"
  sleep 0.25
done
grep -h 'status=\|finishing the removal' "$archive/e2ecscp.log" "$work/scp4.log" || true
[ "$(find "$archive" -name '[!.]*.dcm' | wc -l)" -eq 1 ] || fail "not one object in the archive"
"$dec" --frame 1 "$objects" "$work/frame.dcm" || fail "the object does not decode"
kill -TERM $scp_pid
wait $scp_pid || fail "e2ecscp did not stop cleanly on SIGTERM"
no_partial_files "$spool" "$archive"
echo "e2ecscp kill -9 OK: nothing lost, the series archived after the restarts"
