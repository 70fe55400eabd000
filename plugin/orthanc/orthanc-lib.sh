# orthanc-lib.sh - sourced by the real-Orthanc test scripts: free loopback ports, a
# failure that shows Orthanc's log, and starting Orthanc and waiting until it answers.
# The caller sets $work (its scratch folder) before sourcing.

fail() {
  echo "FAIL: $*" >&2
  [ -f "$work/orthanc.log" ] && grep -v '^I' "$work/orthanc.log" | tail -n 30 >&2
  exit 1
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# orthanc_start ORTHANC CONFIG URL [LOG]: runs Orthanc in the background (pid in $pid,
# killed when the script exits) and waits up to 30 s for its REST API at URL.
orthanc_start() {
  "$1" --verbose "$2" >"${4:-$work/orthanc.log}" 2>&1 &
  pid=$!
  trap 'kill $pid 2>/dev/null || true' EXIT
  _i=0
  until curl -sf "$3/system" >/dev/null; do
    _i=$((_i + 1))
    [ $_i -le 120 ] && kill -0 $pid 2>/dev/null || fail "Orthanc did not start"
    sleep 0.25
  done
}

# compare_vs ORIGINALS OBJECT DECODED: "PSNR MAX_ERROR" (dB, "inf" when equal; stored
# values) of OBJECT decoded by dcme2ed ($dec) into DECODED, against the original files in
# the folder ORIGINALS (dcme2ed --compare, every voxel)
compare_vs() {
  "$dec" --compare "$1" "$2" "$3" 2>"$work/compare.log" || fail "dcme2ed --compare: $(cat "$work/compare.log")"
  sed -n 's/^W: compared with [0-9]* original frames: PSNR \([0-9.inf]*\) dB.*max error \([0-9]*\).*/\1 \2/p' \
    "$work/compare.log"
}
# psnr_vs ORIGINALS OBJECT DECODED: the PSNR alone
psnr_vs() { compare_vs "$@" | cut -d ' ' -f 1; }

# at_least X MIN: whether the number X is at least MIN
at_least() { awk -v x="$1" -v m="$2" 'BEGIN { exit !(x + 0 >= m + 0) }'; }
