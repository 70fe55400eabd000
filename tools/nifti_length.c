/* Data length check of NIfTI files (nifti_length.h). The header fields used
 * are those of the NIfTI-1 and NIfTI-2 standards: sizeof_hdr, dim, bitpix,
 * vox_offset. zlib's gz* functions read .nii and .nii.gz alike. */
#include "nifti_length.h"
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

/* Little- or big-endian integers as the header's own byte order says. */
static uint64_t get(const unsigned char *p, int bytes, int swap) {
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++) v |= (uint64_t)p[swap ? bytes - 1 - i : i] << (8 * i);
    return v;
}

static double get_f32(const unsigned char *p, int swap) {
    uint32_t u = (uint32_t)get(p, 4, swap);
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* Bytes the header says the file holds: vox_offset + voxels * bitpix / 8;
 * 0 when the header is not one we understand. */
static uint64_t declared_length(const unsigned char *h, size_t n) {
    int swap = 0;
    uint32_t size = (uint32_t)get(h, 4, 0);
    if (size != 348 && size != 540) swap = 1, size = (uint32_t)get(h, 4, 1);
    int v2 = size == 540;
    if ((size != 348 && size != 540) || n < size) return 0;
    /* field offsets: NIfTI-1 dim@40 int16, bitpix@72, vox_offset@108 float;
     * NIfTI-2 bitpix@14, dim@16 int64, vox_offset@168 int64 */
    int dsz = v2 ? 8 : 2;
    const unsigned char *dim = h + (v2 ? 16 : 40);
    uint64_t nd = get(dim, dsz, swap), bitpix = get(h + (v2 ? 14 : 72), 2, swap);
    if (nd < 1 || nd > 7 || bitpix == 0 || bitpix % 8) return 0;
    uint64_t voxels = 1;
    for (uint64_t i = 1; i <= nd; i++) {
        uint64_t d = get(dim + i * dsz, dsz, swap);
        if (d == 0 || d > (1u << 24) || voxels > (UINT64_MAX >> 24) / d) return 0;
        voxels *= d;
    }
    double off = v2 ? (double)get(h + 168, 8, swap) : get_f32(h + 108, swap);
    if (!(off >= 0 && off < 1e12)) return 0;
    if (off < size) off = size; /* a 0 vox_offset (.hdr/.img pairs) is no data offset */
    return (uint64_t)off + voxels * (bitpix / 8);
}

e2ec_status nifti_check_length(const char *path, char *why, size_t why_len) {
    gzFile f = gzopen(path, "rb");
    if (!f) {
        snprintf(why, why_len, "%s: cannot open", path);
        return E2EC_ERR_IO;
    }
    unsigned char head[540], buf[1 << 16];
    int n = gzread(f, head, sizeof head);
    uint64_t want = n > 0 ? declared_length(head, (size_t)n) : 0, have = n > 0 ? (uint64_t)n : 0;
    for (int r; want && have < want && (r = gzread(f, buf, sizeof buf)) > 0;) have += (uint64_t)r;
    gzclose(f);
    if (!want) {
        snprintf(why, why_len, "%s: not a NIfTI-1 or NIfTI-2 header", path);
        return E2EC_ERR_FORMAT;
    }
    if (have < want) {
        snprintf(why, why_len, "%s: truncated: the header declares %llu bytes, the file holds %llu",
                 path, (unsigned long long)want, (unsigned long long)have);
        return E2EC_ERR_FORMAT;
    }
    return E2EC_OK;
}
