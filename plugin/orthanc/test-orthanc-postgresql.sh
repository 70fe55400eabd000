#!/bin/sh
# test-orthanc-postgresql.sh ORTHANC PLUGIN DCME2EC DCME2ED SAMPLES WORK - two Orthanc
# nodes with e2ec's plugin on one PostgreSQL index (Debian's orthanc-postgresql) and one
# shared storage folder, as docs/pacs.md describes for scaling: an e2ec object uploaded
# on node A is listed by node B, and both serve its frame decoded through the plugin,
# equal to dcme2ed's frame. PostgreSQL is a private cluster in a temporary folder,
# reached on 127.0.0.1 (run as the postgres user when the test runs as root). Fails
# when PostgreSQL or the index plugin is missing or the cluster cannot start.
set -eu
orthanc=$1 plugin=$2 enc=$3 dec=$4 samples=$5 work=$6
rm -rf "$work" && mkdir -p "$work/storage"
. "$(dirname "$0")/orthanc-lib.sh"
. "$(dirname "$0")/../../tests/require.sh"
require "$orthanc" curl
require_python numpy pydicom

pg_index=/usr/share/orthanc/plugins/libOrthancPostgreSQLIndex.so
require_file "$pg_index" "the Debian package orthanc-postgresql"
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
require_file "${pg_bin:-/usr/lib/postgresql/*/bin}/initdb" "the Debian package postgresql"
# PostgreSQL refuses to run as root: the cluster belongs to the postgres user, in a
# folder of its own that it can reach (/tmp, not the build tree)
as_pg=""
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || fail "running as root and there is no postgres user (the postgresql package makes it)"
  require runuser
  as_pg="runuser -u postgres --"
fi
pg=$(mktemp -d /tmp/e2ec-pg.XXXXXX)
[ -z "$as_pg" ] || chown postgres "$pg"
pg_port=$(free_port)
pg_ctl() { (cd "$pg" && $as_pg "$pg_bin/pg_ctl" -D "$pg/data" "$@"); }
pg_stop() { pg_ctl -m immediate stop >/dev/null 2>&1 || true; rm -rf "$pg"; }
(cd "$pg" && $as_pg "$pg_bin/initdb" -D "$pg/data" -A trust -U orthanc --no-sync) \
  >"$work/initdb.log" 2>&1 || { pg_stop; fail "initdb failed: $(tail -n 3 "$work/initdb.log")"; }
if ! pg_ctl -l "$pg/server.log" -w -t 60 \
  -o "-p $pg_port -k $pg -c listen_addresses=127.0.0.1 -F" start >/dev/null 2>&1; then
  cp "$pg/server.log" "$work/pg-server.log" 2>/dev/null || true
  pg_stop
  fail "PostgreSQL did not start: $(tail -n 3 "$work/pg-server.log" 2>/dev/null)"
fi
# The rest runs in a child shell (orthanc_start sets its own EXIT trap there), so that
# the cluster is stopped and removed whatever way the child ends.
(
# few epochs: this checks serving from two nodes, not quality
"$enc" --mode siren-ds --epochs 20 --scale 4 --width 16 --threads 2 \
  "$samples/mr-t1-head-dicom" "$work/c.dcm" || fail "dcme2ec"
"$dec" --frame 3 "$work/c.dcm" "$work/frame3.dcm" || fail "dcme2ed --frame"
"$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U orthanc orthanc || fail "createdb"

# node NAME: its configuration; the index and the storage folder are shared
node() {
  cat >"$work/$1.json" <<JSON
{
  "Name": "e2ec-$1",
  "StorageDirectory": "$work/storage",
  "IndexDirectory": "$work/index-$1",
  "HttpPort": $2,
  "DicomServerEnabled": false,
  "RemoteAccessAllowed": false,
  "AuthenticationEnabled": false,
  "Plugins": ["$pg_index", "$plugin"],
  "PostgreSQL": {
    "EnableIndex": true,
    "EnableStorage": false,
    "Host": "127.0.0.1",
    "Port": $pg_port,
    "Database": "orthanc",
    "Username": "orthanc",
    "Password": "",
    "Lock": false
  }
}
JSON
}
http_a=$(free_port) http_b=$(free_port)
url_a=http://127.0.0.1:$http_a url_b=http://127.0.0.1:$http_b
node a "$http_a"
node b "$http_b"
# orthanc_start's EXIT trap names only the last node started: one trap for both
orthanc_start "$orthanc" "$work/a.json" "$url_a" "$work/orthanc.log"
pid_a=$pid
orthanc_start "$orthanc" "$work/b.json" "$url_b" "$work/orthanc-b.log"
trap 'kill $pid_a $pid 2>/dev/null || true' EXIT
for u in "$url_a" "$url_b"; do
  curl -sf "$u/plugins/e2ec" >/dev/null || fail "the e2ec plugin is not loaded at $u"
  curl -sf "$u/plugins/postgresql-index" >/dev/null || fail "the PostgreSQL index is not loaded at $u"
done

id=$(curl -sf -X POST --data-binary @"$work/c.dcm" "$url_a/instances" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["ID"])') || fail "upload to node A"
curl -sf "$url_b/instances" | grep -q "$id" || fail "node B does not list the instance stored by node A"
for n in a b; do
  eval u=\$url_$n
  curl -sf "$u/instances/$id/frames/2/matlab" -o "$work/frame3-$n.m" || fail "node $n: /matlab"
  curl -sf "$u/instances/$id/frames/2/rendered" -o "$work/rendered-$n.png" || fail "node $n: /rendered"
done
python3 - "$work" <<'PY' || fail "pixel checks"
import re, sys
import numpy as np, pydicom
w = sys.argv[1]
ref = pydicom.dcmread(w + "/frame3.dcm").pixel_array.astype(np.int64)
for node in "ab":
    text = open(f"{w}/frame3-{node}.m").read()
    rows = [r.split() for r in re.sub(r"^double\(\[|\]\)\s*;?\s*$", "", text.strip()).split(";")]
    mat = np.array([[int(v) for v in r] for r in rows if r], dtype=np.int64)
    assert np.array_equal(mat, ref), f"node {node}: the frame differs from dcme2ed's"
    assert open(f"{w}/rendered-{node}.png", "rb").read(8) == b"\x89PNG\r\n\x1a\n", node
print("both nodes serve frame 3 equal to dcme2ed's:", ref.shape)
PY
kill $pid_a $pid
wait $pid_a $pid 2>/dev/null || true # stopped before their index goes
echo "orthanc postgresql OK: two nodes on one index both decode through the plugin"
) &
rc=0
wait $! || rc=$?
pg_stop
exit $rc
