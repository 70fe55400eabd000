# shellcheck shell=sh disable=SC2034 # sourced: the tools are used by the tests
# Shared by the hardening tests (sourced): the tools, a scratch directory, checks.
# Usage of a test: sh test_X.sh E2EC DCME2EC DCME2ED SAMPLE_DIR WORKDIR
set -u
E2EC=$1
DCME2EC=$2
DCME2ED=$3
SAMPLES=$4
WORK=$5
. "$(dirname "$0")/../checks.sh"

# absent PATH DESCRIPTION: nothing at PATH.
absent() { if [ -e "$1" ]; then fail "$2: $1 exists"; else ok; fi; }

# A 24x24x12 u8 volume as .raw (a smooth ramp; its content does not matter here).
RAW_ARGS="--dims 24,24,12 --type u8"
make_raw() {
    LC_ALL=C awk 'BEGIN { for (i = 0; i < 24 * 24 * 12; i++) printf "%c", 32 + (i * 7) % 180 }' \
        </dev/null >"$1"
    [ "$(wc -c <"$1")" -eq 6912 ] || { echo "cannot make $1"; exit 1; }
}

