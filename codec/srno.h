/*
 * The 3D Super-Resolution Neural Operator (E2E mode): maps the SIREN's
 * low-resolution grid to the full-resolution grid. See docs/architecture.md.
 * (Issue 3: the configuration and functions are filled in with the module.)
 */
#ifndef E2EC_SRNO_H
#define E2EC_SRNO_H

#include <stddef.h>

typedef struct {
    int channels; /* NC */
    int width;    /* w */
    int heads;
} srno_config;

#endif
