# Shared by the tool tests (sourced): arguments, a scratch directory, checks.
# Usage of a test: sh test_X.sh PATH/TO/e2ec SAMPLE.nii.gz WORKDIR
set -u
E2EC=$1
SAMPLE=$2
WORK=$3
. "$(dirname "$0")/../require.sh"
. "$(dirname "$0")/../checks.sh"

# no_temp_files: no atomic-write leftovers (.tmp-*) anywhere under here.
no_temp_files() {
    left=$(find . -name '.tmp-*')
    if [ -z "$left" ]; then ok; else fail "temporary files left behind: $left"; fi
}

# figure KEY FILE: the value of a "key: value" line.
figure() { sed -n "s/^$1: //p" "$2"; }

# A small real volume: a 24x24x12 box inside the sample MR head, as .raw.
# Fails when this build cannot read NIfTI: these tests check the tool as shipped,
# with ITK (a build configured with -DE2EC_ITK=OFF cannot pass them).
CROP_DIMS=24,24,12
CROP_ARGS="--dims $CROP_DIMS --type i16"
make_crop() {
    "$E2EC" convert "$SAMPLE" crop.raw --crop 52,52,25,24,24,12 2>err.txt
    rc=$?
    if [ $rc -eq 83 ]; then
        echo "FAIL: this e2ec was built without ITK and cannot read $SAMPLE" \
            "(install libinsighttoolkit5-dev and configure with E2EC_ITK=ON, the default)"
        exit 1
    fi
    if [ $rc -ne 0 ]; then cat err.txt; echo "cannot make the test volume"; exit 1; fi
}
