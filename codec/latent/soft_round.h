/*
 * Soft-rounding (Agustsson & Theis 2020, as C3 and Cool-chic train their
 * latents): a smooth stand-in for round(x) whose temperature T sets how close
 * it comes,
 *     sr(x, T) = floor(x) + 1/2 + 1/2 tanh(d / T) / tanh(1 / (2T)),
 *     d = x - floor(x) - 1/2,
 * continuous across the integers, the identity as T grows, round(x) as T -> 0.
 */
#ifndef E2EC_LATENT_SOFT_ROUND_H
#define E2EC_LATENT_SOFT_ROUND_H

/* A temperature's constants, computed once for the many latents a step rounds. */
typedef struct {
    float two_over_t, norm; /* 2 / T, 1 / (2 tanh(1 / (2T))) */
} soft_round_temp;

void soft_round_set(soft_round_temp *k, float t);

/* sr(x, T) for T > 0; *dx gets its derivative in x. */
float soft_round(float x, const soft_round_temp *k, float *dx);

#endif
