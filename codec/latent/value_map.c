/* The latent mode's value map (value_map.h). */
#include "value_map.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bytes_le.h"
#include "volume_norm.h"
#include "voxel_int.h"

void value_map_free(value_map *vm) {
    free(vm->index), free(vm->delta);
    memset(vm, 0, sizeof *vm);
}

/* The values a volume's map can list: vmax - vmin + 1 (0: none, F32). */
static uint32_t values_of(const e2ec_info *info) {
    if (info->type == E2EC_F32 || !(info->vmax - info->vmin < 65536.0)) return 0;
    return (uint32_t)(info->vmax - info->vmin) + 1;
}

static e2ec_status alloc_entries(value_map *vm, uint32_t count) {
    vm->count = count;
    if (!count) return E2EC_OK;
    vm->index = malloc(count * sizeof *vm->index);
    vm->delta = malloc(count * sizeof *vm->delta);
    if (vm->index && vm->delta) return E2EC_OK;
    value_map_free(vm);
    return E2EC_ERR_NOMEM;
}

/* Per stored value index, the voxels that decode to it (n) and their summed
 * error (original - decoded, e). */
static void tally(const e2ec_volume *in, const e2ec_info *info, const void *dec, uint64_t *n, int64_t *e) {
    int64_t lo = (int64_t)info->vmin;
    uint32_t values = values_of(info);
    size_t count = volume_voxels(in);
    for (size_t i = 0; i < count; i++) {
        int64_t d = voxel_int(dec, in->type, i), j = d - lo;
        if (j < 0 || j >= (int64_t)values) continue; /* never: the decode is clamped to the range */
        n[j]++, e[j] += voxel_int(in->data, in->type, i) - d;
    }
}

e2ec_status value_map_fit(const e2ec_volume *in, const e2ec_info *info, const void *dec, double lambda,
                          value_map *vm) {
    memset(vm, 0, sizeof *vm);
    uint32_t values = values_of(info);
    if (values < 2) return alloc_entries(vm, 0);
    uint64_t *n = calloc(values, sizeof *n);
    int64_t *e = calloc(values, sizeof *e);
    e2ec_status st = n && e ? E2EC_OK : E2EC_ERR_NOMEM;
    if (!st) tally(in, info, dec, n, e);
    /* an entry removes 2 delta e - n delta^2 of squared error (stored units);
     * it pays where that, over range^2, exceeds lambda times its bits */
    double range = (double)(values - 1), bar = lambda * 8.0 * VALUE_MAP_ENTRY_BYTES * range * range;
    uint32_t count = 0;
    for (uint32_t j = 0; j < values && !st; j++) {
        double d = n[j] ? nearbyint((double)e[j] / (double)n[j]) : 0.0;
        d = d < -(double)j ? -(double)j : d > range - j ? range - j : d; /* stays within the range */
        d = d < -32767.0 ? -32767.0 : d > 32767.0 ? 32767.0 : d;
        double gain = 2.0 * d * (double)e[j] - (double)n[j] * d * d;
        e[j] = d != 0.0 && gain > bar ? (int64_t)d : 0; /* the delta kept, or 0 */
        count += e[j] != 0;
    }
    if (!st) st = alloc_entries(vm, count);
    for (uint32_t j = 0, k = 0; j < values && !st; j++)
        if (e[j]) vm->index[k] = (uint16_t)j, vm->delta[k] = (int16_t)e[j], k++;
    free(n), free(e);
    return st;
}

void value_map_write(uint8_t *p, const value_map *vm) {
    for (uint32_t k = 0; k < vm->count; k++, p += VALUE_MAP_ENTRY_BYTES) {
        put_u16(p, vm->index[k]);
        put_u16(p + 2, (uint16_t)vm->delta[k]);
    }
}

e2ec_status value_map_count(size_t n, const e2ec_info *info, uint32_t *count) {
    if (n % VALUE_MAP_ENTRY_BYTES || n / VALUE_MAP_ENTRY_BYTES > values_of(info)) return E2EC_ERR_MISMATCH;
    *count = (uint32_t)(n / VALUE_MAP_ENTRY_BYTES);
    return E2EC_OK;
}

e2ec_status value_map_check(const value_map *vm, const e2ec_info *info) {
    uint32_t count;
    e2ec_status st = value_map_count((size_t)vm->count * VALUE_MAP_ENTRY_BYTES, info, &count);
    int64_t values = values_of(info), prev = -1;
    for (uint32_t k = 0; k < vm->count && !st; k++) {
        int64_t j = vm->index[k], d = vm->delta[k];
        if (j <= prev || d == 0) st = E2EC_ERR_HEADER;
        else if (j >= values || j + d < 0 || j + d >= values) st = E2EC_ERR_MISMATCH;
        prev = j;
    }
    return st;
}

e2ec_status value_map_read(const uint8_t *p, size_t n, const e2ec_info *info, value_map *vm) {
    memset(vm, 0, sizeof *vm);
    uint32_t count;
    e2ec_status st = value_map_count(n, info, &count);
    if (!st) st = alloc_entries(vm, count);
    for (uint32_t k = 0; k < count && !st; k++, p += VALUE_MAP_ENTRY_BYTES)
        vm->index[k] = (uint16_t)get_u16(p), vm->delta[k] = (int16_t)get_u16(p + 2);
    if (!st) st = value_map_check(vm, info);
    if (st) value_map_free(vm);
    return st;
}

uint64_t value_map_table_bytes(const e2ec_info *info) { return (uint64_t)values_of(info) * sizeof(int16_t); }

e2ec_status value_map_table(const value_map *vm, const e2ec_info *info, int16_t **table) {
    *table = NULL;
    if (!vm->count) return E2EC_OK;
    uint32_t values = values_of(info);
    if (!values) return E2EC_ERR_ARG;
    *table = calloc(values, sizeof **table);
    if (!*table) return E2EC_ERR_NOMEM;
    for (uint32_t k = 0; k < vm->count; k++)
        if (vm->index[k] < values) (*table)[vm->index[k]] = vm->delta[k];
    return E2EC_OK;
}

void value_map_apply(const int16_t *table, const e2ec_info *info, void *vox, size_t count) {
    if (!table) return;
    int64_t lo = (int64_t)info->vmin, values = values_of(info);
    /* a decoded voxel lies within [vmin, vmax] (normalised_to_stored clamps);
     * the bound is checked all the same */
    #pragma omp parallel for schedule(static) if (count >= (1u << 16))
    for (size_t i = 0; i < count; i++) {
        int64_t v = voxel_int(vox, info->type, i), j = v - lo;
        if (j >= 0 && j < values && table[j]) set_voxel_int(vox, info->type, i, v + table[j]);
    }
}
