/*
 * e2ec.h - the public interface of the e2ec codec library.
 *
 * e2ec compresses a whole 3D volume (a CT or MR series) into the weights of a
 * small neural network and decodes it back (Sheibanifard et al., PLoS ONE 2025:
 * FFT low-pass downsampling, a SIREN that learns the low-resolution volume as a
 * function of (x,y,z), and an upsampling stage back to full resolution).
 * The compressed volume IS the weights, in the bitstream of docs/bitstream.md.
 *
 * Conventions (in the manner of zstd):
 *  - every function that can fail returns an e2ec_status; E2EC_OK is 0;
 *    e2ec_strerror() gives a sentence, e2ec_error_name() the constant's name;
 *  - no global state: every call works on what it is given; any number of
 *    threads may encode or decode different volumes at once;
 *  - memory the library returns (streams, volume data) is released with
 *    e2ec_free() / e2ec_volume_free();
 *  - voxels are stored x fastest, then y, then z (slice index), as in DICOM
 *    frames stacked along z and in NIfTI.
 */
#ifndef E2EC_H
#define E2EC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define E2EC_VERSION_STRING "0.1.0"
/* The newest bitstream version this library writes and reads. */
#define E2EC_BITSTREAM_VERSION 8

/* ---------------------------------------------------------------- errors */

typedef enum {
    E2EC_OK = 0,
    E2EC_ERR_ARG,          /* an argument is out of range or NULL */
    E2EC_ERR_NOMEM,        /* an allocation failed */
    E2EC_ERR_TRUNCATED,    /* the stream ends before its declared end */
    E2EC_ERR_MAGIC,        /* the stream does not start with "E2EC" */
    E2EC_ERR_VERSION,      /* a bitstream version this library does not know */
    E2EC_ERR_HEADER,       /* a header field is out of its documented bounds */
    E2EC_ERR_MISMATCH,     /* header fields contradict each other (a lying header) */
    E2EC_ERR_CRC,          /* the CRC-32 does not match: the stream is corrupt */
    E2EC_ERR_PAYLOAD,      /* the weight block does not inflate to its declared size */
    E2EC_ERR_WEIGHTS,      /* a weight is NaN or infinite */
    E2EC_ERR_TRAILING,     /* bytes follow the end of the stream */
    E2EC_ERR_LIMIT,        /* the volume or network exceeds a documented cap */
    E2EC_ERR_UNSUPPORTED,  /* valid, but not supported by this build (e.g. mode) */
    E2EC_ERR_IO,           /* reading or writing a file failed */
    E2EC_ERR_FORMAT,       /* an input file is not in a format we read */
    E2EC_ERR_CANCELLED,    /* the progress callback asked to stop */
    E2EC_ERR_INTERNAL,     /* a bug: please report it */
    E2EC_ERR_MEMORY_LIMIT, /* the work needs more memory than max_memory allows */
    E2EC_ERR_ENTROPY,      /* an entropy-coded block does not decode to its declared end */
    E2EC_ERR_COUNT_
} e2ec_status;

/* A sentence describing the status, never NULL. */
const char *e2ec_strerror(e2ec_status s);
/* The constant's name ("E2EC_ERR_TRUNCATED"), never NULL. */
const char *e2ec_error_name(e2ec_status s);

/* --------------------------------------------------------------- volumes */

typedef enum {
    E2EC_U8 = 1,
    E2EC_I16 = 2,
    E2EC_U16 = 3,
    E2EC_F32 = 4
} e2ec_voxel_type;

/* Bytes per voxel of a type, 0 for an unknown type. */
size_t e2ec_voxel_size(e2ec_voxel_type t);

/*
 * A volume of stored values. bits_stored is the number of significant bits
 * of the integer types (DICOM Bits Stored; 0 means the full width of the
 * type); it bounds what a decoder writes. spacing is in millimetres.
 */
typedef struct {
    uint32_t nx, ny, nz;
    float spacing[3];
    e2ec_voxel_type type;
    uint8_t bits_stored;
    void *data; /* nx*ny*nz voxels of `type`, owned by whoever allocated it */
} e2ec_volume;

/* Allocates data for nx*ny*nz voxels (zeroed); spacing is set to 1 mm. */
e2ec_status e2ec_volume_alloc(e2ec_volume *v, uint32_t nx, uint32_t ny, uint32_t nz,
                              e2ec_voxel_type type);
/* The stored value of voxel i (x fastest, then y, then z) as a double. */
double e2ec_voxel_value(const e2ec_volume *v, size_t i);
/* Frees data allocated by the library and clears the struct. */
void e2ec_volume_free(e2ec_volume *v);
/* Frees a buffer returned by the library (a stream). */
void e2ec_free(void *p);

/* ------------------------------------------------------------ parameters */

typedef enum {
    E2EC_MODE_SIREN = 1,    /* one SIREN on the full-resolution grid (paper Table 8 baseline) */
    E2EC_MODE_SIREN_DS = 2, /* SIREN on the FFT-downsampled grid + fixed upsampling */
    E2EC_MODE_E2E = 3,      /* SIREN on the low-res grid + SRNO, trained end to end */
    E2EC_MODE_GRID = 4,     /* quantised multi-resolution feature grid + tiny MLP
                               (docs/architecture.md, "Representations tried") */
    E2EC_MODE_LOSSLESS = 5, /* every voxel exact: a per-volume auto-regressive model
                               over a causal 3D context, arithmetic-coded; integer
                               volumes only (docs/architecture.md, "Lossless mode") */
    E2EC_MODE_LATENT = 6    /* a pyramid of integer latent grids (finest at full
                               resolution) read by the grid's synthesis, the latents
                               coded by the lossless mode's coder under one learned ARM
                               (docs/latent.md) */
} e2ec_mode;

typedef enum {
    E2EC_UP_TRILINEAR = 1,
    E2EC_UP_TRICUBIC = 2 /* Keys cubic convolution, a = -0.5, separable */
} e2ec_upsampler;

typedef enum { E2EC_LOSS_L1 = 1, E2EC_LOSS_L2 = 2 } e2ec_loss;

typedef struct {
    int epoch, epochs;
    /* With mini-batches (batch > 0) both are over this step's samples only:
     * E2E mode, the voxels of the step's windows. */
    double loss;         /* training loss of this epoch, normalised units */
    double psnr;         /* PSNR of the training fit (MAX = 1 on the normalised target) */
    double elapsed_s;    /* since training began */
} e2ec_progress;

/* Called during training; return nonzero to cancel (encode returns E2EC_ERR_CANCELLED). */
typedef int (*e2ec_progress_fn)(const e2ec_progress *p, void *user);

typedef struct {
    e2ec_mode mode;     /* default LATENT: the best measured quality per byte within
                           minutes on a CPU (bench/RESULTS.md "The default mode");
                           the paper's modes (SIREN, SIREN_DS, E2E) are set here */
    int scale;          /* 1, 2, 4 or 8: each axis is divided by it (SIREN_DS, E2E) */
    int siren_width;    /* neurons per hidden layer */
    int siren_layers;   /* hidden layers (paper: 3 = 3->W, W->W, W->W, W->1) */
    float omega0;       /* sine frequency, 10 (Sitzmann: 30; docs/architecture.md) */
    e2ec_upsampler upsampler; /* SIREN_DS only */
    int epochs;         /* training epochs (GRID: Adam steps; LATENT: passes over the
                           volume, `batch` voxels an Adam step, more for a small
                           volume: e2ec_encode_epochs); the default is
                           e2ec_default_epochs(mode) of the default mode */
    float lr;           /* Adam learning rate, 1.5e-3 */
    int batch;          /* samples per step; 0 = full batch (every grid point; LATENT:
                           16,384, docs/latent.md). E2E mode:
                           attention windows per step; 0 = full batch, or every window
                           a row at a time when the full batch exceeds 4 GiB of
                           activations (docs/architecture.md) */
    e2ec_loss loss;
    int fp16;           /* store weights as IEEE half floats */
    int quant_bits;     /* 0: float weights (fp32, or fp16 above); 2..8: each layer's
                           weights uniformly quantised to this many bits (its own
                           offset and scale), trained quantisation-aware over the last
                           10 % of the epochs; not with fp16 */
    int max_error;      /* < 0: off (the default). >= 0: near-lossless, every decoded
                           integer voxel within max_error of the original (0 = lossless):
                           a quantised residual is stored after the network; LOSSLESS
                           mode codes the voxels so itself, up to E2EC_LOSSLESS_MAX_ERROR */
    int threads;        /* worker threads; 0 = OpenMP's default */
    uint64_t seed;      /* initialisation and batch sampling; same seed => same stream */
    int progress_every; /* call progress every this many epochs (0 = never) */
    e2ec_progress_fn progress;
    void *progress_user;
    /* SRNO (E2E mode) */
    int srno_channels;  /* NC: encoder feature channels */
    int srno_width;     /* w: neural-operator width */
    int srno_heads;     /* attention heads */
    float lr_weight;    /* weight of the optional L1 term on the low-res grid (0 = off) */
    /* GRID mode: 4 levels, 2 features per node, finest node every 2 voxels,
     * MLP 8-16-16-1, features quantised in steps of 1/8 (bench/RESULTS.md's
     * MR settings); epochs = Adam steps, batch = voxels per step (0 = 32768);
     * lr, loss, siren_* and quant_bits are not used; progress reports the mean
     * batch fit since its previous call. */
    float grid_lambda;  /* the rate knob of GRID and LATENT, larger = smaller stream;
                           default e2ec_default_lambda(mode). LATENT: lambda in
                           MSE + lambda * bits / voxel (docs/latent.md; 1e-3, the
                           default, 37.2 dB on the sample MR, 36.9 on the chest CT). GRID:
                           weight of the L1 rate proxy on the grid's features (MR:
                           1e-1 ~ 0.08 bpp, 4e-3 ~ 0.27 bpp, its default) */
    uint64_t max_memory; /* bytes of working memory encoding may use; 0 = the default
                            E2EC_DEFAULT_MAX_MEMORY (see e2ec_encode_memory) */
} e2ec_params;

/* The largest max_error of LOSSLESS mode (stored units). */
#define E2EC_LOSSLESS_MAX_ERROR 255

/* Fills the defaults above: LATENT mode, e2ec_default_lambda(LATENT),
 * e2ec_default_epochs(LATENT) passes; the other modes' fields at the paper's
 * trade-off point. */
void e2ec_params_default(e2ec_params *p);

/* The default training length of a mode: GRID 2,000 Adam steps (the sample MR,
 * 1.0 M voxels, in 28 s on 2 cores, the 12-slice chest CT, 3.1 M voxels, in 41:
 * bench/results/defaults/ as commit feeb450 left it), LATENT 50 passes over the volume
 * (a volume under 2^23 voxels trains more, one over 14 M fewer:
 * e2ec_encode_epochs), the paper's 5,000
 * epochs for SIREN, SIREN_DS and E2E; 0 for an unknown mode. A caller that
 * chooses another mode without choosing epochs sets epochs to this. */
int e2ec_default_epochs(e2ec_mode mode);

/* The epochs an encode of `in` under p trains, what its progress counts to:
 * p->epochs, save that LATENT gives a volume of fewer than 2^23 voxels more
 * passes, as many as p->epochs passes over 2^23 voxels would be, at most
 * 4 x p->epochs: a small volume gets the training a large one gets, in less
 * time (bench/RESULTS.md "Passes by volume"), and at p->grid_lambda above
 * 3.6e-4 at most 4 sqrt(3.6e-4 / lambda) x, 2 x at least, where more passes
 * cost more bits than they buy ("Passes by lambda": the sample MR, 1.0 M
 * voxels, and the 12-slice CT sample, 3.1 M, 120 passes for 50 at the
 * default 1e-3, the MR's about 70 s on 2 cores of an Intel Xeon; 100 from
 * 1.44e-3 up; up to 3.6e-4 the MR 200, the CT sample 134); and a volume of
 * more than 14 M voxels fewer, as many as p->epochs passes over 14 M voxels
 * would be, at least p->epochs / 3, so that
 * the encode's time stops growing with the volume (the whole chest CT,
 * 16.8 M voxels: 42 passes for 50, about 14 minutes on 2 cores; a
 * 512 x 512 x 300 series: 16). 0 when p's mode is unknown, p->epochs < 1 or
 * in has no voxels. */
int e2ec_encode_epochs(const e2ec_volume *in, const e2ec_params *p);

/* The name of a mode's epochs (e2ec_params.epochs), as the tools print count
 * of them: "epoch" (SIREN, SIREN_DS, E2E), "step" (an Adam step: GRID,
 * LOSSLESS) or "pass" (LATENT: a pass over the volume), plural unless count
 * is 1 ("pass 3/50", "50 passes"); NULL for an unknown mode. */
const char *e2ec_epoch_unit(e2ec_mode mode, int count);

/* The default rate knob (e2ec_params.grid_lambda) of a mode whose knob it is
 * (e2ec_mode_has_lambda): LATENT 1e-3, GRID 4e-3; 0 for the other modes. A
 * caller that chooses another mode without choosing lambda sets it to this. */
float e2ec_default_lambda(e2ec_mode mode);

/* Encoder presets, as x265's --preset: the training length, so the encode
 * time, traded for quality at the same rate knob. */
typedef enum {
    E2EC_PRESET_FAST = 1,   /* a third of the default training */
    E2EC_PRESET_MEDIUM = 2, /* e2ec_default_epochs */
    E2EC_PRESET_SLOW = 3    /* twice the default training */
} e2ec_preset;

/* A mode's training length at a preset (the encode time is about
 * proportional to it: bench/RESULTS.md "Presets" has the latent mode's on the
 * chest CT); 0 for an unknown mode or preset. */
int e2ec_preset_epochs(e2ec_mode mode, e2ec_preset preset);

/* The names e2ec compress, dcme2ec, e2ecscp and the Orthanc plugin take:
 * "siren", "siren-ds", "e2e", "grid", "lossless", "latent"; "fast", "medium",
 * "slow". *_name: NULL for an unknown value (modes and presets are numbered
 * from 1 without gaps, so a caller may list them); *_from_name: 0 for an
 * unknown name (or NULL). */
const char *e2ec_mode_name(e2ec_mode mode);
e2ec_mode e2ec_mode_from_name(const char *name);
const char *e2ec_preset_name(e2ec_preset preset);
e2ec_preset e2ec_preset_from_name(const char *name);

/* 1 when the mode's rate knob is e2ec_params.grid_lambda (grid, latent),
 * 0 when it is the SIREN's width or there is none. */
int e2ec_mode_has_lambda(e2ec_mode mode);

/* ---------------------------------------------------------- the codec */

/*
 * Compresses a volume. On success *stream is a buffer of *size bytes, to be
 * released with e2ec_free(). The volume is normalised by its own min/max.
 */
e2ec_status e2ec_encode(const e2ec_volume *in, const e2ec_params *p,
                        uint8_t **stream, size_t *size);

/*
 * Memory limits. Before allocating anything, encoding and decoding compute their
 * peak working memory (every buffer they allocate, output included, counted as if
 * all were live at once: an upper bound) from the stream header or the parameters,
 * and refuse with E2EC_ERR_MEMORY_LIMIT when it exceeds the caller's max_memory
 * (0 = E2EC_DEFAULT_MAX_MEMORY). A stream thus cannot make a decoder allocate more
 * than the caller allows, whatever its header declares. The estimate depends on
 * the thread count (per-thread scratch). docs/security.md gives the formulas.
 */
#define E2EC_DEFAULT_MAX_MEMORY (16ull << 30)

typedef struct {
    int threads;         /* worker threads; 0 = OpenMP's default */
    uint64_t max_memory; /* bytes; 0 = E2EC_DEFAULT_MAX_MEMORY */
} e2ec_decode_options;

/* Peak working memory (bytes) of decoding the stream: the whole volume
 * (whole != 0) or one z-slice into the caller's buffer (whole == 0), with
 * `threads` threads (0 = OpenMP's default). Reads the header only. */
e2ec_status e2ec_decode_memory(const uint8_t *stream, size_t size, int whole, int threads,
                               uint64_t *bytes);
/* Peak working memory (bytes) of encoding a volume of in's size and type with p
 * (in->data is not read). */
e2ec_status e2ec_encode_memory(const e2ec_volume *in, const e2ec_params *p, uint64_t *bytes);

/* e2ec_decode / e2ec_decode_slice with options (NULL: the defaults). */
e2ec_status e2ec_decode_opt(const uint8_t *stream, size_t size, const e2ec_decode_options *o,
                            e2ec_volume *out);
e2ec_status e2ec_decode_slice_opt(const uint8_t *stream, size_t size, uint32_t z,
                                  const e2ec_decode_options *o, void *out);

/* Decodes a whole stream; out is allocated by the library (e2ec_volume_free).
 * The default memory limit applies (e2ec_decode_opt takes another). */
e2ec_status e2ec_decode(const uint8_t *stream, size_t size, int threads, e2ec_volume *out);

/*
 * Decodes one z-slice (0 <= z < nz) into out, which holds nx*ny voxels of the
 * stream's voxel type. Only the part of the network that slice needs is run.
 */
e2ec_status e2ec_decode_slice(const uint8_t *stream, size_t size, uint32_t z, int threads,
                              void *out);

/* Levels a LATENT stream may have. */
#define E2EC_MAX_LATENT_LEVELS 8

/* What a stream's header says, validated like a decode but without inflating weights. */
typedef struct {
    uint16_t version;
    uint32_t nx, ny, nz;
    float spacing[3];
    e2ec_voxel_type type;
    uint8_t bits_stored;
    double vmin, vmax;   /* intensity mapping: value = vmin + n * (vmax - vmin) */
    e2ec_mode mode;
    int scale;
    uint32_t lx, ly, lz; /* the SIREN's grid */
    int siren_width, siren_layers;
    float omega0;
    e2ec_upsampler upsampler;
    int srno_channels, srno_width, srno_heads;
    int fp16;
    int quant_bits;        /* 0: float weights; 2..8 (version 2 on) */
    uint32_t quant_groups; /* groups with their own offset and scale (quant_bits > 0) */
    uint32_t n_weights;
    uint32_t weights_bytes; /* bytes of the coded weights (version 1: the zlib payload) */
    int has_residual;      /* a near-lossless residual follows the weights (version 2 on) */
    uint32_t max_error;    /* the bound every decoded voxel keeps, in stored units: the
                              residual's (has_residual), or in LOSSLESS mode the one its
                              section codes to (0: lossless, else near-lossless) */
    int lossless;          /* 1: every voxel decodes to the encoded value, on any machine,
                              thread count and ISA path: LOSSLESS mode with max_error 0,
                              integer arithmetic throughout. A residual with max_error 0
                              is not counted: it corrects a network decoded in floating
                              point, whose rounding may differ between machines */
    uint8_t residual_sample_bytes; /* 1, 2 or 4 bytes per coded residual sample */
    size_t stream_bytes;
    /* GRID mode (else 0); the MLP's weights are n_weights binary16 (fp16 = 1) */
    int grid_levels, grid_feats, grid_hidden;
    int grid_step[3];        /* voxels between the finest level's nodes along x, y, z */
    int grid_feature_bytes;  /* 1, 2 or 4: bytes of each zigzag-coded feature before zstd */
    float grid_delta;        /* feature = integer * grid_delta */
    uint64_t grid_values;    /* integer features in the stream */
    /* LATENT mode (else 0), with grid_levels, grid_feats (1), grid_hidden (the
     * synthesis MLP's width), grid_delta (1) and grid_values (the latents) as in
     * GRID mode; the n_weights are the synthesis MLP's (binary16) and the ARM's */
    int latent_res[E2EC_MAX_LATENT_LEVELS][3]; /* nodes per axis of each level, coarse to fine */
    int latent_shift[E2EC_MAX_LATENT_LEVELS];  /* the ARM's input shift of each level */
    int32_t latent_lo[E2EC_MAX_LATENT_LEVELS], latent_hi[E2EC_MAX_LATENT_LEVELS]; /* alphabets */
    uint32_t latent_bytes[E2EC_MAX_LATENT_LEVELS]; /* each level's coded latents, in bytes */
    int latent_group[E2EC_MAX_LATENT_LEVELS]; /* each level's rANS streams hold 2^g slices
                                                 (version 6; before, 0: one a slice) */
    int latent_keys[E2EC_MAX_LATENT_LEVELS][3]; /* each level's upsampling along x, y, z
                                                   (version 7): 0 linear, else Keys' cubic
                                                   with a = -code / 64 */
    int arm_hidden;          /* the latents' entropy model: hidden width, */
    int arm_shift[3];        /* and its layers' weight steps (2^-shift) */
    uint32_t value_map_entries; /* decoded values the value map moves (version 3) */
    int post_filter;            /* what the decode passes last: 0 nothing, 1 the stream's 5 x 5 x 3
                                   post-filter (version 4), 2 its post-network (version 8) */
    int post_cnn_channels;      /* the post-network's hidden channels (post_filter 2) */
} e2ec_info;

e2ec_status e2ec_get_info(const uint8_t *stream, size_t size, e2ec_info *info);

/* Number of weights of the network that parameters p describe (GRID: the
 * MLP's; the grid's features depend on the volume; LATENT: the synthesis
 * MLP's and the fit's 12-unit ARM's, where the stream may code a 32-unit ARM
 * the encoder refitted after the fit: e2ec_info's n_weights says which). */
size_t e2ec_param_count(const e2ec_params *p);

/* ------------------------------------------------------------- metrics */

typedef struct {
    double psnr;        /* dB, MAX = max - min of the reference; +inf when identical */
    double psnr_bits;   /* dB, MAX = 2^bits_stored - 1 of the reference */
    double mse;         /* in stored units */
    double max_abs_err; /* in stored units */
    double ssim3d;      /* 3D SSIM, Gaussian window 11, sigma 1.5, K1 .01, K2 .03, L = range */
    double ssim2d_mean; /* mean over z-slices of the 2D SSIM with the same settings */
} e2ec_metrics;

/* Compares test against ref (same dims, any voxel types). */
e2ec_status e2ec_compare(const e2ec_volume *ref, const e2ec_volume *test, int threads,
                         e2ec_metrics *m);

/* Figures of a stream against the volume it came from. */
typedef struct {
    double paper_cr;        /* 1 - weights / voxels (paper Eq. 6) */
    double paper_bpp;       /* 32 * weights / voxels (paper's bitrate) */
    double true_bpp;        /* 8 * stream bytes / voxels */
    double true_ratio;      /* original stored bytes / stream bytes */
} e2ec_rate;

void e2ec_rate_of(const e2ec_volume *original, size_t n_weights, size_t stream_bytes,
                  e2ec_rate *r);

/* ---------------------------------------------------------- rate control */

typedef enum {
    E2EC_TARGET_PSNR = 1, /* reach at least this PSNR (dB, MAX = data range of the input) */
    E2EC_TARGET_BPP = 2   /* stay within this many true bits per voxel (every stream byte) */
} e2ec_target_kind;

typedef struct {
    e2ec_target_kind kind;
    double value;
    int max_trials;          /* full encodes the search may run: 1..16, 0 = 6 */
    int min_width, max_width; /* SIREN widths it may choose; 0 = 4 and 256 */
} e2ec_target;

typedef struct {
    int met;          /* 1 when the returned stream meets the target */
    double psnr;      /* of the returned stream, decoded and measured */
    double true_bpp;
    int siren_width;  /* the width chosen (network modes; 0 in grid mode) */
    float grid_lambda; /* the rate weight chosen (grid and latent modes; 0 otherwise) */
    int trials;       /* full encodes run */
} e2ec_target_result;

/*
 * Encodes with the knob chosen so that the stream meets a target: the
 * smallest stream whose PSNR reaches the target, or the best PSNR whose
 * size fits it. The knob is the SIREN width in the network modes, and
 * grid_lambda (searched within (0, 1]) in E2EC_MODE_GRID and LATENT, where the search
 * stops once a trial is within 0.25 dB above a PSNR target or 5 % below a
 * bpp target. p gives every other parameter and the first knob tried
 * (docs/rate_control.md).
 * Each trial is a whole encode, decoded and measured, so the cost is up to
 * max_trials encodes. When no trial meets the target (e.g. a PSNR beyond
 * what the widest network reaches in p->epochs), the nearest miss is
 * returned with r->met = 0: the status is still E2EC_OK.
 */
e2ec_status e2ec_encode_target(const e2ec_volume *in, const e2ec_params *p,
                               const e2ec_target *t, uint8_t **stream, size_t *size,
                               e2ec_target_result *r);

#ifdef __cplusplus
}
#endif
#endif /* E2EC_H */
