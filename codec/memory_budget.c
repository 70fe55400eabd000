/* Peak working memory of the paper's modes, the runtime's share and the limit
 * check (memory_budget.h). */
#include "memory_budget.h"

#include "fft_downsample.h"

/* Per thread: its stack, malloc arena and BLAS packing panels, and FFTW's
 * plans. tests/memory's memory_peak, run with OPENBLAS_CORETYPE Prescott,
 * Haswell, SkylakeX and Zen, found at most 0.52 MiB over the buffers for 2
 * threads (siren-ds, 64 x 64 x 32, encode, SkylakeX). */
#define THREAD_BYTES (1ull << 20)

uint64_t memory_budget_runtime(int threads, uint64_t packed_floats) {
    return packed_floats * sizeof(float) + (uint64_t)threads * THREAD_BYTES;
}

/* The buffers decoding allocates (memory_budget_decode without the runtime). */
static uint64_t decode_buffers(const e2ec_info *info, const model *m, uint32_t z0, uint32_t z1,
                               int whole, int threads) {
    uint64_t plane = (uint64_t)m->hx * m->hy;
    uint64_t need = (uint64_t)m->n_params * sizeof(float);                    /* weights */
    need += plane * model_planes_per_pass(m, z0, z1) * sizeof(float);         /* one pass */
    need += model_eval_bytes(m, z0, z1, threads);
    /* version 2: the quantised weights' group table (offset, scale, count) and
     * codes, both inflated and as arrays (weights_section.c read_quantised) */
    if (info->quant_bits) need += 24 * (uint64_t)info->quant_groups + m->n_params;
    /* one slice's residual at a time: coded samples, zigzag codes, reconstruction
     * (residual.c residual_apply) */
    if (info->has_residual) need += plane * (info->residual_sample_bytes + 4 + 8);
    if (whole) need += plane * info->nz * e2ec_voxel_size(info->type); /* the output */
    return need;
}

uint64_t memory_budget_decode(const e2ec_info *info, const model *m, uint32_t z0, uint32_t z1,
                              int whole, int threads, uint64_t packed_floats) {
    return decode_buffers(info, m, z0, z1, whole, threads) +
           memory_budget_runtime(threads, packed_floats);
}

uint64_t memory_budget_encode(const e2ec_info *info, const model *m, const e2ec_params *p,
                              int threads, const memory_terms *t) {
    uint64_t voxels = (uint64_t)info->nx * info->ny * info->nz;
    uint64_t lowres = (uint64_t)m->lx * m->ly * m->lz * sizeof(float);
    uint64_t w = (uint64_t)m->n_params * sizeof(float);
    /* throughout: the normalised volume and the weights */
    uint64_t base = voxels * sizeof(float) + w;
    /* first the FFT downsampling (its output is the SIREN's target) */
    uint64_t fft = t->downsampled ? fft_downsample_bytes(info->nx, info->ny, info->nz, m->lx,
                                                         m->ly, m->lz, threads)
                                  : 0;
    /* then training: the target, gradients, best weights, Adam's two moments, the fit's
     * scratch */
    uint64_t train = (t->downsampled ? lowres : 0) + 4 * w + t->fit_bytes;
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
    return base + (peak > write ? peak : write) + memory_budget_runtime(threads, t->packed_floats);
}

e2ec_status memory_budget_check(uint64_t need, uint64_t max_memory) {
    uint64_t limit = max_memory ? max_memory : E2EC_DEFAULT_MAX_MEMORY;
    return need <= limit ? E2EC_OK : E2EC_ERR_MEMORY_LIMIT;
}
