/* Peak working memory of decoding and encoding (memory_budget.h). */
#include "grid_codec.h"
#include "memory_budget.h"

#include <omp.h>
#include "blas_pack.h"
#include "e2e_fit.h"
#include "fft_downsample.h"
#include "siren_fit.h"
#include "srno.h"
#include "threads.h"

#define DECODE_SLAB 8

/* Per thread: its stack, malloc arena and BLAS packing panels, and FFTW's
 * plans. tests/memory's memory_peak, run with OPENBLAS_CORETYPE Prescott,
 * Haswell, SkylakeX and Zen, found at most 0.52 MiB over the buffers for 2
 * threads (siren-ds, 64 x 64 x 32, encode, SkylakeX). */
#define THREAD_BYTES (1ull << 20)

uint64_t memory_budget_runtime(int threads, uint64_t packed_floats) {
    return packed_floats * sizeof(float) + (uint64_t)threads * THREAD_BYTES;
}

/* The largest operand of the matrix products OpenBLAS splits across threads,
 * as it packs it (blas_pack.h). E2E: the SIREN's activations over the whole
 * low-res grid in training (e2e_fit.c), or the SRNO's (srno_blas_floats).
 * SIREN and SIREN_DS run theirs inside our parallel regions, where OpenBLAS
 * runs one thread on a chunk of points with its small panels. */
static uint64_t blas_tall_floats(const model *m) {
    if (m->mode != E2EC_MODE_E2E) return 0;
    uint64_t siren = blas_packed_floats((uint64_t)m->lx * m->ly * m->lz, (uint64_t)m->siren.width);
    uint64_t srno = srno_blas_floats(&m->srno, m->lx, m->ly, m->hx, m->hy, m->hz);
    return siren > srno ? siren : srno;
}

uint32_t memory_budget_slab(const model *m, uint32_t z0, uint32_t z1) {
    uint32_t per = m->mode == E2EC_MODE_E2E ? (uint32_t)m->srno.window : DECODE_SLAB;
    return z1 - z0 < per ? z1 - z0 : per;
}

/* Bytes model_eval_planes allocates for planes [z0, z1) (model.c). */
static uint64_t eval_bytes(const model *m, uint32_t z0, uint32_t z1, int threads) {
    uint64_t siren = (uint64_t)threads * siren_eval_thread_floats(&m->siren) * sizeof(float);
    uint64_t lr = (uint64_t)m->lx * m->ly * m->lz * sizeof(float);
    switch (m->mode) {
    case E2EC_MODE_SIREN: return siren;
    case E2EC_MODE_SIREN_DS: return lr + siren;
    case E2EC_MODE_E2E:
        return lr + siren +
               (uint64_t)srno_eval_floats(&m->srno, m->lx, m->ly, m->lz, m->hx, m->hy, m->hz, z0,
                                          z1) *
                   sizeof(float);
    case E2EC_MODE_GRID: /* no model of this kind: grid_decode_memory counts it */
        break;
    }
    return 0;
}

/* The buffers decoding allocates (memory_budget_decode without the runtime). */
static uint64_t decode_buffers(const e2ec_info *info, const model *m, uint32_t z0, uint32_t z1,
                               int whole, int threads) {
    uint64_t plane = (uint64_t)m->hx * m->hy;
    uint64_t need = (uint64_t)m->n_params * sizeof(float);                   /* weights */
    need += plane * memory_budget_slab(m, z0, z1) * sizeof(float);            /* one pass */
    need += eval_bytes(m, z0, z1, threads);
    /* version 2: the quantised weights' group table (offset, scale, count) and
     * codes, both inflated and as arrays (bitstream.c read_quantised) */
    if (info->quant_bits) need += 24 * (uint64_t)info->quant_groups + m->n_params;
    /* one slice's residual at a time: coded samples, zigzag codes, reconstruction
     * (residual.c residual_apply) */
    if (info->has_residual) need += plane * (info->residual_sample_bytes + 4 + 8);
    if (whole) need += plane * info->nz * e2ec_voxel_size(info->type); /* the output */
    return need;
}

uint64_t memory_budget_decode(const e2ec_info *info, const model *m, uint32_t z0, uint32_t z1,
                              int whole, int threads) {
    return decode_buffers(info, m, z0, z1, whole, threads) +
           memory_budget_runtime(threads, blas_tall_floats(m));
}

uint64_t memory_budget_encode(const e2ec_info *info, const model *m, const e2ec_params *p,
                              int threads) {
    uint64_t voxels = (uint64_t)info->nx * info->ny * info->nz;
    uint64_t lowres = (uint64_t)m->lx * m->ly * m->lz * sizeof(float);
    uint64_t w = (uint64_t)m->n_params * sizeof(float);
    /* throughout: the normalised volume and the weights */
    uint64_t base = voxels * sizeof(float) + w;
    /* first the FFT downsampling (its output is the SIREN's target) */
    uint64_t fft = m->mode == E2EC_MODE_SIREN
                       ? 0
                       : fft_downsample_bytes(info->nx, info->ny, info->nz, m->lx, m->ly, m->lz,
                                              threads);
    /* then training: the target, gradients, best weights, Adam's two moments, the fit's
     * scratch */
    uint64_t train = (m->mode == E2EC_MODE_SIREN ? 0 : lowres) + 4 * w;
    if (m->mode == E2EC_MODE_E2E)
        train += e2e_fit_bytes(&m->siren, &m->srno, m->lx, m->ly, m->lz, m->hx, m->hy, m->hz,
                               p->batch, E2E_FIT_MAX_FLOATS);
    else
        train += siren_fit_bytes(&m->siren, threads, p->batch);
    /* last the stream: the packed weights and the deflated copy (at most a little
     * more than its input) */
    uint64_t write = 3 * w + 4096;
    /* quantisation-aware training keeps a rounded copy of the weights (train.c) */
    if (p->quant_bits) train += w;
    /* near-lossless: the stream decoded whole (its own decode budget), then the
     * residual's zigzag codes for every voxel and their coded copy (residual.c) */
    if (p->max_error >= 0) {
        uint64_t dec = decode_buffers(info, m, 0, info->nz, 1, threads);
        write += dec + voxels * 8 + (uint64_t)info->nx * info->ny * 24;
    }
    uint64_t peak = fft > train ? fft : train;
    return base + (peak > write ? peak : write) +
           memory_budget_runtime(threads, blas_tall_floats(m));
}

e2ec_status memory_budget_check(uint64_t need, uint64_t max_memory) {
    uint64_t limit = max_memory ? max_memory : E2EC_DEFAULT_MAX_MEMORY;
    return need <= limit ? E2EC_OK : E2EC_ERR_MEMORY_LIMIT;
}

/* The thread count a call with `threads` runs with (threads.h). */
static int threads_of(int threads) { return threads > 0 ? threads : omp_get_max_threads(); }

e2ec_status e2ec_decode_memory(const uint8_t *stream, size_t size, int whole, int threads,
                               uint64_t *bytes) {
    if (!bytes || threads < 0) return E2EC_ERR_ARG;
    e2ec_info info;
    model m;
    e2ec_status st = e2ec_get_info(stream, size, &info);
    if (!st && info.mode == E2EC_MODE_GRID) {
        *bytes = grid_decode_memory(&info, 0, whole ? info.nz : 1, whole, threads_of(threads));
        return E2EC_OK;
    }
    if (st || (st = model_from_info(&m, &info))) return st;
    *bytes = memory_budget_decode(&info, &m, 0, whole ? info.nz : 1, whole, threads_of(threads));
    return E2EC_OK;
}

e2ec_status e2ec_encode_memory(const e2ec_volume *in, const e2ec_params *p, uint64_t *bytes) {
    if (!in || !p || !bytes || p->threads < 0 || !e2ec_voxel_size(in->type)) return E2EC_ERR_ARG;
    if (p->mode == E2EC_MODE_GRID) return grid_encode_memory(in, p, bytes);
    e2ec_info info = {0};
    e2ec_status st = model_info_from_params(&info, p, in->nx, in->ny, in->nz);
    if (st) return st;
    info.type = in->type;
    model m;
    if ((st = model_from_info(&m, &info))) return st;
    int saved = threads_enter(p->threads);
    *bytes = memory_budget_encode(&info, &m, p, omp_get_max_threads());
    threads_leave(saved);
    return E2EC_OK;
}
