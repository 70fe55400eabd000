/*
 * volume_io_itk.h - the ITK half of volume_io.c, behind a C interface: the only
 * place the tools touch C++. Either volume_io_itk.cxx (ITK found) or
 * volume_io_noitk.c (built with -DE2EC_ITK=OFF) provides it.
 * The path's extension has already been checked to be NIfTI or MetaImage;
 * writes go to the (temporary) path given.
 */
#ifndef E2EC_TOOLS_VOLUME_IO_ITK_H
#define E2EC_TOOLS_VOLUME_IO_ITK_H

#include <stddef.h>
#include "e2ec.h"

#ifdef __cplusplus
extern "C" {
#endif

e2ec_status itk_volume_read(const char *path, e2ec_volume *out, char *why, size_t why_len);
e2ec_status itk_volume_write(const char *path, const e2ec_volume *v, char *why, size_t why_len);

#ifdef __cplusplus
}
#endif
#endif
