/*
 * The lossless mode between a volume and its section: fit the ARM to the
 * volume's voxels, quantise it, code the voxels, lay out the section; and
 * back. Integer volumes only (U8, I16, U16): any 16-bit alphabet is coded.
 */
#ifndef E2EC_LOSSLESS_LL_VOLUME_H
#define E2EC_LOSSLESS_LL_VOLUME_H

#include <stddef.h>
#include <stdint.h>

#include "e2ec.h"
#include "ll_fit.h"

/* The fit's defaults: hidden 24, 1,500 Adam steps of 4,096 voxels, lr 3e-3
 * (bench/results/lossless/settings.log: bench/bench_lossless on the chest CT
 * sample at other widths and lengths). */
void ll_fit_opts_default(ll_fit_opts *o);

/* *section is malloc'ed; *fit_bits is the rate the fit expects per voxel
 * (of the lossless code). max_error E > 0 codes near-lossless: every voxel
 * within E (the ARM is fitted for E = 0 and its scale divided by 2E + 1).
 * E2EC_ERR_UNSUPPORTED for float voxels, E2EC_ERR_LIMIT for E > LL_MAX_ERROR. */
e2ec_status ll_compress(const e2ec_volume *v, const ll_fit_opts *o, int32_t max_error,
                        uint8_t **section, size_t *n, double *fit_bits);

/* Decodes a section into out, whose dims and type are set and data allocated. */
e2ec_status ll_decompress(const uint8_t *section, size_t n, e2ec_volume *out);

/* The first z1 slices only (0 < z1 <= out->nz; out->data holds z1 slices):
 * a slice's context reaches two slices back, so slice z needs every slice
 * before it; the section is checked whole all the same. */
e2ec_status ll_decompress_planes(const uint8_t *section, size_t n, e2ec_volume *out, uint32_t z1);

/* Peak bytes of ll_compress / ll_decompress beyond the input and output volumes. */
uint64_t ll_compress_memory(uint64_t voxels, uint32_t nz);
uint64_t ll_decompress_memory(uint64_t voxels, uint32_t nz);

#endif
