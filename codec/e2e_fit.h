/*
 * Loss and gradient of the end-to-end network (E2E mode) as a train_grad_fn:
 * the SIREN over every point of the low-res grid, the SRNO up to the output
 * grid, the loss against the full-resolution target, plus lr_weight times the
 * loss of the SIREN's grid against lr_target (the FFT-downsampled volume)
 * when lr_weight > 0.
 *
 * Two ways to run a step (docs/architecture.md, "E2E training on large volumes"):
 * - full batch: the whole grids at once, every activation kept;
 * - window mode: `batch` of the SRNO's attention windows per step, drawn at
 *   random without replacement (the step's rng: reproducible) and run in
 *   increasing window order, one row of windows at a time: the SIREN on the
 *   row's low-res slab, the SRNO on each chosen window alone (exact: its
 *   attention normalises over that window, as in inference), gradients summed
 *   in that fixed order. Memory is one slab and one window. The loss is the
 *   mean over the chosen windows' voxels; the low-res term (lr_weight > 0)
 *   covers the low-res planes OWNED by the chosen windows' rows (plane p
 *   belongs to the row whose high-res planes map onto it: rows partition the
 *   low-res planes). With every window chosen, the step equals the full
 *   batch's up to float rounding.
 */
#ifndef E2EC_E2E_FIT_H
#define E2EC_E2E_FIT_H

#include <stddef.h>
#include <stdint.h>
#include "e2ec.h"
#include "rng.h"
#include "siren.h"
#include "srno.h"

typedef struct {
    const siren_config *siren;
    const srno_config *srno;
    size_t n_siren;
    uint32_t lx, ly, lz, hx, hy, hz;
    const float *target;    /* hx*hy*hz normalised values */
    const float *lr_target; /* lx*ly*lz, read only when lr_weight > 0 */
    float lr_weight;
    e2ec_loss loss;
    int windows;            /* window mode: windows per step; 0 = full batch */
    int n_windows;          /* the SRNO's windows over the output grid */
    /* scratch, owned by e2e_fit_init/free. Window mode: coords .. siren_scratch
     * for one row's slab, hr/dhr/tbox for one window, srno_acts for one row. */
    float *coords, *lr, *dlr, *siren_acts, *siren_scratch, *hr, *dhr, *srno_acts, *tbox;
    int *chosen;            /* window mode: this step's windows */
    size_t siren_chunk;     /* window mode: SIREN points at a time (a test may lower it) */
} e2e_fit;

/* Full batch is refused (E2EC_ERR_LIMIT) when its activations would exceed
 * this many floats (1 GiB, so that with the volume and the weights an encode
 * stays well under 4 GiB); window mode is refused when one row's would. */
#define E2E_FIT_MAX_FLOATS (1ull << 28)
/* Full batch (E2EC_ERR_LIMIT past E2E_FIT_MAX_FLOATS). */
e2ec_status e2e_fit_init(e2e_fit *f, const siren_config *siren, const srno_config *srno,
                         uint32_t lx, uint32_t ly, uint32_t lz, uint32_t hx, uint32_t hy,
                         uint32_t hz, const float *target, const float *lr_target,
                         float lr_weight, e2ec_loss loss);
/* The mode rule of e2ec_encode: batch > 0 is window mode with
 * min(batch, windows) windows per step; batch == 0 is full batch when it fits
 * in max_floats, else window mode with EVERY window each step (the full-batch
 * gradient and loss, computed a row at a time). max_floats is
 * E2E_FIT_MAX_FLOATS outside tests. */
e2ec_status e2e_fit_init_batch(e2e_fit *f, const siren_config *siren, const srno_config *srno,
                               uint32_t lx, uint32_t ly, uint32_t lz, uint32_t hx, uint32_t hy,
                               uint32_t hz, const float *target, const float *lr_target,
                               float lr_weight, e2ec_loss loss, int batch, size_t max_floats);
/* Bytes of scratch e2e_fit_init_batch allocates with these arguments (full
 * batch or window mode, as it would choose); memory_budget.h counts them. */
size_t e2e_fit_bytes(const siren_config *siren, const srno_config *srno, uint32_t lx,
                     uint32_t ly, uint32_t lz, uint32_t hx, uint32_t hy, uint32_t hz, int batch,
                     size_t max_floats);
void e2e_fit_free(e2e_fit *f);
e2ec_status e2e_fit_grad(void *ctx, const float *params, float *grads, rng *r, double *loss,
                         double *mse);

/* E2E epochs over which the rate rises after the warm start (train_loop_opt's ramp):
 * this many, or a fifth of the epochs if fewer. */
#define E2E_RAMP_EPOCHS 20
static inline int e2e_ramp_epochs(int epochs) {
    return epochs / 5 < E2E_RAMP_EPOCHS ? epochs / 5 : E2E_RAMP_EPOCHS;
}
/* SIREN epochs of the warm start: this many, or 10 per E2E epoch asked for
 * if fewer (a SIREN epoch on the low-res grid costs a few % of an E2E one). */
#define E2E_WARM_EPOCHS 500
/*
 * The starting point of E2E training (docs/architecture.md, "E2E training:
 * experiments"), on params initialised by siren_init + srno_init: the SIREN
 * is first fitted alone to y, the FFT-downsampled volume (lx*ly*lz), for
 * min(E2E_WARM_EPOCHS, 10 p->epochs) full-batch epochs of p's loss and rate,
 * keeping its best fit; the SRNO's last decoder layer is set to zero, so that
 * the network starts exactly as the trilinear upsampling of that SIREN (and,
 * with the best weights kept, can end no worse).
 */
e2ec_status e2e_warm_start(const siren_config *siren, const srno_config *srno, uint32_t lx,
                           uint32_t ly, uint32_t lz, const float *y, const e2ec_params *p,
                           float *params, rng *r);

#endif
