/*
 * Fitting the latent mode's model (latent_model.h) to one volume: latents,
 * synthesis MLP and ARM trained together on rate + distortion,
 *     loss = MSE(decoded, target) + lambda * (bits of the latents) / voxels,
 * values normalised to [0, 1], the rate the exact -log2 of the discretised
 * Laplace the ARM predicts (ent/laplace_rate.h); latents relaxed with noise,
 * then soft-rounding with an annealed temperature, then straight-through
 * rounding; Adam with a cosine schedule. The result is what the stream
 * holds: integer latents, the synthesis weights in steps chosen for rate +
 * distortion (mlp_steps.h), the integer ARM.
 */
#ifndef E2EC_LATENT_FIT_H
#define E2EC_LATENT_FIT_H

#include <stdint.h>
#include "e2ec.h"
#include "latent_model.h"

typedef struct {
    int levels;        /* pyramid levels, 1..GRID_MAX_LEVELS */
    int hidden;        /* synthesis MLP width */
    int arm_hidden;    /* ARM hidden width, 1..ARM_MAX_HIDDEN */
    int passes;        /* passes over the volume (epochs) */
    int batch;         /* voxels per Adam step, in strips */
    int strips;        /* strips per step: a strip is batch / (nx strips)
                          whole voxel rows of one plane (at least 1, at most
                          the plane), a step the nearest whole number of
                          strips to batch voxels (at least one). The strips
                          cut the volume; a pass visits each once, in a new
                          random order, a step drawing its strips from all
                          over the volume and updating the latents they read,
                          each catching up on the steps it waited for
                          (adam_step_range) */
    float lambda;      /* rate weight (the rate control's knob) */
    float lr_latent, lr_mlp, lr_arm; /* Adam's peak rates (cosine decay); latents in steps of 1 */
    /* LATENT_UPSAMPLE_CUBIC_XY (the default): each coarse level is read
     * along x and y, where its nodes are sparser than the voxels, with Keys'
     * cubic kernel, its parameter learned per level and axis from
     * Catmull-Rom's -0.5 (at lr_keys) until the rounded phase, then rounded
     * to the stream's 1/LATENT_KEYS_UNIT; LATENT_UPSAMPLE_CUBIC: along z too
     * (between the slices: it lost 0.2-0.3 dB on the MR at low rates against
     * x and y alone, docs/latent.md "Upsampling"); LATENT_UPSAMPLE_LINEAR:
     * trilinear */
    int upsample;
    float lr_keys;
    /* the phases, as fractions of steps (0 <= soft_from <= ste_from <= freeze_from <= 1):
     * [0, soft_from) uniform noise on the latents; [soft_from, ste_from)
     * soft-rounding, noise, soft-rounding, the temperature going from t_start
     * to t_end; [ste_from, freeze_from) rounded latents, the gradient straight
     * through; [freeze_from, 1) latents fixed, the synthesis and the ARM adapt
     * to them */
    float soft_from, ste_from, freeze_from;
    float t_start, t_end;
    /* > 0, at lambda <= LATENT_START_MAX_LAMBDA: the fit starts from a
     * Laplacian pyramid of the target in latent units of
     * latent_start_unit(lambda, start_step) of the normalised range, the
     * synthesis from their sum (latent_start.h); else (0, or a larger lambda)
     * the latents start at 0, the synthesis at random */
    float start_step;
    /* nonzero: after training, each finest latent re-chosen for rate +
     * lambda distortion with the final synthesis and integer ARM */
    int requantise;
    /* the ARM coded: LATENT_ARM_FIT the fit's own at each layer's finest
     * step, LATENT_ARM_STEPS the fit's own at steps searched for the latents'
     * bits and its own (arm_steps.h), LATENT_ARM_REFIT (the default) the
     * cheapest of that and ARMs refitted to the coded latents (arm_refit.h) */
    int arm_choice;
    int threads;       /* 0 = OpenMP's default */
    uint64_t seed;
    e2ec_progress_fn progress;
    void *progress_user;
    int progress_every;
} latent_fit_config;

enum { LATENT_ARM_FIT = 0, LATENT_ARM_STEPS = 1, LATENT_ARM_REFIT = 2 };
enum { LATENT_UPSAMPLE_LINEAR = 0, LATENT_UPSAMPLE_CUBIC = 1, LATENT_UPSAMPLE_CUBIC_XY = 2 };


/* The fit's default length and rate weight, which are the latent mode's
 * (mode_latent.c: e2ec_default_epochs and e2ec_default_lambda): 50 passes,
 * the chest CT in about 8 minutes on 2 threads (the mode gives a volume under
 * 2^23 voxels more: e2ec_encode_epochs); lambda 1e-3, about 36.9 dB on the
 * chest CT (bench/results/latent-rd/chest-ct-cubic/). */
#define LATENT_FIT_PASSES 50
#define LATENT_FIT_LAMBDA 1e-3f

/* The start's latent unit at lambda 1e-3 is 12 x sqrt(1e-3) = 0.38 of the
 * range: chosen on the CT sample at 50 passes among 3, 6, 12 and 24
 * (bench/results/latent/start-probe.log). Above LATENT_START_MAX_LAMBDA the
 * zero start did better: at lambda 1e-2 the pyramid start lost 0.5 dB on the
 * MR and 0.7 dB on the whole chest CT at equal rate, where at 3e-3 it gained
 * 0.25 and 0.07 (bench/RESULTS.md "The pyramid start"). */
#define LATENT_START_STEP 12.0f
#define LATENT_START_MAX_LAMBDA 5e-3f

/* The start's latent unit: k * sqrt(lambda) at lambda >= LATENT_START_FULL_LAMBDA,
 * the factor k shrinking as lambda below it, to k / 4 from a quarter of it
 * down (a lambda under 1e-6 sized as 1e-6). Why: on the finest level, where a
 * latent moves its own voxel, a uniform step D gives an error D^2 / 12 for
 * -log2 D bits, so D + lambda R is least at D = sqrt(6 lambda / ln 2), about
 * 3 sqrt(lambda): the unit of 3 sqrt(lambda) is where the high rates want it,
 * 12 sqrt(lambda) where the coarse levels carry the volume (lambda 1e-3 and
 * up; bench/results/latent/start-step-law.log). */
#define LATENT_START_FULL_LAMBDA 1e-3f
float latent_start_unit(float lambda, float k);

void latent_fit_defaults(latent_fit_config *c);

/* Points of the synthesis, latents of the ARM, per chunk of a step (bounds
 * the fit's scratch). */
#define LATENT_FIT_CHUNK 8192

/* The pyramid of an nx ny nz volume with voxel spacing sp (mm): level
 * levels-1 at the volume's resolution; each coarser level halves an axis only
 * where that keeps its node spacing within twice the finest in-plane spacing
 * of that level (thick slices keep z at full resolution for the fine levels). */
e2ec_status latent_shape_for(int levels, uint32_t nx, uint32_t ny, uint32_t nz,
                             const float sp[3], grid_shape *s);

/* The bytes latent_fit allocates for an nx ny nz volume of pyramid s (the
 * memory budget's estimate). */
uint64_t latent_fit_bytes(const grid_shape *s, uint32_t nx, uint32_t ny, uint32_t nz,
                          const latent_fit_config *c);

/* Fits target (nx ny nz values in [0, 1], x fastest, every dimension >= 2). */
e2ec_status latent_fit(const float *target, uint32_t nx, uint32_t ny, uint32_t nz,
                       const float sp[3], const latent_fit_config *c, latent_model *m);

#endif
