/* volume_io_itk.h for builds without ITK (-DE2EC_ITK=OFF): only .raw works. */
#include <stdio.h>
#include "volume_io_itk.h"

static e2ec_status no_itk(const char *path, char *why, size_t why_len) {
    snprintf(why, why_len, "%s: NIfTI and MetaImage need ITK, and this build has none "
             "(configure with -DE2EC_ITK=ON)", path);
    return E2EC_ERR_UNSUPPORTED;
}

e2ec_status itk_volume_read(const char *path, e2ec_volume *out, char *why, size_t why_len) {
    (void)out;
    return no_itk(path, why, why_len);
}

e2ec_status itk_volume_write(const char *path, const e2ec_volume *v, char *why, size_t why_len) {
    (void)v;
    return no_itk(path, why, why_len);
}
