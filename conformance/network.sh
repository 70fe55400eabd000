#!/bin/sh
# network.sh DCME2EC SERIES WORK - what DCMTK 3.6.7's network tools do with an e2ec object
# (CONFORMANCE.md section on networking), on 127.0.0.1:
#  1. storescu with its default proposals: it takes the object for Explicit VR Little
#     Endian (DCMTK's guess for an unknown UID) and fails before sending ("unable to
#     convert dataset");
#  2. storescu and storescp both given a profile that names our UID: the association
#     accepts it, then the C-STORE fails ("Unsupported transfer syntax") and storescp
#     stores nothing.
# So e2ec objects never travel under their own syntax: archives receive standard
# syntaxes, compress at rest, and send decoded.
set -eu
enc=$1 series=$2 work=$3
rm -rf "$work" && mkdir -p "$work/in"
fail() { echo "FAIL: $*" >&2; exit 1; }
. "$(dirname "$0")/../tests/require.sh"
require dcmdump storescu storescp python3
cfg=$(dirname "$0")/e2ec-association.cfg
"$enc" --mode siren-ds --epochs 3 --scale 4 --width 8 "$series" "$work/c.dcm" || fail "dcme2ec"
[ "$(dcmdump -q +P 0008,0016 "$work/c.dcm" | grep -c 'LegacyConvertedEnhancedMR')" -eq 1 ] ||
  fail "network.sh expects an MR series (the profile names Legacy Converted Enhanced MR)"
scp=""
trap 'kill $scp 2>/dev/null || true' EXIT
# start_scp ARGS...: storescp on a free port, waited for by a TCP connect (a profile
# without Verification leaves echoscu nothing to probe with)
start_scp() {
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  storescp -v "$@" -od "$work/in" "$port" >>"$work/scp.log" 2>&1 &
  scp=$!
  i=0
  until python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' \
    "$port" 2>/dev/null; do
    i=$((i + 1))
    [ $i -le 40 ] && kill -0 $scp 2>/dev/null || fail "storescp did not start"
    sleep 0.25
  done
}

start_scp +xa
if timeout 30 storescu -R 127.0.0.1 "$port" "$work/c.dcm" >"$work/scu1.log" 2>&1; then
  fail "storescu sent an e2ec object with its default proposals"
fi
grep -q 'unable to convert dataset' "$work/scu1.log" || fail "case 1: $(cat "$work/scu1.log")"
kill $scp && wait $scp 2>/dev/null || true

start_scp -xf "$cfg" E2EC

if timeout 30 storescu -xf "$cfg" E2EC 127.0.0.1 "$port" "$work/c.dcm" >"$work/scu2.log" 2>&1; then
  fail "an e2ec object crossed the network under its own syntax"
fi
grep -q 'Unsupported transfer syntax: 2.25.245201620563341954866258650690490298409' \
  "$work/scu2.log" || fail "case 2: $(cat "$work/scu2.log")"
[ -z "$(ls "$work/in")" ] || fail "storescp stored something"
echo "network OK: DCMTK 3.6.7 cannot carry e2ec's transfer syntax"
