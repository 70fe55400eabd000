# e2ecscp-test-lib.sh - sourced by the e2ecscp tests (and the hook's, for its encoder
# settings and checks): a free loopback port, starting e2ecscp and waiting until it
# answers C-ECHO, waiting for log lines, and the checks every test makes on the spool
# and the archive. The caller sets $scp (the e2ecscp binary), $dec (dcme2ed) and $work
# (its scratch folder) before sourcing.

fail() {
  echo "FAIL: $*" >&2
  for f in "$work"/scp*.log; do [ -f "$f" ] && { echo "--- $f" >&2; grep -v '^I: \(Received\|Sending\) C-STORE' "$f" | tail -n 25 >&2; }; done
  exit 1
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# the DCMTK tools and python3 every e2ecscp test runs (sourced from the test: $0 is its path)
. "$(dirname "$0")/../../tests/require.sh"
require storescu echoscu dcmdump python3

# A short lossy encode (50 grid steps, one encode, no search) with a bar just under what
# it measurably reaches: these tests check the plumbing of the opt-in lossy path; the
# lossless default is tested by *_default (and storescp_archive_study). 50 steps give 26.33 dB on the MR sample and 26.87 dB on the
# CT sample (bench/results/pacs/plumbing.log); flat volumes give 16.3 and 17.6 dB.
PLUMBING_MIN_PSNR=25
ENC_OPTS="--mode grid --epochs 50 --max-trials 1 --threads 2 --min-psnr $PLUMBING_MIN_PSNR"

# scp_start LOG ARGS...: runs e2ecscp in the background ($scp_pid, killed when the script
# exits) and waits up to 60 s (AddressSanitizer builds start slowly) for its C-ECHO.
scp_start() {
  _log=$1
  shift
  "$scp" -v "$@" >>"$_log" 2>&1 &
  scp_pid=$!
  trap 'kill -9 $scp_pid 2>/dev/null || true' EXIT
  _i=0
  until echoscu -aec E2ECSCP 127.0.0.1 "$port" 2>/dev/null; do
    _i=$((_i + 1))
    [ $_i -le 240 ] && kill -0 $scp_pid 2>/dev/null || fail "e2ecscp did not start"
    sleep 0.25
  done
}

# wait_for PATTERN FILE COUNT SECONDS: until FILE has COUNT lines matching PATTERN.
wait_for() {
  _i=0
  while [ "$(cat "$2" 2>/dev/null | grep -c -- "$1")" -lt "$3" ]; do
    _i=$((_i + 1))
    [ $_i -le $(($4 * 4)) ] || fail "no $3 line(s) '$1' in $2 within $4 s"
    kill -0 $scp_pid 2>/dev/null || fail "e2ecscp ended"
    sleep 0.25
  done
}

# spool_count DIR: instances in the spool (names without a dot in front, in series folders)
spool_count() { find "$1" -mindepth 3 -type f ! -name '.*' | wc -l; }

# no_partial_files DIR...: no partial reception, partial object or temporary file left
no_partial_files() {
  _left=$(find "$@" \( -path '*/.incoming/*' -o -name '.*.partial.dcm' -o -name '.tmp-*' \) -print)
  [ -z "$_left" ] || fail "partial files left: $_left"
}

# compare OBJECT ORIGINALS: "PSNR MAX_ERROR" of OBJECT decoded against the original
# files in the folder ORIGINALS (dcme2ed --compare: its own decode, not the archiver's)
compare() {
  "$dec" --compare "$2" "$1" "$work/compared.dcm" 2>"$work/compare.log" ||
    fail "dcme2ed --compare $1 $2: $(cat "$work/compare.log")"
  rm -f "$work/compared.dcm"
  # "W: compared with N original frames: PSNR P dB (...), ... max error E"
  sed -n 's/^W: compared with [0-9]* original frames: PSNR \([0-9.inf]*\) dB.*max error \([0-9]*\).*/\1 \2/p' \
    "$work/compare.log"
}

# at_least X MIN: whether the number X is at least MIN
at_least() { awk -v x="$1" -v m="$2" 'BEGIN { exit !(x == "inf" || x + 0 >= m + 0) }'; }

# psnr_at_least OBJECT ORIGINALS BAR: OBJECT's PSNR against ORIGINALS (compare) is at
# least BAR dB, else the test fails; prints the PSNR
psnr_at_least() {
  _p=$(compare "$1" "$2" | cut -d ' ' -f 1)
  at_least "${_p:-0}" "$3" || fail "$1: PSNR ${_p:-?} dB against $2, below the bar $3 dB"
  echo "$_p"
}

# lossless_object OBJECT ORIGINALS: OBJECT decodes to the original files in the folder
# ORIGINALS exactly (dcme2ed --compare over every voxel: max error 0, PSNR inf) and says
# Lossy Image Compression "00", else the test fails
lossless_object() {
  _m=$(compare "$1" "$2")
  [ "$_m" = "inf 0" ] || fail "$1 does not decode to $2 exactly: PSNR and max error '$_m'"
  dcmdump -q +P 0028,2110 "$1" | grep -q '^(0028,2110) CS \[00\]' ||
    fail "$1 does not say Lossy Image Compression 00"
}

# frames OBJECT: Number of Frames of a DICOM object (dcmdump), checked to be an e2ec object
frames() {
  dcmdump -q +P 0002,0010 +P 0028,0008 "$1" >"$work/dump" 2>&1 || fail "$1 is not DICOM"
  grep -q '2.25.245201620563341954866258650690490298409' "$work/dump" || fail "$1 is not an e2ec object"
  sed -n 's/^(0028,0008) IS \[\([0-9]*\)\].*/\1/p' "$work/dump"
}
