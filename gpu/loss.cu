/*
 * L1 / L2 loss, its gradient and the MSE in one pass (codec/loss.c on the
 * device). The sums are in double, first per block over a fixed grid-stride
 * pattern, then over the blocks by one block: a fixed order, so the same
 * inputs give the same bits (atomics would not).
 */
#include "context.h"
#include "gpu_kernels.h"
#include "gpu_nn.h"

/* Tree sum over the block of one value per thread; every thread gets the total. */
__device__ static double block_sum(double v, double *shared) {
    __syncthreads(); /* shared may still be read from a previous call */
    shared[threadIdx.x] = v;
    __syncthreads();
    for (unsigned s = blockDim.x / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) shared[threadIdx.x] += shared[threadIdx.x + s];
        __syncthreads();
    }
    return shared[0];
}

/* partial[b] = block b's sum of the loss terms, partial[GPU_REDUCE_BLOCKS + b] of d^2. */
__global__ static void loss_kernel(const float *pred, const float *target, size_t n, int l2,
                                   float g, float *dpred, double *partial) {
    __shared__ double shared[GPU_THREADS];
    double sum = 0.0, sq = 0.0;
    GRID_STRIDE(i, n) {
        float d = pred[i] - target[i];
        double d2 = (double)d * d;
        sq += d2;
        sum += l2 ? d2 : fabs((double)d);
        if (dpred) dpred[i] += l2 ? 2.0f * g * d : d > 0 ? g : d < 0 ? -g : 0.0f;
    }
    double total = block_sum(sum, shared);
    if (threadIdx.x == 0) partial[blockIdx.x] = total;
    total = block_sum(sq, shared);
    if (threadIdx.x == 0) partial[GPU_REDUCE_BLOCKS + blockIdx.x] = total;
}

/* The two means go to partial[2 GPU_REDUCE_BLOCKS] and the next double. */
__global__ static void mean_kernel(double *partial, size_t n) {
    __shared__ double shared[GPU_REDUCE_BLOCKS];
    for (int k = 0; k < 2; k++) {
        double total = block_sum(partial[k * GPU_REDUCE_BLOCKS + threadIdx.x], shared);
        if (threadIdx.x == 0) partial[2 * GPU_REDUCE_BLOCKS + k] = total / (double)n;
    }
}

extern "C" e2ec_status gpu_loss_queue(e2ec_cuda *g, e2ec_loss kind, const float *pred,
                                      const float *target, int n, float scale, float *dpred) {
    if (!g || !pred || !target || n < 1 || (kind != E2EC_LOSS_L1 && kind != E2EC_LOSS_L2))
        return E2EC_ERR_ARG;
    loss_kernel<<<GPU_REDUCE_BLOCKS, GPU_THREADS, 0, g->stream>>>(
        pred, target, (size_t)n, kind == E2EC_LOSS_L2, scale / (float)n, dpred, g->partial);
    e2ec_status s = gpu_launch_check(g, "loss_kernel");
    if (s) return s;
    mean_kernel<<<1, GPU_REDUCE_BLOCKS, 0, g->stream>>>(g->partial, (size_t)n);
    return gpu_launch_check(g, "mean_kernel");
}

extern "C" e2ec_status gpu_loss_read(e2ec_cuda *g, double *loss, double *mse) {
    double both[2];
    e2ec_status s = gpu_cuda_check(g, cudaMemcpyAsync(both, g->partial + 2 * GPU_REDUCE_BLOCKS,
                                                      sizeof both, cudaMemcpyDeviceToHost,
                                                      g->stream),
                                   "loss download");
    if (!s) s = e2ec_cuda_sync(g);
    if (s) return s;
    if (loss) *loss = both[0];
    if (mse) *mse = both[1];
    return E2EC_OK;
}

extern "C" e2ec_status gpu_loss(e2ec_cuda *g, e2ec_loss kind, const float *pred,
                                const float *target, int n, float scale, float *dpred,
                                double *loss, double *mse) {
    e2ec_status s = gpu_loss_queue(g, kind, pred, target, n, scale, dpred);
    return s || (!loss && !mse) ? s : gpu_loss_read(g, loss, mse);
}

/* train_loop's full-batch rule on the device: the weights whose loss is the
 * lowest so far are kept. Every thread makes the same comparison; the best
 * loss is updated by a second launch, after all copies have read it. */
__global__ static void keep_best_kernel(float *best, const float *params, size_t n,
                                        const double *loss, const double *best_loss) {
    if (!(*loss < *best_loss)) return; /* NaN never wins */
    GRID_STRIDE(i, n) best[i] = params[i];
}

__global__ static void best_loss_kernel(const double *loss, double *best_loss) {
    if (*loss < *best_loss) *best_loss = *loss;
}

extern "C" e2ec_status gpu_keep_best(e2ec_cuda *g, float *best, const float *params, size_t n,
                                     double *best_loss) {
    const double *loss = g->partial + 2 * GPU_REDUCE_BLOCKS;
    keep_best_kernel<<<gpu_blocks(n), GPU_THREADS, 0, g->stream>>>(best, params, n, loss,
                                                                   best_loss);
    e2ec_status s = gpu_launch_check(g, "keep_best_kernel");
    if (s) return s;
    best_loss_kernel<<<1, 1, 0, g->stream>>>(loss, best_loss);
    return gpu_launch_check(g, "best_loss_kernel");
}

__global__ static void set_kernel(double *p, double value) { *p = value; }

extern "C" e2ec_status gpu_set_double(e2ec_cuda *g, double *p, double value) {
    set_kernel<<<1, 1, 0, g->stream>>>(p, value);
    return gpu_launch_check(g, "set_kernel");
}
