/* The intensity mapping between stored values and the [0,1] range the
 * networks learn: n = (v - vmin) / (vmax - vmin), with vmin/vmax the volume's
 * own extremes. */
#ifndef E2EC_VOLUME_NORM_H
#define E2EC_VOLUME_NORM_H

#include "e2ec.h"

/* Smallest and largest stored value. */
void volume_minmax(const e2ec_volume *v, double *vmin, double *vmax);
/* The header fields every mode's stream takes from the volume it codes: its
 * dims, the SIREN grid's equal to them (scale 1; the paper's modes then set
 * their own), spacing, type, bits_stored, and its range vmin..vmax. */
void volume_header(const e2ec_volume *v, e2ec_info *info);
/* Voxel count, 0 if a dimension is 0. */
size_t volume_voxels(const e2ec_volume *v);
/* out[i] = (v[i] - vmin) / (vmax - vmin), or 0 where vmax == vmin. */
void volume_to_normalised(const e2ec_volume *v, double vmin, double vmax, float *out);
/* The inverse: clamps n to [0,1], maps back, rounds and clamps to the type's
 * range and to bits_stored for integer types. Writes count voxels at dst. */
void normalised_to_stored(const float *n, size_t count, double vmin, double vmax,
                          e2ec_voxel_type type, int bits_stored, void *dst);
/* Range of values a type with bits_stored significant bits can hold. */
void stored_range(e2ec_voxel_type type, int bits_stored, double *lo, double *hi);

#endif
