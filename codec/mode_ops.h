/*
 * What a codec mode provides: its table of functions and what its stream
 * uses of the common header (mode.h looks a mode's table up). A mode's files
 * include this header only, never the callers of the table, so that no mode
 * depends on the code that dispatches to it.
 */
#ifndef E2EC_MODE_OPS_H
#define E2EC_MODE_OPS_H

#include <stddef.h>
#include <stdint.h>
#include "e2ec.h"

/* Bytes a mode's own header section may hold (mode_layout.header_bytes). */
#define MODE_MAX_HEADER_BYTES 256

/* How a mode's stream uses the header every stream has (docs/bitstream.md,
 * offsets 0..103). The reader (bitstream.c) checks each field against it in
 * stream order: a field the mode does not use must be 0 (E2EC_ERR_MISMATCH). */
typedef struct {
    uint8_t min_version;  /* the first bitstream version that has the mode */
    uint16_t header_bytes; /* its own header section at offset 104 (version 2 only),
                             read by e2ec_mode_ops.read_header; the payload follows */
    uint8_t scaled;       /* scale may be 2, 4 or 8 (else it is 1) */
    uint8_t upsampler;    /* the upsampler field is used */
    uint8_t siren;        /* siren_layers, siren_width and omega0 are used */
    uint8_t srno;         /* srno_channels, srno_width and srno_heads are used */
    uint8_t weights;      /* the payload is the weights section (weights_section.h) */
    uint8_t quantised;    /* quant_bits may be 2..8 */
    uint8_t fp16_set;     /* the fp16 flag must be set (the payload holds binary16) */
    uint8_t residual;     /* a near-lossless residual may follow the payload */
    uint8_t own_error;    /* the mode codes max_error in its payload itself (no residual) */
} mode_layout;

/* The knob e2ec_encode_target turns (rate_control.c). */
typedef enum {
    MODE_KNOB_WIDTH = 0, /* the SIREN's width (e2ec_params.siren_width) */
    MODE_KNOB_LAMBDA = 1, /* a rate weight (e2ec_params.grid_lambda), searched in (0, 1] */
    MODE_KNOB_NONE = 2    /* no rate to choose (lossless): a target is refused */
} mode_knob;

/* A mode's encoding, as the writer takes it (bitstream_write_stream). */
typedef struct {
    e2ec_info info; /* the header's fields: geometry, type, intensity range, the
                       mode and the fields its layout uses, n_weights, fp16,
                       quant_bits and quant_groups */
    uint8_t header[MODE_MAX_HEADER_BYTES]; /* its header section (layout.header_bytes) */
    uint8_t *payload;                      /* malloc'd: its coded data */
    size_t payload_bytes;
} mode_stream;

typedef struct e2ec_mode_ops e2ec_mode_ops;

/*
 * The table. Every function gets its own table as `self`, so that modes that
 * share code tell it apart by `impl`. Inputs were checked for what every mode
 * needs (encode.c, decode.c, bitstream.c) before a function is called.
 */
struct e2ec_mode_ops {
    e2ec_mode mode;
    const char *name; /* e2ec_mode_name: what the tools and the Orthanc plugin call it */
    mode_layout layout;
    mode_knob knob;
    int default_epochs; /* e2ec_default_epochs: its training steps when the caller names none */
    const char *epoch_unit[2]; /* e2ec_epoch_unit: what one of its epochs is, and many
                                  ("pass", "passes"; "step", "steps"; "epoch", "epochs") */
    float default_lambda; /* e2ec_default_lambda: its grid_lambda when the caller names none
                             (knob MODE_KNOB_LAMBDA; 0 for the other modes) */
    float lambda_psnr_slope; /* MODE_KNOB_LAMBDA: the PSNR's rise per doubling of 1/lambda,
                                dB, that a PSNR search steps by before two trials
                                measure it (rate_lambda.c) */
    const void *impl; /* the mode's own constants, for code modes share */

    /* ---- stream header */
    /* Reads and checks the mode's header section (layout.header_bytes bytes at
     * sec) into in, whose common fields are read and checked; in stream order,
     * as docs/bitstream.md lists the errors. NULL when header_bytes is 0. */
    e2ec_status (*read_header)(const uint8_t *sec, e2ec_info *in);
    /* Reads the fields of e2ec_info that the mode's payload (n bytes, after its
     * header section) holds at its start, and checks them: the lossless section's
     * bound (max_error, lossless). NULL: none. Called after read_header. */
    e2ec_status (*read_payload_info)(const uint8_t *payload, size_t n, e2ec_info *in);
    /* e2ec_get_info's last check of a header read as above: that it describes
     * a model this build runs (e.g. n_weights is its architecture's); NULL: none. */
    e2ec_status (*check_info)(const e2ec_mode_ops *self, const e2ec_info *info);

    /* ---- encoding */
    /* e2ec_param_count: the weights of the network p describes, 0 if none. */
    size_t (*param_count)(const e2ec_mode_ops *self, const e2ec_params *p);
    /* What this mode refuses of in and p, before anything is allocated. */
    e2ec_status (*check)(const e2ec_mode_ops *self, const e2ec_volume *in, const e2ec_params *p);
    /* Peak bytes encode needs with `threads` threads (in->data is not read);
     * e2ec_encode refuses over the caller's limit before calling encode. */
    e2ec_status (*encode_memory)(const e2ec_mode_ops *self, const e2ec_volume *in,
                                 const e2ec_params *p, int threads, uint64_t *bytes);
    /* e2ec_encode_epochs: how many epochs encode trains when p->epochs
     * (>= 1) are asked; NULL: as many as asked. */
    int (*epochs)(const e2ec_volume *in, const e2ec_params *p);
    /* Trains or codes in into *out (zeroed by the caller; out->payload freed
     * by the caller, also on error). The residual is added by encode.c. */
    e2ec_status (*encode)(const e2ec_mode_ops *self, const e2ec_volume *in,
                          const e2ec_params *p, mode_stream *out);

    /* ---- decoding planes [z0, z1) (z0 < z1 <= nz) of a stream whose header is info */
    /* Peak bytes, with the output volume when the library allocates it (whole). */
    e2ec_status (*decode_memory)(const e2ec_mode_ops *self, const e2ec_info *info, uint32_t z0,
                                 uint32_t z1, int whole, int threads, uint64_t *bytes);
    /* Unpacks the payload (n bytes, bitstream_payload) into a decoder *dec. */
    e2ec_status (*decode_open)(const e2ec_mode_ops *self, const e2ec_info *info,
                               const uint8_t *payload, size_t n, void **dec);
    /* Planes [z0, z1) as stored voxels of info->type at dst, as the encoder's
     * own decode gives them; a residual is added by decode.c. */
    e2ec_status (*decode_planes)(void *dec, uint32_t z0, uint32_t z1, void *dst);
    void (*decode_close)(void *dec);
};

#endif
