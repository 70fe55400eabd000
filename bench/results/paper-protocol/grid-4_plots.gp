set terminal pngcairo size 800,560
set grid
set key bottom right
set output 'bench/results/paper-protocol/.tmp-rgHZ8k-grid-4_marginal_width.png'
set title 'Eq. 9 marginal sums over the other axes (each / its max)'
set xlabel 'SIREN width SN'
set ylabel 'normalised sum'
plot 'bench/results/paper-protocol/grid-4_marginal_width.dat' u 1:2 w lp t 'PSNR', '' u 1:3 w lp t 'SSIM', '' u 1:4 w lp t 'CR (paper)'
set output 'bench/results/paper-protocol/.tmp-qeYlA4-grid-4_psnr_bpp.png'
set title 'PSNR against rate, every grid point'
set logscale x
set xlabel 'bits per voxel'
set ylabel 'PSNR (dB)'
plot 'bench/results/paper-protocol/grid-4_rows.dat' u 1:3 pt 7 t 'true bpp (stream bytes)', '' u 2:3 pt 6 t 'paper bpp (32 x weights)'
