/*
 * Seconds per E2E training step (SIREN -> SRNO, full batch, Adam, L1) on a
 * 32^3 -> 64^3 volume at the default architecture, 1 thread; for comparing
 * builds side by side on one machine (wall and process CPU time). Usage: bench_e2e_step [STEPS=10]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "e2e_fit.h"
#include "threads.h"
#include "train.h"

static double clock_s(clockid_t id) {
    struct timespec t;
    clock_gettime(id, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv) {
    int steps = argc > 1 ? atoi(argv[1]) : 10;
    enum { L = 32, H = 64 };
    siren_config sc = {30, 3, 30.0f};
    srno_config rc;
    srno_config_default(&rc);
    size_t ns = siren_param_count(&sc), n = ns + srno_param_count(&rc);
    float *params = malloc(n * sizeof(float)), *target = malloc(sizeof(float) * H * H * H);
    for (int i = 0; i < H * H * H; i++) target[i] = 0.5f + 0.4f * sinf(0.01f * (float)i);
    int saved = threads_enter(1);
    rng r = {1};
    siren_init(&sc, params, &r);
    srno_init(&rc, params + ns, &r);
    e2e_fit fit;
    if (e2e_fit_init(&fit, &sc, &rc, L, L, L, H, H, H, target, NULL, 0.0f, E2EC_LOSS_L1)) return 1;
    e2ec_params p;
    e2ec_params_default(&p);
    p.epochs = steps;
    double t0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    train_loop(&p, n, params, e2e_fit_grad, &fit, &r);
    /* CPU time too: on a shared machine it is the steadier figure */
    printf("e2e_step_s_t1 (%d^3 -> %d^3, %zu weights): wall %.4f s, cpu %.4f s\n", L, H, n,
           (clock_s(CLOCK_MONOTONIC) - t0) / steps,
           (clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0) / steps);
    e2e_fit_free(&fit);
    threads_leave(saved);
    free(params), free(target);
    return 0;
}
