#!/bin/sh
# test-archive-study.sh HOOK DCME2EC DCME2ED SAMPLES WORK - DCMTK's real storescp on
# 127.0.0.1 runs e2ec-archive-study at the end of each study; storescu sends the CT and
# the MR sample series (two studies). The archive must then hold one verified object per
# series, with every instance accounted for, its PSNR against the sample files at least
# the bar, and the originals removed. Then a series whose object misses the quality bar
# keeps its originals and logs why, so does one whose lossless object is found one
# stored value off, the lossless default archives a series exactly, and a hook killed
# (kill -9) at several points of its work loses nothing and succeeds when run again.
# (The default path on both whole sample series: storescp_archive_default.)
set -eu
hook=$1 enc=$2 dec=$3 samples=$4 work=$5
rm -rf "$work" && mkdir -p "$work/in" "$work/archive"
# the plumbing settings and checks the e2ecscp tests use (ENC_OPTS, compare, frames)
. "$(dirname "$0")/e2ecscp-test-lib.sh"
fail() { echo "FAIL: $*" >&2; [ -f "$work/scp.log" ] && tail -n 20 "$work/scp.log" >&2; exit 1; }
. "$(dirname "$0")/../../tests/require.sh"
require storescp storescu echoscu dcmdump python3
ct=$samples/ct-chest mr=$samples/mr-t1-head-dicom
n_ct=$(ls "$ct"/*.dcm | wc -l) n_mr=$(ls "$mr"/*.dcm | wc -l)

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
opts="--dcme2ec $enc --dcme2ed $dec $ENC_OPTS"
storescp -aet E2ECSCP -od "$work/in" --sort-on-study-uid st --eostudy-timeout 2 \
  --exec-on-eostudy "$hook $opts --remove-originals #p $work/archive" "$port" \
  >"$work/scp.log" 2>&1 &
scp=$!
trap 'kill $scp 2>/dev/null || true' EXIT
i=0
until echoscu -aec E2ECSCP 127.0.0.1 "$port" 2>/dev/null; do
  i=$((i + 1))
  [ $i -le 40 ] && kill -0 $scp 2>/dev/null || fail "storescp did not start"
  sleep 0.25
done
# two associations, one per study: the second study ends the first, the timeout the second
timeout 60 storescu -aec E2ECSCP 127.0.0.1 "$port" "$ct"/*.dcm || fail "storescu (CT)"
timeout 60 storescu -aec E2ECSCP 127.0.0.1 "$port" "$mr"/*.dcm || fail "storescu (MR)"

log=$work/archive/e2ec-archive.log
i=0
while [ "$(cat "$log" 2>/dev/null | wc -l)" -lt 2 ] || [ -n "$(ls "$work/in")" ]; do
  i=$((i + 1))
  [ $i -le 900 ] || fail "the hook did not archive both series within 450 s"
  sleep 0.5
done
kill $scp && wait $scp 2>/dev/null || true
cat "$log"

grep -c 'status=ok' "$log" | grep -qx 2 || fail "not two series archived: $(cat "$log")"
grep -q "instances=$n_ct .*status=ok originals_removed=yes" "$log" || fail "CT series: instances"
grep -q "instances=$n_mr .*status=ok originals_removed=yes" "$log" || fail "MR series: instances"
objects=$(find "$work/archive" -name '*.dcm' | wc -l)
[ "$objects" -eq 2 ] || fail "$objects objects in the archive, expected 2"
[ -z "$(find "$work/archive" -name '.*')" ] || fail "temporary files left in the archive"
[ "$(grep -c " min_psnr_db=$PLUMBING_MIN_PSNR .*status=ok" "$log")" -eq 2 ] ||
  fail "not both series encoded to --min-psnr $PLUMBING_MIN_PSNR"
total=0
for o in $(find "$work/archive" -name '*.dcm'); do
  "$dec" -v "$o" "$work/check.dcm" 2>"$work/check.log" || fail "$o does not decode"
  n=$(sed -n 's/^I: .*: \([0-9]*\) frames, .*/\1/p' "$work/check.log")
  total=$((total + n))
  originals=$mr
  [ "$n" -eq "$n_ct" ] && originals=$ct
  psnr_at_least "$o" "$originals" "$PLUMBING_MIN_PSNR" >/dev/null
done
[ "$total" -eq $((n_ct + n_mr)) ] || fail "$total frames archived for $((n_ct + n_mr)) instances sent"

# a series that misses the quality bar: object refused, originals kept, reason logged
mkdir -p "$work/bad/study"
cp "$mr"/*.dcm "$work/bad/study/"
if "$hook" $opts --min-psnr 200 "$work/bad/study" "$work/bad/archive" 2>/dev/null; then
  fail "the hook accepted an object below --min-psnr"
fi
grep -q 'status=failed originals=kept reason="PSNR .* below --min-psnr 200 (the nearest of 1 encodes)"' \
  "$work/bad/archive/e2ec-archive.log" || fail "no failure line: $(cat "$work/bad/archive/e2ec-archive.log")"
[ "$(ls "$work/bad/study" | wc -l)" -eq "$n_mr" ] || fail "originals lost after a failure"
[ -z "$(find "$work/bad/archive" -name '*.dcm')" ] || fail "an unverified object was left in the archive"
# the lossless default (no quality option; a short fit, which only costs bytes), on the
# first 8 MR slices (a series of its own; seconds in the Debug+ASan build): a
# verification that finds one stored value off keeps the originals (a dcme2ed that
# reports max error 1 for what decodes exactly), and the real one archives the series
# lossless, its object decoding to the originals exactly and saying "00"
mkdir -p "$work/ll/study" "$work/ll/originals"
for f in $(ls "$mr"/*.dcm | head -n 8); do cp "$f" "$work/ll/study/"; cp "$f" "$work/ll/originals/"; done
cat >"$work/dcme2ed-one-off" <<EOF
#!/bin/sh
"$dec" "\$@" 2>"$work/ll/dec.err"; rc=\$?
sed 's/max error 0\$/max error 1/' "$work/ll/dec.err" >&2
exit \$rc
EOF
chmod +x "$work/dcme2ed-one-off"
ll_opts="--dcme2ec $enc --epochs 50 --threads 2 --remove-originals"
if "$hook" $ll_opts --dcme2ed "$work/dcme2ed-one-off" "$work/ll/study" "$work/ll/archive" 2>/dev/null; then
  fail "the hook accepted a lossless object that is one stored value off"
fi
grep -q 'status=failed originals=kept reason="not lossless: the decoded voxels differ from the originals (max error 1)"' \
  "$work/ll/archive/e2ec-archive.log" || fail "no lossless failure line: $(cat "$work/ll/archive/e2ec-archive.log")"
[ "$(ls "$work/ll/study" | wc -l)" -eq 8 ] || fail "originals lost after a failed lossless check"
[ -z "$(find "$work/ll/archive" -name '*.dcm')" ] || fail "an unverified lossless object was left in the archive"
"$hook" $ll_opts --dcme2ed "$dec" "$work/ll/study" "$work/ll/archive" 2>/dev/null ||
  fail "the lossless default: $(tail -n 1 "$work/ll/archive/e2ec-archive.log")"
line=$(tail -n 1 "$work/ll/archive/e2ec-archive.log")
case $line in
*" max_error=0 max_error_bound=0 "*"status=ok originals_removed=yes"*) ;;
*) fail "the lossless default: $line" ;;
esac
[ ! -d "$work/ll/study" ] || fail "originals left after the lossless object was verified"
lossless_object "$(echo "$line" | sed -n 's/.* object=\(.*\)$/\1/p')" "$work/ll/originals"
# kill -9 of the hook and its children at several points of a run: while indexing,
# once the encoder's object has appeared (verification), and once the final object has
# appeared (removal of originals). After each kill every instance is either still there
# or in a verified object; a run afterwards archives the series and leaves no partial
# file behind.
mkdir -p "$work/kill/study"
cp "$mr"/*.dcm "$work/kill/study/"
kdest=$work/kill/archive
kill_when() { # CONDITION (a shell test, polled every 20 ms, up to 120 s)
  setsid "$hook" $opts --remove-originals "$work/kill/study" "$kdest" 2>/dev/null &
  hook_pid=$!
  i=0
  until eval "$1"; do
    i=$((i + 1))
    kill -0 "$hook_pid" 2>/dev/null && [ $i -le 6000 ] || break
    sleep 0.02
  done
  kill -9 -"$hook_pid" 2>/dev/null || true
  wait "$hook_pid" 2>/dev/null || true
  objects=$(find "$kdest" -name '[!.]*.dcm' 2>/dev/null | wc -l)
  left=$(ls "$work/kill/study" 2>/dev/null | wc -l)
  [ "$objects" -eq 1 ] || [ "$left" -eq "$n_mr" ] || fail "instances lost after kill -9 ($1)"
}
kill_when 'sleep 0.3'
kill_when '[ -n "$(find "$kdest" -name ".*.partial.dcm" 2>/dev/null)" ]'
kill_when '[ -n "$(find "$kdest" -name "[!.]*.dcm" 2>/dev/null)" ]'
if [ -d "$work/kill/study" ]; then
  "$hook" $opts --remove-originals "$work/kill/study" "$kdest" 2>/dev/null ||
    fail "the hook failed when run again after kill -9: $(tail -n 1 "$kdest/e2ec-archive.log")"
fi
[ "$(find "$kdest" -name '[!.]*.dcm' | wc -l)" -eq 1 ] || fail "not one object after the reruns"
[ ! -d "$work/kill/study" ] || fail "originals not removed after the rerun"
[ -z "$(find "$kdest" -name '.*')" ] || fail "partial files left: $(find "$kdest" -name '.*')"
# a bound in a mode without a residual is refused, by name, before anything is touched
status=0
"$hook" --mode grid --max-error 4 "$work/kill" "$work/refused" 2>"$work/refused.log" || status=$?
[ $status -eq 2 ] || fail "the hook took --mode grid --max-error (exit $status)"
grep -q 'the grid mode has none' "$work/refused.log" || fail "no reason for the refusal: $(cat "$work/refused.log")"
echo "archive-study OK: $((n_ct + n_mr)) instances, 2 series; kill -9 lost nothing"
