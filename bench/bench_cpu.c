/*
 * CPU throughput of the SIREN path: training epochs (full batch, Adam, L1)
 * and grid decoding, at 1 and 2 threads. Prints one line per figure in the
 * form `name: value unit` for bench/cpu to pair with PyTorch's figures.
 * Usage: bench_cpu [GRID=32] [WIDTH=30] [EPOCHS=200]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "siren.h"
#include "threads.h"
#include "siren_fit.h"
#include "train.h"

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv) {
    uint32_t g = argc > 1 ? (uint32_t)atoi(argv[1]) : 32;
    int width = argc > 2 ? atoi(argv[2]) : 30, epochs = argc > 3 ? atoi(argv[3]) : 200;
    siren_config c = {width, 3, 30.0f};
    size_t n = (size_t)g * g * g, np = siren_param_count(&c);
    float *target = malloc(n * sizeof(float)), *params = malloc(np * sizeof(float));
    float *out = malloc(sizeof(float) * 128 * 128 * 64);
    for (size_t i = 0; i < n; i++) target[i] = 0.5f + 0.4f * sinf(0.1f * (float)i);
    printf("grid: %u^3 points, width %d, %zu weights, %d epochs\n", g, width, np, epochs);
    for (int t = 1; t <= 2; t++) {
        int saved = threads_enter(t);
        rng r = {1};
        siren_init(&c, params, &r);
        e2ec_params p;
        e2ec_params_default(&p);
        p.epochs = epochs;
        siren_fit fit;
        siren_fit_init(&fit, &c, g, g, g, target, E2EC_LOSS_L1, 0);
        double t0 = now_s();
        train_loop(&p, np, params, siren_fit_grad, &fit, &r);
        double dt = now_s() - t0;
        siren_fit_free(&fit);
        printf("train_s_per_epoch_t%d: %.6f s\n", t, dt / epochs);
        printf("train_voxel_epochs_per_s_t%d: %.4g\n", t, (double)n * epochs / dt);
        t0 = now_s();
        siren_eval_grid(&c, params, 128, 128, 64, 0, 64, out);
        dt = now_s() - t0;
        printf("decode_voxels_per_s_t%d: %.4g\n", t, 128.0 * 128 * 64 / dt);
        threads_leave(saved);
    }
    free(target), free(params), free(out);
    return 0;
}
