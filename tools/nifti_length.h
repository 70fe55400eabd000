/*
 * nifti_length.h - does a NIfTI file hold every voxel its header declares?
 * niftilib (and so ITK) fills the missing part of a short or truncated file
 * with zeros and reports success; this check turns that into an error.
 */
#ifndef E2EC_TOOLS_NIFTI_LENGTH_H
#define E2EC_TOOLS_NIFTI_LENGTH_H

#include <stddef.h>
#include "e2ec.h"

/* Reads the NIfTI-1 or NIfTI-2 header of path (.nii or .nii.gz) and counts
 * the bytes after it. E2EC_OK when the data is complete; E2EC_ERR_FORMAT with
 * `why` set when it is short or the header cannot be parsed; E2EC_ERR_IO when
 * the file cannot be read. */
e2ec_status nifti_check_length(const char *path, char *why, size_t why_len);

#endif
