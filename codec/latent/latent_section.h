/*
 * The latent mode's part of its stream (docs/bitstream.md, "LATENT mode"): a
 * header section at offset 104 that says everything the payload's sizes are
 * derived from (levels, each level's resolution, ARM input shift, alphabet and
 * coded bytes, slices per stream, the synthesis MLP's width, the ARM's
 * shape), then the payload:
 * from version 5 the networks coded (net_section.h: the ARM's integer tensors
 * and the synthesis MLP's in steps), then each level's table and rANS streams
 * (lossless/ll_section.h's ll_slices_*, coded by ll_pack: from version 6 a
 * stream holds 2^g of the level's slices, g the level's, chosen by the
 * encoder; before, one a slice); before
 * version 5 the ARM's tensors stored (ent/arm_section.h) before the levels and
 * the MLP's weights as binary16 after them; from version 3 the value map
 * (value_map.h); from version 4 the post-filter (post_filter.h), last.
 *
 * Storing each level's resolution (rather than deriving it from the spacing)
 * keeps the format independent of how the encoder chooses its pyramid: the
 * reader only checks that the levels nest (each at most its finer neighbour,
 * at least 2 nodes per axis) and that the finest is the volume's grid.
 */
#ifndef E2EC_LATENT_SECTION_H
#define E2EC_LATENT_SECTION_H

#include <stddef.h>
#include <stdint.h>

#include "e2ec.h"
#include "latent_model.h"
#include "mode_ops.h"

/* Offsets within the header section. */
enum {
    LAT_HDR_LEVELS = 0,     /* u8: L, 1..E2EC_MAX_LATENT_LEVELS */
    LAT_HDR_ARM_CTX = 1,    /* u8: the ARM's inputs, LL_CTX */
    LAT_HDR_ARM_HIDDEN = 2, /* u8: 1..ARM_MAX_HIDDEN */
    LAT_HDR_ARM_SHIFT = 3,  /* 3 x u8: 0..ARM_MAX_SHIFT */
    LAT_HDR_HIDDEN = 6,     /* u16: the synthesis MLP's width, 1..E2EC_MAX_GRID_HIDDEN */
    LAT_HDR_LEVEL = 8,      /* E2EC_MAX_LATENT_LEVELS slots of LAT_LEVEL_BYTES, coarse to
                               fine; the slots from L on are all zero */
    /* within a level's slot */
    LAT_LVL_RES = 0,        /* 3 x u16: nodes along x, y, z */
    LAT_LVL_SHIFT = 6,      /* u8: the ARM's input shift, 0..LL_MAX_SHIFT */
    LAT_LVL_GROUP = 7,      /* u8: g, the level's rANS streams hold 2^g slices (version 6;
                               before, 0: one a slice) */
    LAT_LVL_LO = 8,         /* i32: the alphabet [lo, hi] */
    LAT_LVL_HI = 12,        /* i32 */
    LAT_LVL_BYTES = 16,     /* u32: the level's stream table and streams */
    LAT_LEVEL_BYTES = 20,
    LATENT_HEADER_BYTES = LAT_HDR_LEVEL + E2EC_MAX_LATENT_LEVELS * LAT_LEVEL_BYTES
};

/* The weights n_weights counts: the synthesis MLP's and the ARM's. */
uint32_t latent_weight_count(int levels, int hidden, int arm_hidden);

/* Codes m into out: the header section and out->info's latent and grid
 * fields (the caller sets the volume's fields first, nx ny nz among them),
 * n_weights, and the payload. E2EC_ERR_ARG when m does not fit the stream's
 * fields (a resolution that does not nest, an alphabet too wide, a latent
 * outside its level's alphabet, an MLP weight that is not a whole number of
 * its tensor's step m->mlp_q), E2EC_ERR_LIMIT for networks that code in more
 * than 65,535 bytes (net_section_code). */
e2ec_status latent_section_pack(const latent_model *m, mode_stream *out);

/* mode_ops.read_header: the header section at sec, in stream order, every
 * field checked before anything is derived from it; then the latents' count
 * against its cap, n_weights and weights_bytes against the sizes the fields
 * imply. */
e2ec_status latent_section_read_header(const uint8_t *sec, e2ec_info *in);

/* mode_ops.read_payload_info: what follows the MLP in a payload of n bytes
 * (info's header fields read): post_filter (version 4: post_filter_read's
 * errors) and value_map_entries (value_map_count's). */
e2ec_status latent_section_read_payload_info(const uint8_t *payload, size_t n, e2ec_info *in);

/* The model of a payload of n bytes (info as read from the same stream):
 * the ARM (E2EC_ERR_WEIGHTS beyond its bounds), every level's latents
 * (ll_slices_read's and ll_decode's errors: E2EC_ERR_ENTROPY for a stream that
 * does not end where its last symbol does), the MLP (E2EC_ERR_WEIGHTS for a
 * NaN or infinity), the post-filter and the value map (their reads' errors);
 * E2EC_ERR_MISMATCH when n is not what info says. m is freed on error. */
e2ec_status latent_section_read(const uint8_t *payload, size_t n, const e2ec_info *info,
                                latent_model *m);

#endif
