# e2ec compress --target-bpp / --target-psnr: the stream written keeps within
# the bpp target, reaches the PSNR target, and says so (in grid mode, with the
# lambda it chose, within 0.5 dB); the two exclude each other. Every target and
# floor sits 1-2 dB under what the code measurably reaches on this crop, and
# above what a flat volume scores on it (computed here).
. "$(dirname "$0")/lib.sh"
make_crop

# at_least FILE FLOOR WHAT: the psnr_db line of FILE is FLOOR dB or more
at_least() {
    echo "$3: psnr $(figure psnr_db "$1") dB, floor $2 dB (flat volume $flat dB)"
    awk -v p="$(figure psnr_db "$1")" -v f="$2" 'BEGIN { exit !(p >= f) }' && ok ||
        fail "$3: psnr $(figure psnr_db "$1") dB under $2"
}
# The PSNR of the best flat volume (every voxel at the mean: MSE = variance),
# peak = max - min as psnr_db: 14.54 dB on this crop.
flat=$(od -An -v -t d2 crop.raw | awk '{ for (i = 1; i <= NF; i++) {
        x = $i; n++; s += x; ss += x * x; if (n == 1 || x < lo) lo = x; if (n == 1 || x > hi) hi = x } }
    END { m = s / n; printf "%.2f", 10 * log((hi - lo) ^ 2 / (ss / n - m * m)) / log(10) }')
# above_flat X WHAT: X dB is more than the flat volume's
above_flat() {
    awk -v x="$1" -v f="$flat" 'BEGIN { exit !(x > f) }' && ok ||
        fail "$2 $1 dB is not above a flat volume's $flat dB"
}

# siren-ds, 300 epochs, measured on this crop (Release, 1 thread): width 8
# 17.75 dB at 0.97 bpp, 16 19.58 dB at 2.86 bpp, 32 20.48 dB at 9.95 bpp.
# bpp 3 from width 40 (15 bpp): landed at width 16, 19.58 dB; floor 18 dB.
expect 0 "target bpp" -- "$E2EC" compress crop.raw t.e2ec $CROP_ARGS --mode siren-ds --epochs 300 \
    --threads 1 --width 40 --target-bpp 3 --max-trials 4
[ "$(figure target_met out.txt)" = yes ] && ok || fail "bpp target not met"
awk -v b="$(figure true_bpp out.txt)" 'BEGIN { exit !(b <= 3) }' && ok ||
    fail "true_bpp $(figure true_bpp out.txt) above the 3 bpp target"
[ "$(figure stream_bytes out.txt)" = "$(wc -c <t.e2ec | tr -d ' ')" ] && ok ||
    fail "stream_bytes is not the file's size"
above_flat 18 "the bpp search's floor"
at_least out.txt 18 "bpp target"
# 19 dB from width 8 (17.75 dB): the search must widen; 1.5 dB under width 32's figure.
above_flat 19 "the PSNR target"
expect 0 "target psnr" -- "$E2EC" compress crop.raw p.e2ec $CROP_ARGS --mode siren-ds --epochs 300 \
    --threads 1 --width 8 --target-psnr 19 --max-trials 4
[ "$(figure target_met out.txt)" = yes ] && ok || fail "psnr target not met"
at_least out.txt 19 "psnr target"
# grid, 200 steps of 1024 voxels, measured here (Release, 1 thread): lambda 1
# 16.50 dB, lambda 0.01 22.11 dB; floors 1.5 dB under.
"$E2EC" compress crop.raw g.e2ec $CROP_ARGS --mode grid --epochs 200 --batch 1024 \
    --threads 1 --grid-lambda 1 >lo.txt 2>&1 && ok || fail "grid at lambda 1"
above_flat 15 "grid floor at lambda 1"
at_least lo.txt 15 "grid at lambda 1"
"$E2EC" compress crop.raw g.e2ec $CROP_ARGS --mode grid --epochs 200 --batch 1024 \
    --threads 1 --grid-lambda 0.01 >hi.txt 2>&1 && ok || fail "grid at lambda 0.01"
at_least hi.txt 20.6 "grid at lambda 0.01"
goal=$(awk -v a="$(figure psnr_db lo.txt)" -v b="$(figure psnr_db hi.txt)" 'BEGIN { printf "%.2f", (a + b) / 2 }')
expect 0 "grid target psnr" -- "$E2EC" compress crop.raw g.e2ec $CROP_ARGS --mode grid --epochs 200 \
    --batch 1024 --threads 1 --target-psnr "$goal" --max-trials 8
[ "$(figure target_met out.txt)" = yes ] && [ -n "$(figure target_grid_lambda out.txt)" ] && ok ||
    fail "grid psnr target $goal not met, or no lambda printed"
awk -v p="$(figure psnr_db out.txt)" -v g="$goal" 'BEGIN { exit !(p >= g && p <= g + 0.5) }' && ok ||
    fail "grid psnr $(figure psnr_db out.txt) not within 0.5 dB above $goal"
expect 1 "grid target from lambda 2" -- "$E2EC" compress crop.raw y.e2ec $CROP_ARGS --mode grid \
    --grid-lambda 2 --target-psnr 20
stderr_has "must be in (0, 1]" "grid lambda range message"
[ ! -e y.e2ec ] && ok || fail "an output was written for a refused grid search"
expect 1 "both targets" -- "$E2EC" compress crop.raw x.e2ec $CROP_ARGS --target-psnr 30 --target-bpp 1
stderr_has "exclude each other" "both targets message"
[ ! -e x.e2ec ] && ok || fail "an output was written for a refused command"
no_temp_files
finish
