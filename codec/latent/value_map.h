/*
 * The latent mode's value map (bitstream version 3, docs/bitstream.md): after
 * the synthesis, a decoded stored value v that the map lists becomes
 * v + delta(v), delta(v) the mean error of the voxels that decode to v,
 * rounded, listed where it pays for its bytes in the loss the fit minimised
 * (distortion + lambda bits). Why: a draw of the synthesis can leave a
 * systematic error on a few values that its MLP does not remove (on the MR
 * sample, two seeds of eight decode the background, stored 0, to 1..5 over a
 * quarter of it; bench/results/latent/value-map-mr-seeds.log); the map takes
 * it off for tens of bytes. Integers in, integers out: it decodes the same
 * on every machine. Integer voxel types only (an F32 volume has no map).
 */
#ifndef E2EC_LATENT_VALUE_MAP_H
#define E2EC_LATENT_VALUE_MAP_H

#include <stddef.h>
#include <stdint.h>

#include "e2ec.h"

/* An entry in the stream: u16 index (the stored value - vmin), i16 delta. */
#define VALUE_MAP_ENTRY_BYTES 4

typedef struct {
    uint32_t count;
    uint16_t *index; /* the stored value - vmin, strictly ascending */
    int16_t *delta;  /* nonzero, index + delta within 0 .. vmax - vmin */
} value_map;

void value_map_free(value_map *vm);

/* The map for the decode dec (stored values, in's type) of volume in (info:
 * its header fields, as the stream holds them): per stored value the decode
 * gives, the mean of (original - decoded) over the voxels that decode to it,
 * rounded, kept where the squared error it removes, in the fit's units
 * ([0, 1] values), exceeds lambda times its bits. */
e2ec_status value_map_fit(const e2ec_volume *in, const e2ec_info *info, const void *dec, double lambda,
                          value_map *vm);

/* The entries, in stream order, at p (count * VALUE_MAP_ENTRY_BYTES bytes). */
void value_map_write(uint8_t *p, const value_map *vm);

/* The entries a stream's n bytes imply for info's volume (read_header's
 * check): E2EC_ERR_MISMATCH when n is not a whole number of entries, or more
 * than the range has values, or any for an F32 volume. */
e2ec_status value_map_count(size_t n, const e2ec_info *info, uint32_t *count);

/* Whether vm fits info's volume: no more entries than value_map_count
 * allows, indices strictly ascending and deltas nonzero (E2EC_ERR_HEADER),
 * each index and index + delta within the range (E2EC_ERR_MISMATCH). */
e2ec_status value_map_check(const value_map *vm, const e2ec_info *info);

/* The map of the n bytes at p: value_map_count's and value_map_check's
 * errors; vm is freed on error. */
e2ec_status value_map_read(const uint8_t *p, size_t n, const e2ec_info *info, value_map *vm);

/* The decoder's table: delta by index, 0 .. vmax - vmin (NULL for an empty map). */
e2ec_status value_map_table(const value_map *vm, const e2ec_info *info, int16_t **table);
/* The bytes value_map_table allocates (memory estimates). */
uint64_t value_map_table_bytes(const e2ec_info *info);

/* Stored voxels vox[0 .. count) of info's type through the table (NULL: as they are). */
void value_map_apply(const int16_t *table, const e2ec_info *info, void *vox, size_t count);

#endif
