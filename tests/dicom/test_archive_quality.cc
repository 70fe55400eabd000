/* The archivers' bar (plugin/archive_quality.h), as e2ecscp and the Orthanc ingest apply
 * it: with no quality setting the lossless mode, exact; a bound keeps the lossless mode
 * near-lossless; a PSNR bar alone the latent mode at its default lambda; a lossy mode
 * named alone its modality's
 * default bar; refusals of bounds no mode can give. And the verification that decides
 * whether the originals may go: lossless refuses a decoded volume one stored value off
 * in one voxel, a bound refuses a voxel beyond it. */
#include <cmath>
#include <cstring>
#include <string>

#include "archive_quality.h"
#include "check.h"

static void settings() {
    e2ec_params p;
    archive_quality q;
    e2ec_params_default(&p);
    std::string why = archive_settings(p, false, false, q);
    CHECK(why.empty() && p.mode == E2EC_MODE_LOSSLESS && q.max_error == 0 &&
              p.epochs == e2ec_default_epochs(E2EC_MODE_LOSSLESS),
          "no setting: lossless mode, bound 0, its default steps (mode %d, bound %d, %s)", p.mode,
          q.max_error, why.c_str());
    std::string ct = E2EC_SAMPLE_DIR "/ct-chest/1-27.dcm";
    CHECK(archive_min_psnr(q, ct.c_str()) < 0, "lossless: no PSNR bar");

    e2ec_params_default(&p), q = archive_quality{};
    q.min_psnr = 35;
    why = archive_settings(p, false, false, q, E2EC_PRESET_FAST);
    CHECK(why.empty() && p.mode == E2EC_MODE_LATENT &&
              p.epochs == e2ec_preset_epochs(E2EC_MODE_LATENT, E2EC_PRESET_FAST),
          "--preset fast: the chosen mode's fast steps (%d)", p.epochs);

    e2ec_params_default(&p), q = archive_quality{};
    q.max_error = 4;
    why = archive_settings(p, false, false, q);
    CHECK(why.empty() && p.mode == E2EC_MODE_LOSSLESS && q.max_error == 4,
          "a bound: the lossless mode, near-lossless (%s)", why.c_str());

    e2ec_params_default(&p), q = archive_quality{};
    q.min_psnr = 35;
    why = archive_settings(p, false, false, q);
    CHECK(why.empty() && p.mode == E2EC_MODE_LATENT && q.max_error < 0 &&
              p.grid_lambda == e2ec_default_lambda(E2EC_MODE_LATENT) &&
              archive_min_psnr(q, ct.c_str()) == 35,
          "a PSNR bar alone: latent mode at its lambda (%g), that bar (%s)", (double)p.grid_lambda,
          why.c_str());

    e2ec_params_default(&p), q = archive_quality{};
    p.mode = E2EC_MODE_GRID;
    why = archive_settings(p, true, false, q);
    CHECK(why.empty() && archive_min_psnr(q, ct.c_str()) == E2EC_ARCHIVE_MIN_PSNR_CT,
          "a lossy mode named alone: the CT default bar (%s)", why.c_str());

    e2ec_params_default(&p), q = archive_quality{};
    q.max_error = E2EC_LOSSLESS_MAX_ERROR + 1;
    CHECK(!archive_settings(p, false, false, q).empty(), "a bound beyond the lossless mode's refused");
    e2ec_params_default(&p), q = archive_quality{};
    p.mode = E2EC_MODE_GRID, q.max_error = 2;
    CHECK(!archive_settings(p, true, false, q).empty(), "a bound in grid mode refused");
}

static void verification() {
    e2ec_volume orig, dec;
    e2ec_volume_alloc(&orig, 12, 10, 3, E2EC_U16);
    e2ec_volume_alloc(&dec, 12, 10, 3, E2EC_U16);
    size_t n = 12 * 10 * 3;
    for (size_t i = 0; i < n; i++) ((uint16_t *)orig.data)[i] = (uint16_t)(i * 37 % 4096);
    memcpy(dec.data, orig.data, n * 2);
    archive_quality lossless;
    lossless.max_error = 0;
    e2ec_metrics m;
    std::string why = archive_verify(&orig, &dec, 1, -1, lossless, 1, "--min-psnr", "--max-error", &m);
    CHECK(why.empty() && m.max_abs_err == 0 && std::isinf(m.psnr), "equal voxels pass: %s",
          why.c_str());
    ((uint16_t *)dec.data)[n - 1] += 1; /* the last voxel, one stored value off */
    why = archive_verify(&orig, &dec, 1, -1, lossless, 1, "--min-psnr", "--max-error", &m);
    CHECK(why.find("not lossless") == 0, "one voxel off refused as not lossless: '%s'", why.c_str());

    archive_quality near;
    near.max_error = 1;
    why = archive_verify(&orig, &dec, 1, -1, near, 1, "--min-psnr", "MaxError", &m);
    CHECK(why.empty(), "within the bound 1: %s", why.c_str());
    ((uint16_t *)dec.data)[0] += 2;
    why = archive_verify(&orig, &dec, 1, -1, near, 1, "--min-psnr", "MaxError", &m);
    CHECK(why == "max error 2 above MaxError 1", "beyond the bound refused: '%s'", why.c_str());

    archive_quality lossy;
    why = archive_verify(&orig, &dec, 1, 200, lossy, 3, "MinPsnr", "MaxError", &m);
    CHECK(why.find(" below MinPsnr 200 (the nearest of 3 encodes)") != std::string::npos,
          "below the PSNR bar refused: '%s'", why.c_str());
    e2ec_volume_free(&orig);
    e2ec_volume_free(&dec);
}

int main() {
    settings();
    verification();
    return check_summary();
}
