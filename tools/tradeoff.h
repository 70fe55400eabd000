/*
 * tradeoff.h - the paper's trade-off-point search (Eq. 7-9) over a grid of
 * (scale DS, SRNO channels NC, SIREN width SN): one row per trained point,
 * the point that minimises 1/PSNR + (1 - SSIM) + (1 - CR), and the plots.
 */
#ifndef E2EC_TOOLS_TRADEOFF_H
#define E2EC_TOOLS_TRADEOFF_H

#include <stddef.h>

typedef struct {
    int scale, channels, width;
    unsigned params;
    double paper_cr, paper_bpp, true_bpp, psnr, ssim, seconds;
} tradeoff_row;

/* Paper Eq. 7: 1/PSNR + (1 - SSIM) + (1 - CR), CR the paper's (weights). */
double tradeoff_objective(const tradeoff_row *r);

/* Writes PREFIX_marginal_{scale,channels,width}.png (Eq. 9: per value of an
 * axis, the sums over the other axes of PSNR, SSIM and CR, each divided by
 * its largest sum so the three share one axis; an axis with one value has
 * none) and PREFIX_psnr_bpp.png with
 * gnuplot; the .dat and .gp files stay beside them. Returns 0, or an errno
 * value / -1 when gnuplot failed (after a message). */
int tradeoff_plot(const char *prefix, const tradeoff_row *rows, size_t n);

#endif
