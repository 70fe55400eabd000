/*
 * E2EC_MODE_GRID as a codec mode: the quantised feature grid and tiny MLP of
 * grid_fit.h, trained by e2ec_encode and stored in bitstream version 2 with a
 * header section and payload of its own (grid_stream.h; docs/bitstream.md,
 * "GRID mode"), decoded by e2ec_decode / e2ec_decode_slice. Its table is
 * mode_grid (mode.c lists it).
 */
#ifndef E2EC_MODE_GRID_H
#define E2EC_MODE_GRID_H

#include "e2ec.h"
#include "grid_fit.h"

/* The fit e2ec_encode runs for parameters p (e2ec.h, GRID mode). */
void grid_config_from_params(const e2ec_params *p, grid_fit_config *c);

#endif
