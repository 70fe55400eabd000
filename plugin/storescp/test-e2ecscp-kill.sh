#!/bin/sh
# test-e2ecscp-kill.sh E2ECSCP DCME2ED SAMPLES WORK - e2ecscp killed while it stores or
# archives loses nothing. Each kill is shown to land in the step it tests, without
# relying on timing: where a step is short (the write of one file), the kill is made
# certain by a file size limit (RLIMIT_FSIZE, set by prlimit) below the file's size:
# the write that would pass it raises SIGXFSZ, whose default action ends the process at
# once, as kill -9 does (no handler runs), and the partial file it leaves holds exactly
# the limit's bytes.
#  1. killed while it receives an instance: storescu sends 5 MR instances, then a CT one
#     (larger than the limit, which the MR ones are not), then the rest of the MR series;
#     e2ecscp dies writing the CT instance into .incoming. The 5 MR instances storescu
#     saw acknowledged are in the spool, complete; the partial reception is removed on
#     the restart;
#  2. restarted, the series sent again, killed (kill -9) while it encodes the series: it
#     is stopped (SIGSTOP) once it logs the encode, of 10^7 epochs (it lasts until the
#     kill), and seen without an object or a partial one. Every instance is in the spool;
#  3. restarted with a file size limit of 4 KiB (the object is tens of KiB): it encodes
#     the series and dies writing the object's temporary. Nothing has the object's final
#     name, the spool holds every instance and no .archived mark;
#  4. restarted (the temporary is removed): the series is archived; killed (kill -9) as
#     soon as the object has its final name, stopped first to see whether the removal of
#     the originals was under way: the object holds one frame per instance;
#  5. restarted: a removal of originals the kill interrupted is finished (the spool's
#     .archived mark), the spool is empty and no partial file is left anywhere.
# shellcheck disable=SC2086 # ENC_OPTS is a list of words
set -eu
scp=$1 dec=$2 samples=$3 work=$4
. "$(dirname "$0")/e2ecscp-test-lib.sh"
command -v prlimit >/dev/null || fail "required: prlimit (the Debian package util-linux)"
rm -rf "$work" && mkdir -p "$work"
real_scp=$scp
mr=$samples/mr-t1-head-dicom
n_mr=$(ls "$mr"/*.dcm | wc -l)
port=$(free_port)
spool=$work/spool archive=$work/archive
set -- --quiet-seconds 2 --remove-originals --spool "$spool" --archive "$archive" "$port"

# limited BYTES: prints a wrapper that runs e2ecscp with a file size limit of BYTES
# (prlimit execs it: $scp_pid is e2ecscp's own pid)
limited() {
  printf '#!/bin/sh\nexec prlimit --fsize=%s --core=0 -- "%s" "$@"\n' "$1" "$real_scp" >"$work/e2ecscp-fsize-$1"
  chmod +x "$work/e2ecscp-fsize-$1"
  echo "$work/e2ecscp-fsize-$1"
}

# died_of_fsize WHAT SECONDS: e2ecscp ends within SECONDS, killed by SIGXFSZ while it
# writes WHAT (killed with kill -9 and failed if it does not end)
died_of_fsize() {
  _i=0
  # a child that has ended stays a zombie (state Z) until waited for
  while kill -0 $scp_pid 2>/dev/null && [ "$(sed 's/.*) //' /proc/$scp_pid/stat 2>/dev/null | cut -c1)" != Z ]; do
    _i=$((_i + 1))
    [ $_i -le $(($2 * 10)) ] || { kill -9 $scp_pid; break; }
    sleep 0.1
  done
  _status=0
  wait $scp_pid 2>/dev/null || _status=$?
  [ $_status -gt 128 ] && [ "$(kill -l $_status)" = XFSZ ] ||
    fail "e2ecscp was not killed by its file size limit while writing $1 (exit status $_status)"
}

# one_file_of SIZE DIR WHAT: DIR holds one file (hidden or not), of SIZE bytes: what a
# writer killed by the limit had written
one_file_of() {
  _f=$(find "$2" -type f -name "${4:-*}")
  [ -n "$_f" ] && [ "$(echo "$_f" | wc -l)" -eq 1 ] || fail "not one $3 in $2: ${_f:-none}"
  [ "$(wc -c <"$_f")" -eq "$1" ] || fail "the $3 $_f holds $(wc -c <"$_f") bytes, not the $1 written before the kill"
}

# spool_whole N: the spool holds N instances, each read whole (Pixel Data, the last
# element): the originals are intact
spool_whole() {
  [ "$(spool_count "$spool")" -eq "$1" ] || fail "$(spool_count "$spool") instances in the spool, not $1"
  _bad=$(find "$spool" -mindepth 3 -type f ! -name '.*' -exec sh -c \
    'dcmdump -q +P 7fe0,0010 "$1" 2>/dev/null | grep -q "^(7fe0,0010)" || echo "$1"' sh {} \;)
  [ -z "$_bad" ] || fail "spooled instances not complete: $_bad"
}

# 1. killed while receiving: the limit lies between the largest MR instance and the CT one
ct=$(ls "$samples"/ct-chest/*.dcm | head -n 1)
mr_max=$(for f in "$mr"/*.dcm; do wc -c <"$f"; done | sort -n | tail -n 1)
ct_size=$(wc -c <"$ct")
[ "$mr_max" -lt "$ct_size" ] || fail "the CT instance ($ct_size bytes) is not larger than the MR ones ($mr_max)"
limit=$(((mr_max + ct_size) / 2))
scp=$(limited $limit)
scp_start "$work/scp1.log" $ENC_OPTS "$@"
# shellcheck disable=SC2046 # a list of file names without spaces
timeout 120 storescu -v -aec E2ECSCP 127.0.0.1 "$port" $(ls "$mr"/*.dcm | head -n 5) "$ct" \
  $(ls "$mr"/*.dcm | tail -n +6) >"$work/scu1.log" 2>&1 || true
died_of_fsize "the CT instance into the spool" 60
acked=$(grep -c 'Received Store Response (Success)' "$work/scu1.log" || true)
[ "$acked" -eq 5 ] || fail "$acked instances acknowledged before the CT one, not the 5 sent before it"
# storescu sends the files in the order given: the first $acked were acknowledged
for f in $(ls "$mr"/*.dcm | head -n "$acked"); do
  uid=$(dcmdump -q +P 0008,0018 "$f" | sed -n 's/^(0008,0018) UI \[\([0-9.]*\)\].*/\1/p')
  s=$(find "$spool" -name "$uid.dcm")
  [ -n "$s" ] || fail "instance $uid was acknowledged but is not in the spool"
done
spool_whole 5
one_file_of $limit "$spool/.incoming" "partial reception"
echo "killed receiving the CT instance, at $limit of $ct_size bytes: the $acked MR instances acknowledged before it are in the spool"

# 2. restart, send the whole series again, kill -9 while it is encoded
scp=$real_scp
scp_start "$work/scp2.log" --mode siren-ds --scale 4 --width 16 --epochs 10000000 --threads 2 "$@"
no_partial_files "$spool"
timeout 120 storescu -aec E2ECSCP 127.0.0.1 "$port" "$mr"/*.dcm || fail "storescu (resend)"
wait_for "encoding $n_mr instances" "$work/scp2.log" 1 60
kill -STOP $scp_pid
[ -z "$(find "$archive" -name '*.dcm' -o -name '.tmp-*')" ] ||
  fail "stopped after the encode began, an object or its temporary exists: $(find "$archive")"
kill -9 $scp_pid
wait $scp_pid 2>/dev/null || true
spool_whole "$n_mr"
echo "killed while encoding the series: the $n_mr instances are in the spool"

# 3. restart with a 4 KiB file size limit: killed while writing the object. Its log goes
#    through a pipe, which the limit does not count (the object is the only file that
#    grows until then: no instance arrives, the archive log is written after it). One
#    epoch: what the object holds does not matter here, only where its write is killed.
mkfifo "$work/scp3.pipe"
cat "$work/scp3.pipe" >"$work/scp3.log" &
scp=$(limited 4096)
scp_start "$work/scp3.pipe" $ENC_OPTS --epochs 1 "$@"
died_of_fsize "the object" 240
one_file_of 4096 "$archive" "temporary object" '.tmp-*'
[ -z "$(find "$archive" -name '[!.]*.dcm')" ] || fail "an object has its final name after the kill in its write"
spool_whole "$n_mr"
[ -z "$(find "$spool" -name .archived)" ] || fail "an .archived mark before the object was written"
echo "killed writing the object, at 4096 bytes: no object under its final name, the $n_mr instances in the spool"

# 4. restart (the temporary is removed before it listens), kill -9 as soon as the object
#    has its final name: the object holds every instance
scp=$real_scp
scp_start "$work/scp4.log" $ENC_OPTS "$@"
[ -z "$(find "$archive" -name '.tmp-*')" ] || fail "the killed writer's temporary is still in the archive"
i=0
until [ -n "$(find "$archive" -name '[!.]*.dcm')" ]; do
  i=$((i + 1))
  [ $i -le 12000 ] || fail "no object within 240 s of the restart"
  sleep 0.02
done
kill -STOP $scp_pid
removing=$(find "$spool" -name .archived)
kill -9 $scp_pid
wait $scp_pid 2>/dev/null || true
objects=$(find "$archive" -name '[!.]*.dcm')
[ "$(echo "$objects" | wc -l)" -eq 1 ] || fail "not one object in the archive: $objects"
[ "$(frames "$objects")" -eq "$n_mr" ] || fail "the object does not hold $n_mr frames"
echo "killed once the object had its final name, $([ -n "$removing" ] && echo "while" || echo "after") the originals were removed"

# 5. restart: an interrupted removal is finished, nothing partial is left
scp_start "$work/scp5.log" $ENC_OPTS "$@"
i=0
while [ "$(spool_count "$spool")" -gt 0 ] || [ -n "$(find "$spool" -name .archived)" ]; do
  i=$((i + 1))
  [ $i -le 240 ] || fail "originals or the .archived mark still in the spool 60 s after the restart"
  sleep 0.25
done
[ -z "$removing" ] || grep -q 'finishing the removal' "$work/scp5.log" ||
  fail "the removal the kill interrupted was not finished by the restart"
grep -h 'status=\|finishing the removal' "$archive/e2ecscp.log" "$work/scp5.log" 2>/dev/null || true
[ "$(find "$archive" -name '[!.]*.dcm' | wc -l)" -eq 1 ] || fail "not one object in the archive"
"$dec" --frame 1 "$objects" "$work/frame.dcm" || fail "the object does not decode"
kill -TERM $scp_pid
wait $scp_pid || fail "e2ecscp did not stop cleanly on SIGTERM"
no_partial_files "$spool" "$archive"
echo "e2ecscp kill OK: nothing lost, the series archived after the restarts"
