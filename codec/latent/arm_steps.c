/* The ARM's weights in coarser steps (see arm_steps.h). */
#include "arm_steps.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "lossless/ll_code.h"
#include "net_section.h"

/* A sampled row: its level, y and z, and the latents it stands for (k rows). */
typedef struct {
    int l, y, z, k;
} sample_row;

/* Every level's rows r = k/2, k/2 + k ... (r = y + ny z), k the smallest with
 * at most ARM_STEPS_SAMPLE latents taken (every row of a small level). */
static size_t sample_rows(const grid_shape *s, sample_row *out) {
    size_t n = 0;
    for (int l = 0; l < s->levels; l++) {
        const int *r = s->res[l];
        size_t rows = (size_t)r[1] * r[2], latents = rows * (size_t)r[0];
        size_t k = (latents + ARM_STEPS_SAMPLE - 1) / ARM_STEPS_SAMPLE;
        for (size_t i = k / 2; i < rows; i += k) {
            if (out) out[n] = (sample_row){l, (int)(i % (size_t)r[1]), (int)(i / (size_t)r[1]), (int)k};
            n++;
        }
    }
    return n;
}

uint64_t arm_steps_bytes(const grid_shape *s, int threads) {
    int nx = 0;
    for (int l = 0; l < s->levels; l++) nx = s->res[l][0] > nx ? s->res[l][0] : nx;
    return (uint64_t)sample_rows(s, NULL) * (sizeof(sample_row) + sizeof(double)) +
           (uint64_t)(threads > 0 ? threads : 1) * (uint64_t)nx * sizeof(rans_sym);
}

/* The sampled latents' bits under a, scaled to their levels: each row's sum
 * in its own slot and the slots added in order, so the cost does not depend
 * on the thread count. E2EC_ERR_ARG when a latent lies outside its alphabet. */
static e2ec_status latent_bits(const arm_int *a, const grid_shape *s, const int32_t *q, const int *shift,
                               const int32_t *lo, const int32_t *hi, const sample_row *rows, size_t n,
                               double *row_bits, double *bits) {
    int nomem = 0, bad = 0, nx = 0;
    for (int l = 0; l < s->levels; l++) nx = s->res[l][0] > nx ? s->res[l][0] : nx;
    #pragma omp parallel reduction(| : nomem, bad)
    {
        rans_sym *syms = malloc((size_t)nx * sizeof *syms);
        nomem = !syms;
        #pragma omp for schedule(dynamic, 16)
        for (size_t i = 0; i < n; i++) {
            const sample_row *w = &rows[i];
            const int *r = s->res[w->l];
            ll_shape sh = {r[0], r[1], r[2], lo[w->l]};
            ll_model m = {lo[w->l], hi[w->l], shift[w->l], a, 0};
            double b = 0.0;
            if (syms && ll_row_symbols(&sh, q + s->off[w->l], &m, w->z, w->y, w->y + 1, syms) != E2EC_OK) bad = 1;
            for (int x = 0; syms && !bad && x < r[0]; x++) b += log2((double)RANS_TOTAL / syms[x].freq);
            row_bits[i] = b * w->k;
        }
        free(syms);
    }
    if (nomem) return E2EC_ERR_NOMEM;
    if (bad) return E2EC_ERR_ARG;
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) sum += row_bits[i];
    *bits = sum;
    return E2EC_OK;
}

/* The rows sampled once for a search, and each row's bits. */
typedef struct {
    const grid_shape *s;
    const int32_t *q, *lo, *hi;
    const int *shift;
    sample_row *rows;
    double *row_bits;
    size_t n;
} sample;

static e2ec_status sample_init(sample *w, const grid_shape *s, const int32_t *q, const int *shift,
                               const int32_t *lo, const int32_t *hi) {
    *w = (sample){s, q, lo, hi, shift, NULL, NULL, sample_rows(s, NULL)};
    w->rows = malloc(w->n * sizeof *w->rows), w->row_bits = malloc(w->n * sizeof *w->row_bits);
    if (!w->rows || !w->row_bits) return E2EC_ERR_NOMEM;
    sample_rows(s, w->rows);
    return E2EC_OK;
}

static void sample_free(sample *w) { free(w->rows), free(w->row_bits); }

/* m = params d[l] steps coarser than the finest, *bits its cost. */
static e2ec_status cost_at(const sample *w, arm_int *m, int ctx, int hidden, const float *params,
                           const int d[ARM_LAYERS], double *bits) {
    *bits = 0.0;
    e2ec_status st = arm_int_quantise_coarser(m, ctx, hidden, params, d);
    if (!st) st = latent_bits(m, w->s, w->q, w->shift, w->lo, w->hi, w->rows, w->n, w->row_bits, bits);
    if (!st) *bits += (double)net_section_arm_bits(m);
    return st;
}

e2ec_status arm_steps_cost(arm_int *m, int ctx, int hidden, const float *params, const grid_shape *s,
                           const int32_t *q, const int *shift, const int32_t *lo, const int32_t *hi,
                           const int d[ARM_LAYERS], double *bits) {
    sample w;
    e2ec_status st = sample_init(&w, s, q, shift, lo, hi);
    if (!st) st = cost_at(&w, m, ctx, hidden, params, d, bits);
    sample_free(&w);
    return st;
}

e2ec_status arm_steps_search(arm_int *m, int ctx, int hidden, const float *params, const grid_shape *s,
                             const int32_t *q, const int *shift, const int32_t *lo, const int32_t *hi,
                             int d[ARM_LAYERS], double *bits) {
    sample w;
    double best = 0.0;
    int at[ARM_LAYERS] = {0}; /* the steps tried */
    e2ec_status st = sample_init(&w, s, q, shift, lo, hi);
    if (!st) st = cost_at(&w, m, ctx, hidden, params, at, &best);
    for (int l = 0; l < ARM_LAYERS && !st; l++) {
        int keep = 0, prev = m->shift[l], misses = 0;
        for (int k = 1; k <= ARM_STEPS_MAX && misses < ARM_STEPS_MISSES && !st; k++) {
            arm_int c;
            double b;
            at[l] = k;
            st = cost_at(&w, &c, ctx, hidden, params, at, &b);
            if (st || c.shift[l] == prev) break; /* the shift is at 0: no coarser step */
            prev = c.shift[l];
            if (b < best) best = b, keep = k, misses = 0;
            else misses++;
        }
        at[l] = keep;
    }
    if (!st) st = arm_int_quantise_coarser(m, ctx, hidden, params, at);
    if (d) memcpy(d, at, sizeof at);
    if (bits) *bits = best;
    sample_free(&w);
    return st;
}
