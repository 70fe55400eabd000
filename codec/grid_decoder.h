/* The decoder of the modes whose model is a grid_model read by
 * grid_decode_planes (grid, latent): the model unpacked once by the mode's
 * decode_open, then planes synthesised slab by slab into stored voxels
 * (slab_decode.h). Its functions are those of mode_ops.h's decode_planes and
 * decode_close. */
#ifndef E2EC_GRID_DECODER_H
#define E2EC_GRID_DECODER_H

#include <stdint.h>
#include "e2ec.h"
#include "grid_fit.h"

typedef struct {
    e2ec_info info;
    grid_model m;
    uint32_t slab; /* output planes synthesised per pass */
    grid_synth w;  /* the synthesis' buffers, for every slab */
} grid_decoder;

/* A decoder for info with the model m (taken over: freed by grid_decoder_close,
 * also when this fails). */
e2ec_status grid_decoder_new(const e2ec_info *info, grid_model *m, uint32_t slab, void **dec);

/* Bytes of decoding planes [z0, z1) besides unpacking the payload: the model
 * (its ng integers and nw weights), the synthesis' buffers (grid_synth), a
 * slab of floats, the threads' allowance; with the output volume when whole. */
uint64_t grid_decoder_memory(const e2ec_info *info, uint64_t ng, uint64_t nw, uint32_t slab,
                             uint32_t z0, uint32_t z1, int whole, int threads);

e2ec_status grid_decoder_planes(void *dec, uint32_t z0, uint32_t z1, void *dst);
void grid_decoder_close(void *dec);

#endif
