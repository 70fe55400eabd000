/*
 * GPU SIREN training throughput against the CPU in the same run: full-batch
 * epochs (Adam, L1) on a GRID^3 cell-centred grid, the same target and
 * initial weights as bench_cpu.c. FP32 (the reference) and TF32 GEMMs, each
 * with the PSNR of the fit it reached, so the two can be compared at equal
 * epochs. Prints `name: value unit` lines for bench/gpu.
 * FLOPs per sample and epoch, counted as GEMM work only (sines, loss and Adam
 * are memory-bound): forward 2 (3 W + (L-1) W^2 + W); backward, dw and din
 * of every layer but the first's din: 4 (L-1) W^2 + 10 W.
 * Usage: bench_gpu [GRID=32] [WIDTH=30] [EPOCHS=2000] [CPU_EPOCHS=20]
 */
#include <cuda_runtime_api.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "e2ec_cuda.h"
#include "siren.h"
#include "siren_fit.h"
#include "train.h"

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void die(const char *what, e2ec_status s, const e2ec_cuda *g) {
    fprintf(stderr, "bench_gpu: %s: %s (%s)\n", what, e2ec_strerror(s), e2ec_cuda_error(g));
    exit(1);
}

/* FP32 peak of the device: SMs x 128 FP32 lanes (sm_80 to sm_90) x 2 (FMA) x clock. */
static double fp32_peak(void) {
    int dev = 0, sms = 0, khz = 0;
    cudaGetDevice(&dev);
    cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev);
    cudaDeviceGetAttribute(&khz, cudaDevAttrClockRate, dev);
    return (double)sms * 128 * 2 * khz * 1e3;
}

int main(int argc, char **argv) {
    uint32_t gr = argc > 1 ? (uint32_t)atoi(argv[1]) : 32;
    int width = argc > 2 ? atoi(argv[2]) : 30, epochs = argc > 3 ? atoi(argv[3]) : 2000;
    int cpu_epochs = argc > 4 ? atoi(argv[4]) : 20;
    if (gr < 2 || width < 1 || epochs < 1 || cpu_epochs < 1) {
        fprintf(stderr, "usage: bench_gpu [GRID] [WIDTH] [EPOCHS] [CPU_EPOCHS]\n");
        return 2;
    }
    if (!e2ec_cuda_available()) {
        fprintf(stderr, "bench_gpu: no CUDA device\n");
        return 77;
    }
    e2ec_cuda *g = NULL;
    e2ec_status s = e2ec_cuda_create(&g, 0);
    if (s) die("e2ec_cuda_create", s, g);
    char desc[256];
    e2ec_cuda_describe(g, desc, sizeof desc);

    siren_config c = {width, 3, 30.0f};
    int n = (int)(gr * gr * gr);
    size_t np = siren_param_count(&c);
    float *target = malloc((size_t)n * sizeof(float)), *coords = malloc(3 * (size_t)n * sizeof(float));
    float *init = malloc(np * sizeof(float)), *params = malloc(np * sizeof(float));
    for (int i = 0; i < n; i++) {
        target[i] = 0.5f + 0.4f * sinf(0.1f * (float)i); /* bench_cpu's target */
        coords[3 * i + 0] = grid_coord((uint32_t)i % gr, gr);
        coords[3 * i + 1] = grid_coord((uint32_t)i / gr % gr, gr);
        coords[3 * i + 2] = grid_coord((uint32_t)i / (gr * gr), gr);
    }
    rng r = {1};
    siren_init(&c, init, &r);
    double W = width, L = c.layers;
    double flops = 2 * (3 * W + (L - 1) * W * W + W) + 2 * (2 * (L - 1) * W * W + 3 * W + 2 * W);
    printf("device: %s\n", desc);
    printf("grid: %u^3 points, width %d, %zu weights, %d GPU epochs, %d CPU epochs\n", gr, width,
           np, epochs, cpu_epochs);
    printf("flop_per_sample_epoch: %.0f\n", flops);

    double gpu_s_fp32 = 0.0;
    for (int tf32 = 0; tf32 <= 1; tf32++) {
        const char *tag = tf32 ? "tf32" : "fp32";
        if ((s = e2ec_cuda_set_tf32(g, tf32))) die("set_tf32", s, g);
        size_t free0 = 0, total = 0, free1 = 0;
        cudaMemGetInfo(&free0, &total);
        e2ec_cuda_siren_trainer *t = NULL;
        s = e2ec_cuda_siren_trainer_create(&t, g, &c, init, coords, target, n, E2EC_LOSS_L1,
                                           1.5e-3f);
        if (s) die("trainer_create", s, g);
        double loss = 0, mse = 0;
        /* the first step pays for cuBLAS's heuristics and lazy loading: time it apart */
        double t0 = now_s();
        if ((s = e2ec_cuda_siren_train_step(t, &loss, &mse))) die("train_step", s, g);
        double first = now_s() - t0;
        cudaMemGetInfo(&free1, &total);
        t0 = now_s();
        for (int e = 2; e <= epochs && !s; e++)
            s = e2ec_cuda_siren_train_step(t, e == epochs ? &loss : NULL, e == epochs ? &mse : NULL);
        if (s) die("train_step", s, g);
        double dt = (now_s() - t0) / (epochs > 1 ? epochs - 1 : 1);
        if (!tf32) gpu_s_fp32 = dt;
        printf("gpu_%s_first_epoch_s: %.6f s\n", tag, first);
        printf("gpu_%s_train_s_per_epoch: %.3g s\n", tag, dt);
        printf("gpu_%s_train_voxel_epochs_per_s: %.4g\n", tag, n / dt);
        printf("gpu_%s_gflop_per_s: %.1f (%.2f%% of the FP32 peak %.1f TFLOP/s)\n", tag,
               flops * n / dt * 1e-9, 100 * flops * n / dt / fp32_peak(), fp32_peak() * 1e-12);
        printf("gpu_%s_final_loss: %.6g\n", tag, loss);
        printf("gpu_%s_final_psnr_db: %.3f\n", tag, -10 * log10(mse));
        printf("gpu_%s_memory_mib: %.1f (device memory in use after the first step, "
               "less before the trainer)\n", tag, (double)(free0 - free1) / (1 << 20));
        e2ec_cuda_siren_trainer_destroy(t);
    }

    /* The CPU side: train_loop + siren_fit with OpenMP's default thread count. */
    e2ec_params p;
    memset(&p, 0, sizeof p); /* train_loop reads only what is set here; no progress */
    p.epochs = cpu_epochs, p.lr = 1.5e-3f, p.loss = E2EC_LOSS_L1, p.batch = 0;
    memcpy(params, init, np * sizeof(float));
    siren_fit fit;
    if ((s = siren_fit_init(&fit, &c, gr, gr, gr, target, E2EC_LOSS_L1, 0))) die("fit", s, g);
    double t0 = now_s();
    if ((s = train_loop(&p, np, params, siren_fit_grad, &fit, &r))) die("train_loop", s, g);
    double cpu_dt = (now_s() - t0) / cpu_epochs;
    siren_fit_free(&fit);
    printf("cpu_train_s_per_epoch: %.3g s\n", cpu_dt);
    printf("ratio_cpu_over_gpu_fp32: %.1f\n", cpu_dt / gpu_s_fp32);
    e2ec_cuda_destroy(g);
    free(target), free(coords), free(init), free(params);
    return 0;
}
