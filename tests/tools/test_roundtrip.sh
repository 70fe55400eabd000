# compress -> info -> decompress (whole and one slice) -> compare, on a small
# crop of the sample MR volume with few epochs: checks the plumbing and that
# the tool's figures agree with each other, not the codec's quality.
. "$(dirname "$0")/lib.sh"
make_crop
FAST="--mode e2e --width 8 --epochs 30 --threads 1 --seed 7"

expect 0 "compress" -- "$E2EC" compress crop.raw c.e2ec $CROP_ARGS $FAST
cp out.txt figures.txt
for key in params paper_cr paper_bpp true_bpp true_ratio psnr_db psnr_bits_db ssim3d \
    ssim2d_mean max_abs_err encode_s decode_s; do
    [ -n "$(figure $key figures.txt)" ] && ok || fail "compress printed no '$key:' line"
done
grep -q '^epoch 30/30 ' err.txt && ok || fail "no final progress line on stderr"

expect 0 "info" -- "$E2EC" info c.e2ec
[ "$(figure dims out.txt)" = 24x24x12 ] && ok || fail "info dims: $(figure dims out.txt)"
[ "$(figure type out.txt)" = i16 ] && ok || fail "info type: $(figure type out.txt)"
[ "$(figure stream_bytes out.txt)" = "$(wc -c <c.e2ec | tr -d ' ')" ] && ok ||
    fail "info stream_bytes differs from the file size"

expect 0 "decompress" -- "$E2EC" decompress c.e2ec d.raw
[ "$(wc -c <d.raw | tr -d ' ')" = $((24 * 24 * 12 * 2)) ] && ok || fail "d.raw has the wrong size"

# One slice decoded alone equals the same slice of the whole decode.
expect 0 "decompress --slice" -- "$E2EC" decompress c.e2ec s5.raw --slice 5
dd if=d.raw of=d5.raw bs=$((24 * 24 * 2)) skip=5 count=1 2>/dev/null
cmp -s d5.raw s5.raw && ok || fail "slice 5 decoded alone differs from the whole decode"
expect 1 "--slice past the end" -- "$E2EC" decompress c.e2ec x.raw --slice 12
[ ! -e x.raw ] && ok || fail "output written for a refused slice"

# compare of the written file gives the figures compress measured in memory.
expect 0 "compare" -- "$E2EC" compare crop.raw d.raw $CROP_ARGS
for key in psnr_db max_abs_err ssim3d; do
    [ "$(figure $key out.txt)" = "$(figure $key figures.txt)" ] && ok ||
        fail "compare $key $(figure $key out.txt) != compress $key $(figure $key figures.txt)"
done
expect 0 "compare with itself" -- "$E2EC" compare crop.raw crop.raw $CROP_ARGS
[ "$(figure max_abs_err out.txt)" = 0 ] && ok || fail "a volume differs from itself"

# Same seed, same stream.
expect 0 "compress again" -- "$E2EC" compress crop.raw c2.e2ec $CROP_ARGS $FAST -q
cmp -s c.e2ec c2.e2ec && ok || fail "same seed gave a different stream"
[ ! -s err.txt ] && ok || fail "-q still printed messages"

# No --mode: the latent mode (the default), with its progress in passes: 2.4
# times those asked, rounded, on a volume this small at the default lambda 1e-3
# (under 2^23 voxels; e2ec_encode_epochs).
expect 0 "compress in the default mode" -- "$E2EC" compress crop.raw d.e2ec $CROP_ARGS --epochs 2 \
    --threads 1
grep -q '^mode: latent$' out.txt && ok || fail "the default mode is not latent: $(figure mode out.txt)"
grep -q '^pass 5/5 ' err.txt && ok || fail "no final pass line on stderr in the default mode"
# Grid mode named without --grid-lambda takes its own default (4e-3), not the latent's: the
# same stream as with that lambda given (same seed), in Adam steps.
expect 0 "compress in grid mode" -- "$E2EC" compress crop.raw g.e2ec $CROP_ARGS --mode grid \
    --epochs 30 --threads 1
grep -q '^step 30/30 ' err.txt && ok || fail "no final step line on stderr in grid mode"
expect 0 "compress in grid mode at lambda 4e-3" -- "$E2EC" compress crop.raw g4.e2ec $CROP_ARGS \
    --mode grid --grid-lambda 4e-3 --epochs 30 --threads 1
cmp -s g.e2ec g4.e2ec && ok || fail "grid mode without --grid-lambda did not use its default 4e-3"

# Started without OMP_WAIT_POLICY, the tool runs itself again with it "passive" (its
# threads sleep while they wait: tools/common/omp_wait.h); a caller's own value is kept.
expect 0 "compress without OMP_WAIT_POLICY" -- env -u OMP_WAIT_POLICY "$E2EC" compress crop.raw \
    w.e2ec $CROP_ARGS --epochs 1 --threads 1 -d
grep -q '^D: OMP_WAIT_POLICY=passive$' err.txt && ok || fail "the tool left OpenMP's wait policy unset"
expect 0 "compress with OMP_WAIT_POLICY=active" -- env OMP_WAIT_POLICY=active "$E2EC" compress \
    crop.raw w.e2ec $CROP_ARGS --epochs 1 --threads 1 -d
grep -q '^D: OMP_WAIT_POLICY=active$' err.txt && ok || fail "the tool overrode the caller's wait policy"

# The other mode and half-float weights.
expect 0 "compress siren fp16" -- "$E2EC" compress crop.raw h.e2ec $CROP_ARGS --mode siren \
    --fp16 --width 8 --epochs 3 --threads 1
expect 0 "info fp16" -- "$E2EC" info h.e2ec
grep -q '^weights: .* fp16$' out.txt && ok || fail "info does not say fp16"
grep -q '^mode: siren$' out.txt && ok || fail "info does not say mode siren"

# Quantised weights with a lossless residual: info says so, and the decode is exact.
expect 0 "compress q6 lossless" -- "$E2EC" compress crop.raw q.e2ec $CROP_ARGS $FAST \
    --qbits 6 --max-error 0
[ "$(figure max_abs_err out.txt)" = 0 ] && ok || fail "--max-error 0 is not lossless"
expect 0 "info q6" -- "$E2EC" info q.e2ec
grep -q '^weights: .* q6$' out.txt && ok || fail "info does not say q6"
[ "$(figure max_error out.txt)" = 0 ] && ok || fail "info does not say max_error 0"
expect 0 "decompress q6 --slice" -- "$E2EC" decompress q.e2ec q5.raw --slice 5
dd if=crop.raw of=c5.raw bs=$((24 * 24 * 2)) skip=5 count=1 2>/dev/null
cmp -s c5.raw q5.raw && ok || fail "slice 5 of a lossless stream differs from the original"
expect 1 "--qbits 1" -- "$E2EC" compress crop.raw x.e2ec $CROP_ARGS $FAST --qbits 1

# The lossless mode: every voxel back through the files, one slice alone too,
# and within E with --max-error E; a rate target is refused (no knob).
expect 0 "compress lossless" -- "$E2EC" compress crop.raw l.e2ec $CROP_ARGS --mode lossless \
    --epochs 40 --threads 1
[ "$(figure max_abs_err out.txt)" = 0 ] && ok || fail "lossless mode is not lossless"
grep -q '^weight_coding: integer ARM' out.txt && ok || fail "compress does not describe the ARM"
expect 0 "info lossless" -- "$E2EC" info l.e2ec
[ "$(figure max_error out.txt)" = 0 ] && ok || fail "info does not state the lossless bound 0"
expect 0 "decompress lossless" -- "$E2EC" decompress l.e2ec l.raw
cmp -s crop.raw l.raw && ok || fail "the lossless stream does not decode to the original"
expect 0 "decompress lossless --slice" -- "$E2EC" decompress l.e2ec l7.raw --slice 7
dd if=crop.raw of=c7.raw bs=$((24 * 24 * 2)) skip=7 count=1 2>/dev/null
cmp -s c7.raw l7.raw && ok || fail "slice 7 of the lossless stream differs from the original"
expect 0 "compress near-lossless" -- "$E2EC" compress crop.raw n.e2ec $CROP_ARGS --mode lossless \
    --epochs 40 --threads 1 --max-error 3
[ "$(figure max_abs_err out.txt)" -le 3 ] && ok || fail "near-lossless beyond 3: $(figure max_abs_err out.txt)"
expect 0 "info near-lossless" -- "$E2EC" info n.e2ec
[ "$(figure max_error out.txt)" = 3 ] && ok || fail "info does not state the bound 3"
expect 83 "lossless with a target" -- "$E2EC" compress crop.raw x.e2ec $CROP_ARGS --mode lossless \
    --target-psnr 40

# The latent mode through the files: info describes the pyramid, one slice
# alone equals its plane of the whole decode, --grid-lambda is its knob.
expect 0 "compress latent" -- "$E2EC" compress crop.raw t.e2ec $CROP_ARGS --mode latent \
    --preset fast --threads 1 --grid-lambda 1e-4
grep -q '^pass 64/64 ' err.txt && ok || fail "--preset fast: not 64 passes (a third of 50, four times) in latent mode"
expect 0 "compress latent, --epochs over --preset" -- "$E2EC" compress crop.raw e.e2ec $CROP_ARGS \
    --mode latent --preset slow --epochs 2 --threads 1
grep -q '^pass 5/5 ' err.txt && ok || fail "--epochs does not override --preset"
expect 0 "info latent" -- "$E2EC" info t.e2ec
grep -q '^mode: latent$' out.txt && ok || fail "info does not say mode latent"
K='\(linear\|cubic -[0-9.]*\)'
grep -q "^latent_level_0: .*, shift [0-8], alphabet \[-\?[0-9]*, -\?[0-9]*\], [0-9]* bytes in [0-9]* streams\?, upsampling x $K y $K z $K\$" out.txt &&
    ok || fail "info does not describe the latent levels: $(grep latent out.txt)"
grep -q '^latent_level_0: .*upsampling x cubic -[0-9.]* y cubic -[0-9.]* z linear$' out.txt && ok ||
    fail "the coarsest level is not read cubic in-plane, linear in z (the default)"
grep -q "^latent_level_[0-9]: 24x24x12,.*upsampling x linear y linear z linear$" out.txt && ok ||
    fail "the finest level is not the volume's grid, read at its nodes"
expect 0 "decompress latent" -- "$E2EC" decompress t.e2ec t.raw
expect 0 "decompress latent --slice" -- "$E2EC" decompress t.e2ec t3.raw --slice 3
dd if=t.raw of=tt3.raw bs=$((24 * 24 * 2)) skip=3 count=1 2>/dev/null
cmp -s tt3.raw t3.raw && ok || fail "slice 3 of the latent stream differs from the whole decode"

no_temp_files
finish
