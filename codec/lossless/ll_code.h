/*
 * Coding a volume losslessly with the integer ARM: each voxel, in raster
 * order, is one rANS symbol under the integer Laplace that ll_predict derives
 * from the voxels before it. The decoder runs the same prediction, so the
 * voxels come back bit for bit on any machine and thread count.
 *
 * Each slice is its own rANS stream (8 bytes of state each), so that slices
 * decode side by side as a wavefront: row y of slice z needs rows up to y + 1
 * of slice z - 1 (the context's S neighbour), so a thread on slice z follows
 * the one on slice z - 1 two rows behind. The latent mode may code a level's
 * nz slices in fewer streams, S = ceil(nz / 2^g), slice z in stream z mod S
 * (ll_pack): a level of small or near-constant slices then pays S states and
 * table entries instead of nz, and its slices still decode as a wavefront on
 * up to S threads (stream k's slices k, k + S ... are each one slice after
 * another stream's).
 */
#ifndef E2EC_LOSSLESS_LL_CODE_H
#define E2EC_LOSSLESS_LL_CODE_H

#include <stddef.h>
#include <stdint.h>

#include "e2ec.h"
#include "ent/arm_int.h"
#include "ent/rans.h"
#include "ll_context.h"

/* The largest near-lossless bound (stored units). */
#define LL_MAX_ERROR 255

/* What the coder needs besides the voxels: the alphabet, the input shift, the
 * net and the error bound E. With E > 0 (near-lossless, as JPEG-LS's NEAR)
 * each voxel codes q, its difference from the rounded prediction p in steps
 * of 2E + 1, and decodes to clamp(p + q (2E + 1), lo, hi), within E of the
 * original; the context reads those reconstructed voxels, so the encoder
 * walks the volume as the decoder does. E = 0 codes every voxel exactly. */
typedef struct {
    int32_t lo, hi; /* every voxel in [lo, hi], hi - lo < LAPLACE_MAX_SYMBOLS */
    int shift;      /* in [0, LL_MAX_SHIFT] */
    const arm_int *arm;
    int32_t max_error; /* E in [0, LL_MAX_ERROR] */
} ll_model;

/* E2EC_ERR_HEADER unless lo <= hi, hi - lo < LAPLACE_MAX_SYMBOLS, 0 <= shift
 * <= LL_MAX_SHIFT and 0 <= max_error <= LL_MAX_ERROR. */
e2ec_status ll_model_check(const ll_model *m);

/* A stream holds 2^g slices at most, g <= LL_MAX_GROUP (any nz up to 2^16 in
 * one stream): nz slices (nz >= 1) make ll_streams(nz, g) streams. */
#define LL_MAX_GROUP 16
static inline uint32_t ll_streams(uint32_t nz, int g) { return ((nz - 1) >> g) + 1; }

/* The symbols that code v (nx ny nz voxels) under m, slice after slice in
 * the decoder's order, into syms (nx ny nz entries, the caller's); recon (the
 * caller's, nx ny nz voxels; may be NULL when E = 0) gets what the decoder
 * will give. E2EC_ERR_ARG when a voxel lies outside [lo, hi]. */
e2ec_status ll_symbols(const ll_shape *s, const int32_t *v, const ll_model *m, rans_sym *syms,
                       int32_t *recon);

/* The symbols of rows [y0, y1) of slice z of v under m, E = 0 only (the
 * context is v itself), into syms ((y1 - y0) nx entries): ll_symbols' for
 * those rows, for a caller that costs a sample of a volume
 * (latent/arm_steps.h). E2EC_ERR_ARG for E > 0, rows or a slice outside v,
 * or a voxel outside [lo, hi]. */
e2ec_status ll_row_symbols(const ll_shape *s, const int32_t *v, const ll_model *m, int z, int y0, int y1,
                           rans_sym *syms);

/* Codes the symbols of nz slices of `plane` symbols each in S =
 * ll_streams(nz, g) streams, stream k the slices k, k + S, k + 2S ... in that
 * order: *out (malloc'ed, the caller frees it) holds the streams back to back,
 * sizes (S entries, the caller's) their sizes. g = 0: one stream a slice.
 * E2EC_ERR_ARG for g outside [0, LL_MAX_GROUP] or a symbol out of range. */
e2ec_status ll_pack(const rans_sym *syms, size_t plane, uint32_t nz, int g, uint8_t **out,
                    size_t *len, uint32_t *sizes);

/* ll_symbols, then ll_pack one stream a slice (g = 0): *out (malloc'ed, the caller frees it) holds the nz
 * streams back to back, slice_bytes[z] (nz entries, the caller's) their sizes;
 * recon (nx ny nz voxels, the caller's) gets what the decoder will give (v
 * itself when E = 0). E2EC_ERR_ARG when a voxel lies outside [lo, hi]. */
e2ec_status ll_encode(const ll_shape *s, const int32_t *v, const ll_model *m, uint8_t **out,
                      size_t *len, uint32_t *slice_bytes, int32_t *recon);

/* Fills v (nx ny nz voxels) from the streams as ll_pack wrote them for g
 * (ll_streams(nz, g) sizes); E2EC_ERR_ENTROPY when a
 * stream does not end where its last voxel does, E2EC_ERR_HEADER for a model
 * out of range, E2EC_ERR_TRUNCATED when the sizes add up to more than len,
 * E2EC_ERR_ARG for g outside [0, LL_MAX_GROUP]. */
e2ec_status ll_decode(const ll_shape *s, const uint8_t *buf, size_t len, const uint32_t *sizes,
                      int g, const ll_model *m, int32_t *v);

#endif
