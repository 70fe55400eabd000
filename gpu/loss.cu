/*
 * L1 / L2 loss and its gradient in one pass. The value is summed in double,
 * first per block over a fixed grid-stride pattern, then over the blocks by
 * one block: a fixed order, so the same inputs give the same bits (atomics
 * would not).
 */
#include "context.h"
#include "gpu_kernels.h"
#include "gpu_nn.h"

/* Tree sum of one value per thread in shared memory; thread 0 gets the total. */
__device__ static double block_sum(double v, double *shared) {
    shared[threadIdx.x] = v;
    __syncthreads();
    for (unsigned s = blockDim.x / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) shared[threadIdx.x] += shared[threadIdx.x + s];
        __syncthreads();
    }
    return shared[0];
}

__global__ static void loss_kernel(float *dpred, const float *pred, const float *target,
                                   size_t n, int l2, float inv_n, double *partial) {
    __shared__ double shared[GPU_THREADS];
    double sum = 0.0;
    GRID_STRIDE(i, n) {
        float d = pred[i] - target[i];
        sum += l2 ? (double)d * d : fabs((double)d);
        if (dpred) {
            float grad = l2 ? 2.0f * d : (float)((d > 0.0f) - (d < 0.0f));
            dpred[i] += grad * inv_n;
        }
    }
    double total = block_sum(sum, shared);
    if (threadIdx.x == 0) partial[blockIdx.x] = total;
}

__global__ static void mean_kernel(double *partial, size_t n) {
    __shared__ double shared[GPU_REDUCE_BLOCKS];
    double total = block_sum(partial[threadIdx.x], shared);
    if (threadIdx.x == 0) partial[GPU_REDUCE_BLOCKS] = total / (double)n;
}

extern "C" e2ec_status gpu_loss_queue(e2ec_cuda *g, e2ec_loss kind, float *dpred,
                                      const float *pred, const float *target, int n) {
    if (!g || !pred || !target || n < 1 || (kind != E2EC_LOSS_L1 && kind != E2EC_LOSS_L2))
        return E2EC_ERR_ARG;
    loss_kernel<<<GPU_REDUCE_BLOCKS, GPU_THREADS, 0, g->stream>>>(
        dpred, pred, target, (size_t)n, kind == E2EC_LOSS_L2, 1.0f / (float)n, g->partial);
    e2ec_status s = gpu_launch_check(g, "loss_kernel");
    if (s) return s;
    mean_kernel<<<1, GPU_REDUCE_BLOCKS, 0, g->stream>>>(g->partial, (size_t)n);
    return gpu_launch_check(g, "mean_kernel");
}

extern "C" e2ec_status gpu_loss_read(e2ec_cuda *g, double *loss) {
    e2ec_status s = gpu_cuda_check(g, cudaMemcpyAsync(loss, g->partial + GPU_REDUCE_BLOCKS,
                                                      sizeof *loss, cudaMemcpyDeviceToHost,
                                                      g->stream),
                                   "loss download");
    return s ? s : e2ec_cuda_sync(g);
}

extern "C" e2ec_status gpu_loss(e2ec_cuda *g, e2ec_loss kind, float *dpred, const float *pred,
                                const float *target, int n, double *loss) {
    e2ec_status s = gpu_loss_queue(g, kind, dpred, pred, target, n);
    return s || !loss ? s : gpu_loss_read(g, loss);
}
