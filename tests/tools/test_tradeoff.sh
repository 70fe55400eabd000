# e2ec tradeoff on a reduced grid: it trains every point, writes the CSV with
# one row per point, names a point of the grid as the trade-off point (the one
# with the smallest objective in the CSV), and gnuplot draws the plots.
. "$(dirname "$0")/lib.sh"
require gnuplot
make_crop
expect 0 "tradeoff" -- "$E2EC" tradeoff crop.raw $CROP_ARGS --mode e2e --scales 2,4 \
    --channels 4,8 --widths 8,12 --epochs 3 --threads 1 --out grid
[ "$(($(wc -l <grid.csv) - 1))" = 8 ] && ok || fail "grid.csv should have 8 rows"
best=$(awk -F, 'NR > 1 && (min == "" || $10 < min) { min = $10; p = "DS=1/" $1 " NC=" $2 " SN=" $3 }
                END { print p }' grid.csv)
[ "$(figure tradeoff_point out.txt)" = "$best" ] && ok ||
    fail "tradeoff point '$(figure tradeoff_point out.txt)', smallest objective in the CSV '$best'"
for f in grid_marginal_scale.png grid_marginal_channels.png grid_marginal_width.png \
    grid_psnr_bpp.png; do
    [ -s "$f" ] && ok || fail "$f was not drawn"
done
no_temp_files
expect 1 "bad list" -- "$E2EC" tradeoff crop.raw $CROP_ARGS --widths 8,x
stderr_has "comma-separated" "bad list message"
finish
