/*
 * What the latent encoder fits on its model's decode after latent_fit: the
 * value map (value_map.h, version 3), then the post-filter (post_filter.h,
 * version 4) and the post-network (post_cnn.h, version 8), each to the
 * decode as the decoder will have it at that stage; the map kept where it
 * pays at the fit's lambda, then whichever of the two last stages pays more
 * (the stream holds one). Integer voxel types only (an F32 volume gets none).
 */
#ifndef E2EC_LATENT_REFINE_H
#define E2EC_LATENT_REFINE_H

#include "e2ec.h"
#include "latent_model.h"
#include "post_cnn.h"

/* Which stages latent_refine fits (bench_latent turns them off to measure them). */
enum { LATENT_REFINE_MAP = 1, LATENT_REFINE_FILTER = 2, LATENT_REFINE_CNN = 4, LATENT_REFINE_ALL = 7 };

/* m->map, m->filter and m->cnn for volume in (info: its header fields) from
 * m->syn's decode, the network trained as cnn says (its steps set by the
 * caller: post_cnn_steps_for); stages not in `stages` are left empty. */
e2ec_status latent_refine(const e2ec_volume *in, const e2ec_info *info, double lambda, int threads, int stages,
                          const post_cnn_config *cnn, latent_model *m);

/* The bytes latent_refine allocates besides m's (memory estimates), with
 * the default network. */
uint64_t latent_refine_bytes(const e2ec_info *info, int threads);

#endif
