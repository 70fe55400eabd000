# e2ec compress --target-bpp / --target-psnr: the stream written keeps within
# the bpp target, reaches the PSNR target, and says so (in grid mode, with the
# lambda it chose, within 0.5 dB); the two exclude each other.
. "$(dirname "$0")/lib.sh"
make_crop
expect 0 "target bpp" -- "$E2EC" compress crop.raw t.e2ec $CROP_ARGS --mode siren-ds --epochs 30 \
    --threads 1 --width 40 --target-bpp 0.5 --max-trials 4
[ "$(figure target_met out.txt)" = yes ] && ok || fail "bpp target not met"
awk -v b="$(figure true_bpp out.txt)" 'BEGIN { exit !(b <= 0.5) }' && ok ||
    fail "true_bpp $(figure true_bpp out.txt) above the 0.5 target"
[ "$(figure stream_bytes out.txt)" = "$(wc -c <t.e2ec | tr -d ' ')" ] && ok ||
    fail "stream_bytes is not the file's size"
expect 0 "target psnr" -- "$E2EC" compress crop.raw p.e2ec $CROP_ARGS --mode siren-ds --epochs 30 \
    --threads 1 --width 8 --target-psnr 15 --max-trials 4
[ "$(figure target_met out.txt)" = yes ] && ok || fail "psnr target not met"
awk -v p="$(figure psnr_db out.txt)" 'BEGIN { exit !(p >= 15) }' && ok ||
    fail "psnr $(figure psnr_db out.txt) below the 15 dB target"
"$E2EC" compress crop.raw g.e2ec $CROP_ARGS --mode grid --epochs 200 --batch 1024 \
    --threads 1 --grid-lambda 1 >lo.txt 2>&1 && ok || fail "grid at lambda 1"
"$E2EC" compress crop.raw g.e2ec $CROP_ARGS --mode grid --epochs 200 --batch 1024 \
    --threads 1 --grid-lambda 0.01 >hi.txt 2>&1 && ok || fail "grid at lambda 0.01"
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
