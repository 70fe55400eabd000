# shellcheck shell=sh disable=SC2034 # sourced: the tools are used by the tests
# Shared by the hardening tests (sourced): the tools, a scratch directory, checks.
# Usage of a test: sh test_X.sh E2EC DCME2EC DCME2ED SAMPLE_DIR WORKDIR
set -u
E2EC=$1
DCME2EC=$2
DCME2ED=$3
SAMPLES=$4
WORK=$5
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" || exit 1
passed=0
failed=0

ok() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }

# expect CODE DESCRIPTION -- COMMAND...: runs the command (stdout in out.txt,
# stderr in err.txt) and checks its exit code.
expect() {
    want=$1 desc=$2
    shift 3
    "$@" >out.txt 2>err.txt
    got=$?
    if [ "$got" -eq "$want" ]; then ok; else
        fail "$desc: exit $got, expected $want: $*"
        sed 's/^/    /' err.txt
    fi
}

# stderr_has TEXT DESCRIPTION: the last command's messages contain TEXT.
stderr_has() {
    if grep -q -- "$1" err.txt; then ok; else
        fail "$2: no '$1' in the messages:"
        sed 's/^/    /' err.txt
    fi
}

# absent PATH DESCRIPTION: nothing at PATH.
absent() { if [ -e "$1" ]; then fail "$2: $1 exists"; else ok; fi; }

# A 24x24x12 u8 volume as .raw (a smooth ramp; its content does not matter here).
RAW_ARGS="--dims 24,24,12 --type u8"
make_raw() {
    LC_ALL=C awk 'BEGIN { for (i = 0; i < 24 * 24 * 12; i++) printf "%c", 32 + (i * 7) % 180 }' \
        </dev/null >"$1"
    [ "$(wc -c <"$1")" -eq 6912 ] || { echo "cannot make $1"; exit 1; }
}

finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}
