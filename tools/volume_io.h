/*
 * volume_io.h - reading and writing volume files for the e2ec tools, chosen by
 * the file name's extension:
 *   .nii .nii.gz   NIfTI-1          (read and written through ITK)
 *   .mha           MetaImage        (read and written through ITK)
 *   .mhd           MetaImage header + data file (read only: two files cannot
 *                  be replaced atomically together; write .mha instead)
 *   .raw           bare voxels, x fastest then y then z, host byte order; the
 *                  layout (dims, type, spacing) comes from the command line
 * Voxel types: u8, i16, u16, f32, one component, 2D (read as nz = 1) or 3D.
 * Anything else is refused with E2EC_ERR_FORMAT and a reason. Spacing is kept;
 * origin and orientation are not (the codec does not store them).
 * Outputs are written atomically (util/atomic_file.h).
 * On failure, `why` (why_len bytes) holds a sentence naming the problem.
 */
#ifndef E2EC_TOOLS_VOLUME_IO_H
#define E2EC_TOOLS_VOLUME_IO_H

#include <stddef.h>
#include "e2ec.h"

/* Layout of a .raw input, which has no header; zero fields are "not given". */
typedef struct {
    uint32_t nx, ny, nz;
    e2ec_voxel_type type;
    float spacing[3];
} raw_layout;

e2ec_status volume_read(const char *path, const raw_layout *raw, e2ec_volume *out, char *why,
                        size_t why_len);
e2ec_status volume_write(const char *path, const e2ec_volume *v, char *why, size_t why_len);

/* "u8", "i16", "u16", "f32" (or "?"), and back: 0 when the name is unknown. */
const char *volume_type_name(e2ec_voxel_type t);
e2ec_voxel_type volume_type_parse(const char *name);

#endif
