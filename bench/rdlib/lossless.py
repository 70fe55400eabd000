"""bench/rd --lossless: e2ec's lossless mode (E = 0) and near-lossless mode
(--max-error E) against the anchors' lossless points and JPEG-LS NEAR = E.
Every point's bound is checked on every voxel (max error <= E), and the table
gives each one's bpp, its ratio to JPEG-LS at the same E, PSNR and seconds
(BD figures mean nothing for points of fixed error)."""
import shlex

ERRORS = (0, 1, 2, 4, 8)


def e2ec_configs(errors=ERRORS):
    return ["--mode lossless" + (f" --max-error {e}" if e else "") for e in errors]


def keep(codec_key, param, errors=ERRORS):
    """Whether bench/rd --lossless runs an anchor's point: the lossless ones,
    and JPEG-LS at NEAR = each E."""
    if codec_key == "jpegls":
        return int(param.split("=")[1]) in errors
    return codec_key == "e2ec" or param.startswith("lossless")


def bound(codec, param):
    """The max error a point promises: E of e2ec's lossless mode and of JPEG-LS
    NEAR = E, 0 of a lossless anchor, None of a lossy point."""
    if codec == "e2ec lossless":
        args = shlex.split(param)
        return int(args[args.index("--max-error") + 1]) if "--max-error" in args[:-1] else 0
    if codec == "JPEG-LS":
        return int(param.split("=")[1])
    return 0 if param.startswith("lossless") else None


def broken(rows):
    """The rows whose decoded voxels are beyond their bound."""
    return [r for r in rows
            if bound(r["codec"], r["parameter"]) is not None
            and r["max_abs_err"] > bound(r["codec"], r["parameter"])]


def print_table(rows):
    """Per E: each codec's bpp, its ratio to JPEG-LS NEAR = E, e2ec's ratio to it,
    PSNR, max error and seconds."""
    points = sorted(((bound(r["codec"], r["parameter"]), i, r) for i, r in enumerate(rows)
                     if bound(r["codec"], r["parameter"]) is not None), key=lambda t: t[:2])
    jls = {e: r["bpp"] for e, _, r in points if r["codec"] == "JPEG-LS"}
    ours = {e: r["bpp"] for e, _, r in points if r["codec"] == "e2ec lossless"}
    print("\nLossless (E = 0) and near-lossless (every voxel within E), bpp = every byte x 8 / voxels:")
    print("| E | codec | parameter | bpp | x JPEG-LS NEAR=E | e2ec / codec | PSNR (dB) | max error "
          "| enc s | dec s |")
    print("|---" * 10 + "|")
    for e, _, r in points:
        to_jls = f"{r['bpp'] / jls[e]:.3f}" if e in jls else "-"
        ratio = f"{ours[e] / r['bpp']:.3f}" if e in ours else "-"
        print(f"| {e} | {r['codec']} | {r['parameter']} | {r['bpp']:.4f} | {to_jls} | {ratio} "
              f"| {r['psnr']:.2f} | {r['max_abs_err']} | {r['enc_s']:.2f} | {r['dec_s']:.2f} |")
