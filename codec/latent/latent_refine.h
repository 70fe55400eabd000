/*
 * What the latent encoder fits on its model's decode after latent_fit: the
 * value map (value_map.h, version 3), then the post-filter (post_filter.h,
 * version 4), each to the decode as the decoder will have it at that stage,
 * each kept where it pays at the fit's lambda. Integer voxel types only (an
 * F32 volume gets neither).
 */
#ifndef E2EC_LATENT_REFINE_H
#define E2EC_LATENT_REFINE_H

#include "e2ec.h"
#include "latent_model.h"

/* Which stages latent_refine fits (bench_latent turns them off to measure them). */
enum { LATENT_REFINE_MAP = 1, LATENT_REFINE_FILTER = 2, LATENT_REFINE_ALL = 3 };

/* m->map and m->filter for volume in (info: its header fields) from m->syn's
 * decode; stages not in `stages` are left empty. */
e2ec_status latent_refine(const e2ec_volume *in, const e2ec_info *info, double lambda, int threads, int stages,
                          latent_model *m);

/* The bytes latent_refine allocates besides m's (memory estimates). */
uint64_t latent_refine_bytes(const e2ec_info *info, int threads);

#endif
