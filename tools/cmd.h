/*
 * cmd.h - the subcommands of the e2ec tool (one file each) and what they share.
 * Each cmd_* takes the arguments after its name and returns an exit code
 * (common/exitcodes.h).
 */
#ifndef E2EC_TOOLS_CMD_H
#define E2EC_TOOLS_CMD_H

#include <stddef.h>
#include <stdint.h>
#include "common/options.h"
#include "e2ec.h"
#include "volume_io.h"

int cmd_compress(int argc, char **argv);
int cmd_decompress(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_tradeoff(int argc, char **argv);

/* --dims, --type, --spacing: the layout of .raw inputs, as option text. */
typedef struct {
    const char *dims, *type, *spacing;
} raw_options;

#define RAW_OPTION_SPECS(r)                                                                    \
    {.name = "--dims", .arg = "NX,NY,NZ", .kind = OPT_STRING, .target = &(r).dims,             \
     .help = "size of a .raw input"},                                                          \
    {.name = "--type", .arg = "T", .kind = OPT_STRING, .target = &(r).type,                    \
     .help = "voxel type of a .raw input: u8|i16|u16|f32"},                                    \
    {.name = "--spacing", .arg = "SX,SY,SZ", .kind = OPT_STRING, .target = &(r).spacing,       \
     .help = "voxel spacing of a .raw input in mm"}

/* --max-memory SIZE, into a uint64_t (e2ec.h: max_memory). */
#define MAX_MEMORY_OPTION_SPEC(v)                                                              \
    {.name = "--max-memory", .arg = "SIZE", .kind = OPT_SIZE, .target = &(v),                  \
     .help = "working memory allowed, bytes or 512M, 2G...; 0 = the library's default (16G)"}

/* Logs why work was refused with E2EC_ERR_MEMORY_LIMIT: what it needs and what
 * limit allows (0: the default). */
void log_memory_refusal(const char *what, uint64_t need, uint64_t limit);

/* Turns the option text into a layout; 0, or an exit code after a message. */
int raw_layout_from(const raw_options *r, raw_layout *out);

/* Reads a volume file, logging the reason on failure; returns an exit code. */
int read_volume_or_log(const char *path, const raw_layout *raw, e2ec_volume *v);
/* Writes a volume file atomically, logging the reason on failure. */
int write_volume_or_log(const char *path, const e2ec_volume *v);
/* Reads an .e2ec stream file (malloc'd, free()); returns an exit code. */
int read_stream_or_log(const char *path, uint8_t **data, size_t *size);

/* Copies the box at (x,y,z) of size (nx,ny,nz) (box[0..5]) of in into a new
 * volume; returns an exit code after a message when it does not fit. */
int crop_volume(const e2ec_volume *in, const long box[6], e2ec_volume *out);

/* Seconds on a monotonic clock. */
double now_seconds(void);
/* e2ec_mode_name and e2ec_preset_name on an int: an OPT_CHOICE's name_of. */
const char *mode_name_of(int value);
const char *preset_name_of(int value);
/* Prints the metric lines ("psnr_db: 33.12", ...) to stdout. */
void print_metrics(const e2ec_metrics *m);
/* The numbers a stream stores: its network's weights, plus a grid's features. */
uint64_t stored_values(const e2ec_info *i);
/* "weights", "weight_coding", ("grid_values",) "weight_bytes" and
 * "bytes_per_weight" (bytes per stored value) lines; for a lossless-mode
 * stream, its "max_error" (0: lossless) instead of the last. */
void print_weight_coding(const e2ec_info *i);

#endif
