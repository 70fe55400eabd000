/* Plots of the trade-off search with gnuplot (tradeoff.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "atomic_file.h"
#include "common/log.h"
#include "tradeoff.h"

double tradeoff_objective(const tradeoff_row *r) {
    return 1.0 / r->psnr + (1.0 - r->ssim) + (1.0 - r->paper_cr);
}

static int axis_value(const tradeoff_row *r, int axis) {
    return axis == 0 ? r->scale : axis == 1 ? r->channels : r->width;
}

/* PREFIX_marginal_AXIS.dat: value, sum PSNR, sum SSIM, sum CR (normalised). */
static int write_marginal(const char *path, const tradeoff_row *rows, size_t n, int axis) {
    int *vals = malloc(n * sizeof *vals);
    double *sums = calloc(3 * n, sizeof *sums), mx[3] = {0};
    if (!vals || !sums) {
        free(vals), free(sums);
        return ENOMEM;
    }
    size_t nv = 0;
    for (size_t i = 0; i < n; i++) {
        int v = axis_value(&rows[i], axis);
        size_t k = 0;
        while (k < nv && vals[k] != v) k++;
        if (k == nv) vals[nv++] = v;
        sums[3 * k] += rows[i].psnr, sums[3 * k + 1] += rows[i].ssim;
        sums[3 * k + 2] += rows[i].paper_cr;
    }
    for (size_t k = 0; k < nv; k++)
        for (int j = 0; j < 3; j++)
            if (sums[3 * k + j] > mx[j]) mx[j] = sums[3 * k + j];
    FILE *f = fopen(path, "w");
    int e = f ? 0 : errno;
    for (size_t k = 0; f && k < nv; k++)
        fprintf(f, "%d %.6g %.6g %.6g\n", vals[k], sums[3 * k] / mx[0], sums[3 * k + 1] / mx[1],
                sums[3 * k + 2] / mx[2]);
    if (f && fclose(f)) e = errno;
    free(vals), free(sums);
    return e;
}

static int single_valued(const tradeoff_row *rows, size_t n, int axis) {
    for (size_t i = 1; i < n; i++)
        if (axis_value(&rows[i], axis) != axis_value(&rows[0], axis)) return 0;
    return 1;
}

static const char *axis_names[3] = {"scale", "channels", "width"};
static const char *axis_labels[3] = {"downsampling factor DS (1/DS)", "SRNO channels NC",
                                     "SIREN width SN"};

int tradeoff_plot(const char *prefix, const tradeoff_row *rows, size_t n) {
    size_t len = strlen(prefix) + 64;
    char *path = malloc(len), *gp = malloc(len), *out[4] = {0};
    atomic_file png[4];
    int e = path && gp ? 0 : ENOMEM, png_open[4] = {0};
    FILE *f = NULL;
    if (!e) {
        snprintf(gp, len, "%s_plots.gp", prefix);
        f = fopen(gp, "w");
        if (!f) e = errno;
    }
    if (f) fprintf(f, "set terminal pngcairo size 800,560\nset grid\nset key bottom right\n");
    for (int a = 0; a < 3 && !e; a++) {
        if (single_valued(rows, n, a)) continue; /* one point: nothing to plot */
        snprintf(path, len, "%s_marginal_%s.dat", prefix, axis_names[a]);
        if ((e = write_marginal(path, rows, n, a))) break;
        if (!(out[a] = malloc(len))) {
            e = ENOMEM;
            break;
        }
        snprintf(out[a], len, "%s_marginal_%s.png", prefix, axis_names[a]);
        if ((e = atomic_begin(&png[a], out[a]))) break;
        png_open[a] = 1;
        fprintf(f,
                "set output '%s'\nset title 'Eq. 9 marginal sums over the other axes (each / "
                "its max)'\nset xlabel '%s'\nset ylabel 'normalised sum'\n"
                "plot '%s' u 1:2 w lp t 'PSNR', '' u 1:3 w lp t 'SSIM', '' u 1:4 w lp t "
                "'CR (paper)'\n",
                png[a].tmp_path, axis_labels[a], path);
    }
    if (!e) {
        snprintf(path, len, "%s_rows.dat", prefix);
        FILE *d = fopen(path, "w");
        for (size_t i = 0; d && i < n; i++)
            fprintf(d, "%.6g %.6g %.6g\n", rows[i].true_bpp, rows[i].paper_bpp, rows[i].psnr);
        if (!d || fclose(d)) e = errno;
    }
    if (!e) {
        out[3] = malloc(len);
        if (!out[3]) e = ENOMEM;
        else snprintf(out[3], len, "%s_psnr_bpp.png", prefix);
        if (!e && !(e = atomic_begin(&png[3], out[3]))) {
            png_open[3] = 1;
            fprintf(f,
                    "set output '%s'\nset title 'PSNR against rate, every grid point'\n"
                    "set logscale x\nset xlabel 'bits per voxel'\nset ylabel 'PSNR (dB)'\n"
                    "plot '%s' u 1:3 pt 7 t 'true bpp (stream bytes)', '' u 2:3 pt 6 t "
                    "'paper bpp (32 x weights)'\n",
                    png[3].tmp_path, path);
        }
    }
    if (f && fclose(f) && !e) e = errno;
    if (!e) {
        char *cmd = malloc(len + 32);
        snprintf(cmd, len + 32, "gnuplot '%s'", gp);
        int rc = system(cmd);
        free(cmd);
        if (rc != 0) {
            log_error("gnuplot failed on %s (is gnuplot installed?)", gp);
            e = -1;
        }
    }
    for (int i = 0; i < 4; i++) {
        if (!out[i] || !png_open[i]) continue;
        if (!e) e = atomic_commit(&png[i]);
        atomic_abort(&png[i]);
    }
    for (int i = 0; i < 4; i++) free(out[i]);
    free(path), free(gp);
    return e;
}
