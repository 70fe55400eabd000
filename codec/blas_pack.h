/*
 * blas_pack.h - how much of a matrix product's operand OpenBLAS may copy into
 * buffers of its own: when it splits a product across threads it packs the
 * tall operand (rows of points) whole, its short side rounded up to the
 * kernel's register block, 16 floats at most among its x86-64 SGEMM kernels.
 * tests/memory measured it (memory_budget.h counts it).
 */
#ifndef E2EC_BLAS_PACK_H
#define E2EC_BLAS_PACK_H

#include <stdint.h>

static inline uint64_t blas_packed_floats(uint64_t rows, uint64_t width) {
    return rows * ((width + 15) / 16 * 16);
}

#endif
