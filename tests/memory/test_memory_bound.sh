# The memory bound measured (issue 14): for every mode at two sizes of the MR
# sample, the library's estimate of encoding's and decoding's working memory
# (what --max-memory and max_memory are checked against) must be an upper bound
# of the resident memory the call really adds, measured by memory_peak (see
# there how); and at the larger size no looser than LOOSEST.
# Usage: sh test_memory_bound.sh E2EC MEMORY_PEAK SAMPLE.nii.gz WORKDIR
set -u
E2EC=$1
PEAK=$2
SAMPLE=$3
WORK=$4
. "$(dirname "$0")/../checks.sh"

# At the larger size an encode's or whole decode's estimate is at most 1.48 times
# the measured peak (siren's decode of the whole MR, 2 threads: 6.41 / 4.34 MiB,
# bench/results/memory/memory_bound.log; 4.34 to 4.47 MiB over runs and BLAS
# kernels). One-slice decodes and the smaller size, where the per-thread
# allowances dominate, are shown but not held to it.
LOOSEST=1.6

# The volumes: 32 x 32 x 16 and 64 x 64 x 32 boxes in the middle of the head,
# and the whole 128 x 128 x 62 head, as int16 .raw.
"$E2EC" convert "$SAMPLE" whole.raw -q &&
    "$E2EC" convert "$SAMPLE" small.raw --crop 48,48,23,32,32,16 -q &&
    "$E2EC" convert "$SAMPLE" medium.raw --crop 32,32,15,64,64,32 -q ||
    { echo "FAIL: cannot make the test volumes from $SAMPLE"; exit 1; }

# measure MODE VOLUME NX NY NZ EPOCHS [LOOSEST]: memory_peak's rows, checked.
# A few epochs suffice: every buffer is allocated before the first.
measure() {
    mode=$1
    shift
    "$PEAK" "$1.raw" "$2" "$3" "$4" "$mode" "$5" ${6:-} 2>err.txt
    rc=$?
    if [ $rc -eq 0 ]; then ok; else
        fail "$mode on $1 ($2 x $3 x $4): memory_peak exit $rc"
        sed 's/^/    /' err.txt
    fi
}

echo "mode     volume      call     estimate   measured   ratio  (MiB, 2 threads)"
measure siren medium 64 64 32 2
measure siren whole 128 128 62 2 "$LOOSEST"
measure siren-ds medium 64 64 32 2
measure siren-ds whole 128 128 62 2 "$LOOSEST"
measure grid medium 64 64 32 2
measure grid whole 128 128 62 2 "$LOOSEST"
measure latent medium 64 64 32 2
measure latent whole 128 128 62 2 "$LOOSEST"
# e2e trains slowest: the small box and the middle one (a single attention window)
measure e2e small 32 32 16 1
measure e2e medium 64 64 32 1 "$LOOSEST"
finish
