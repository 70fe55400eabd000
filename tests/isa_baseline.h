/* The hash a test computes when run again in a child process under
 * E2EC_ISA=baseline (the vector loops' x86-64 baseline builds): the test is
 * run as `SELF --hash` and prints it in hex; 0 when the child fails. Tests
 * compare it with the hash they compute themselves, so one machine checks
 * that both builds of a loop give the same bits. */
#ifndef E2EC_TEST_ISA_BASELINE_H
#define E2EC_TEST_ISA_BASELINE_H

#include <stdint.h>
#include <stdio.h>

static inline uint64_t isa_baseline_hash(const char *self) {
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "E2EC_ISA=baseline '%s' --hash", self);
    FILE *p = popen(cmd, "r");
    unsigned long long h = 0;
    if (p && fscanf(p, "%llx", &h) != 1) h = 0;
    if (p) pclose(p);
    return h;
}

#endif
