/*
 * The ARM the latents are coded with, chosen after the fit (encoder only).
 * The fit trains its ARM beside latents that move, and by the time they are
 * fixed its learning rate has decayed to almost nothing; refitted to the
 * coded latents alone (ll_fit_volumes, arm_refit_steps of ARM_REFIT_BATCH
 * latents), an ARM of the fit's width coded the MR's latents
 * at lambda 1e-2 in 11 % fewer bits, one of 32 units in 16 % fewer
 * (bench/results/latent/arm-probes.log). The candidates are the fit's own
 * ARM at its best steps (arm_steps.h) and refits at its width and at
 * ARM_MAX_HIDDEN at those steps; the one with the fewest bits, the latents'
 * and its own, is coded, at its own best steps if it is a refit. The decoded
 * voxels do not depend on the choice.
 */
#ifndef E2EC_LATENT_ARM_REFIT_H
#define E2EC_LATENT_ARM_REFIT_H

#include <stddef.h>
#include <stdint.h>

#include "e2ec.h"
#include "ent/arm_int.h"
#include "nn/grid_interp.h"

#define ARM_REFIT_STEPS 3000
#define ARM_REFIT_BATCH 4096
#define ARM_REFIT_LR 1e-2f
#define ARM_REFIT_PASSES 10

/* The refit's steps for n latents: ARM_REFIT_PASSES passes over them, at
 * least 1 step and at most ARM_REFIT_STEPS (the MR's 1.2 million latents
 * about 2,900, the whole chest CT's 22 million the cap). */
static inline int arm_refit_steps(size_t n) {
    size_t k = (n * ARM_REFIT_PASSES + ARM_REFIT_BATCH - 1) / ARM_REFIT_BATCH;
    return k > ARM_REFIT_STEPS ? ARM_REFIT_STEPS : k < 1 ? 1 : (int)k;
}

/* m = the chosen ARM for the latents q (s->off[s->levels] of them, level l
 * in [lo[l], hi[l]] with input shift shift[l]); own: the fit's float ARM,
 * arm_param_count(LL_CTX, hidden) parameters; each refit `steps` Adam steps
 * (the encoder's: arm_refit_steps), drawn from seed. ll_fit_volumes' and
 * arm_steps_search's errors. */
e2ec_status arm_refit(arm_int *m, const float *own, int hidden, const grid_shape *s, const int32_t *q,
                      const int *shift, const int32_t *lo, const int32_t *hi, int steps, uint64_t seed);

/* The bytes arm_refit allocates besides arm_steps_search's (memory estimates). */
uint64_t arm_refit_bytes(void);

#endif
