/* e2ec: the command-line tool of the e2ec codec (tools/README.md). */
#include <stdio.h>
#include <string.h>
#include "cmd.h"
#include "common/exitcodes.h"
#include "common/log.h"
#include "common/omp_wait.h"

static const struct {
    const char *name, *args, *help;
    int (*run)(int argc, char **argv);
} commands[] = {
    {"compress", "IN OUT.e2ec", "train a network on a volume and write its weights", cmd_compress},
    {"decompress", "IN.e2ec OUT", "decode a stream (the whole volume or one slice)",
     cmd_decompress},
    {"info", "IN.e2ec", "print a stream's header", cmd_info},
    {"compare", "REF TEST", "PSNR, SSIM and max error of TEST against REF", cmd_compare},
    {"convert", "IN OUT", "change a volume's file format, or crop it", cmd_convert},
    {"tradeoff", "IN", "the paper's trade-off-point search over a grid", cmd_tradeoff},
};

static void usage(FILE *out) {
    fprintf(out, "usage: e2ec COMMAND [options]   (e2ec COMMAND --help lists its options)\n");
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(out, "  %-10s %-12s %s\n", commands[i].name, commands[i].args, commands[i].help);
    fprintf(out, "volumes: .nii .nii.gz .mha .mhd (read) and .raw with --dims/--type\n"
                 "e2ec --version prints the library and bitstream versions\n");
}

int main(int argc, char **argv) {
    omp_wait_passively(argv);
    if (argc < 2) {
        usage(stderr);
        return EXITCODE_COMMANDLINE_SYNTAX_ERROR;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        usage(stdout);
        return EXITCODE_NO_ERROR;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("e2ec %s (bitstream version %d)\n", E2EC_VERSION_STRING, E2EC_BITSTREAM_VERSION);
        return EXITCODE_NO_ERROR;
    }
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (!strcmp(argv[1], commands[i].name)) return commands[i].run(argc - 2, argv + 2);
    log_error("unknown command '%s'", argv[1]);
    usage(stderr);
    return EXITCODE_COMMANDLINE_SYNTAX_ERROR;
}
