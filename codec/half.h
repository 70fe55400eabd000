/* IEEE 754 binary16 conversion, round to nearest even (for --fp16 weights). */
#ifndef E2EC_HALF_H
#define E2EC_HALF_H

#include <stdint.h>

uint16_t half_from_float(float f);
float half_to_float(uint16_t h);

#endif
