/*
 * A codec mode behind one table of functions (mode_ops.h). What every stream
 * shares (the public calls of encode.c and decode.c, the memory limits, the
 * container of bitstream.c, the near-lossless residual, rate control) knows no
 * mode: it looks the mode of the parameters or of the stream up here and calls
 * through its table.
 *
 * A mode is added by writing its file(s), which define its e2ec_mode_ops, and
 * one entry in mode.c's list; its stream fields and payload are documented in
 * docs/bitstream.md (a new mode bumps the bitstream version). The modes:
 * mode_siren.c, mode_siren_ds.c and mode_e2e.c (the paper's three, which share
 * network_codec.c), mode_grid.c and mode_latent.c (which share grid_decoder.c),
 * mode_lossless.c.
 */
#ifndef E2EC_MODE_H
#define E2EC_MODE_H

#include "mode_ops.h"

/* The table of mode m (an e2ec_mode, or a mode byte read from a stream);
 * NULL for a mode this build does not know. */
const e2ec_mode_ops *e2ec_mode_ops_of(int m);

#endif
