/*
 * memory_budget.h - the peak working memory of decoding and encoding, computed
 * from a header (or parameters) alone, before anything is allocated, so that
 * work over the caller's limit (e2ec.h: max_memory) is refused by name,
 * E2EC_ERR_MEMORY_LIMIT, instead of failing half-way in malloc or drawing the
 * OOM killer onto the process (a PACS that loads our plugin, say).
 *
 * Each mode gives its own figures (mode_ops.h: encode_memory, decode_memory);
 * here are the paper's modes' (network_codec.c), what every figure adds for the
 * runtime, and the check every figure goes through. Each figure adds every
 * buffer the path allocates as if all were live at once: an upper bound. The
 * sizes of scratch buffers come from the functions that allocate them
 * (model_eval_bytes, siren_fit_bytes, e2e_fit_bytes, fft_downsample_bytes), so
 * the estimate follows the code. docs/security.md gives the formulas.
 */
#ifndef E2EC_MEMORY_BUDGET_H
#define E2EC_MEMORY_BUDGET_H

#include <stdint.h>
#include "e2ec.h"
#include "model.h"

/* Bytes decoding planes [z0, z1) of the network m needs with `threads` OpenMP
 * threads; the output volume counts when the library allocates it (whole != 0).
 * packed_floats: as memory_budget_runtime's, for the mode's network. */
uint64_t memory_budget_decode(const e2ec_info *info, const model *m, uint32_t z0, uint32_t z1,
                              int whole, int threads, uint64_t packed_floats);

/* What the paper's modes' encode figure takes from the mode (network_codec.c). */
typedef struct {
    int downsampled;        /* the SIREN learns the FFT-downsampled volume */
    uint64_t fit_bytes;     /* the training's own scratch (siren_fit_bytes, e2e_fit_bytes) */
    uint64_t packed_floats; /* as memory_budget_runtime's */
} memory_terms;

/* Bytes e2ec_encode needs to train the network m of info (a volume of info's
 * size and type, info->quant_bits as p's) with parameters p and `threads`
 * OpenMP threads. */
uint64_t memory_budget_encode(const e2ec_info *info, const model *m, const e2ec_params *p,
                              int threads, const memory_terms *t);

/* What a call adds to the process beyond the buffers it allocates, counted in
 * every mode's figures: OpenBLAS, splitting a matrix product across threads
 * (one called outside our parallel regions), packs the product's tall operand
 * whole into buffers of its own (packed_floats: the largest, as blas_pack.h
 * counts it); and per thread an allowance for its stack, malloc arena and BLAS
 * panels. Measured by tests/memory (bench/results/memory/). */
uint64_t memory_budget_runtime(int threads, uint64_t packed_floats);

/* E2EC_OK when need fits max_memory (0 = E2EC_DEFAULT_MAX_MEMORY), else
 * E2EC_ERR_MEMORY_LIMIT. */
e2ec_status memory_budget_check(uint64_t need, uint64_t max_memory);

#endif
