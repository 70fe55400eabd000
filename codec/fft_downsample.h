/* Paper Eq. 1: y = F_LR^-1 D F_HR x, a true 3D low-pass downsampling. */
#ifndef E2EC_FFT_DOWNSAMPLE_H
#define E2EC_FFT_DOWNSAMPLE_H

#include <stdint.h>
#include "e2ec.h"

/* The low-resolution size of an axis of n voxels at scale s: max(1, n / s)
 * (integer division). Shared by encoder, decoder and bitstream validation. */
uint32_t lowres_size(uint32_t n, int scale);

/*
 * in: (nx, ny, nz) floats, x fastest. out: (mx, my, mz) with m <= n per axis.
 * Forward real-to-complex FFT (FFTW, single precision), keep the centred
 * low-frequency block of the target size (frequencies |k| < m/2; the Nyquist
 * plane of an even target is zeroed since it cannot carry phase), shift the
 * phase so that output sample j lies at the CENTRE of its s-voxel cell of the
 * input (position (j + 0.5) * n/m - 0.5, the same cell-centred convention the
 * coordinates use), inverse FFT at the target size, scaled so the mean is kept.
 */
e2ec_status fft_downsample(const float *in, uint32_t nx, uint32_t ny, uint32_t nz,
                           float *out, uint32_t mx, uint32_t my, uint32_t mz);
/* Upper bound of the bytes fft_downsample allocates with `threads` OpenMP
 * threads (intermediates, which count the output too, and per-thread buffers;
 * memory_budget.h). */
size_t fft_downsample_bytes(uint32_t nx, uint32_t ny, uint32_t nz, uint32_t mx, uint32_t my,
                            uint32_t mz, int threads);

#endif
