/*
 * patch_select.h - the paper's protocol patch: a cube of P voxels a side
 * (clipped to the volume) with at least 70 % of its voxels above the
 * volume's minimum ("non-zero" once normalised to [0,1]).
 */
#ifndef E2EC_TOOLS_PATCH_SELECT_H
#define E2EC_TOOLS_PATCH_SELECT_H

#include "e2ec.h"

/* Fills box (x, y, z, nx, ny, nz): among origins on a grid of step P/4, the
 * one nearest the volume's centre whose patch reaches `fraction` non-zero,
 * or the fullest patch if none does. Returns that patch's non-zero fraction. */
double patch_select(const e2ec_volume *v, uint32_t p, double fraction, long box[6]);

#endif
