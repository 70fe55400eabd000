"""What bench/rd writes and prints: the CSV, PSNR read at fixed rates, BD figures."""
import csv

from . import bd
from .reference import REFERENCES

FIELDS = ("volume", "codec", "parameter", "bytes", "true_bpp", "ratio", "psnr", "psnr_bits",
          "ssim", "max_abs_err", "enc_s", "dec_s")
TABLE_BPPS = (0.1, 0.25, 0.5, 1.0, 2.0)


def write_csv(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(FIELDS)
        for r in rows:
            w.writerow([r["volume"], r["codec"], r["parameter"], r["bytes"], f"{r['bpp']:.5f}",
                        f"{r['ratio']:.3f}", f"{r['psnr']:.3f}", f"{r['psnr_bits']:.3f}",
                        f"{r['ssim']:.6f}", r["max_abs_err"], f"{r['enc_s']:.3f}", f"{r['dec_s']:.3f}"])


def read_csv(path):
    """Rows written by write_csv, back as the dicts sweep() makes."""
    with open(path, newline="") as f:
        return [dict(volume=r["volume"], codec=r["codec"], parameter=r["parameter"],
                     bytes=int(r["bytes"]), bpp=float(r["true_bpp"]), ratio=float(r["ratio"]),
                     psnr=float(r["psnr"]), psnr_bits=float(r["psnr_bits"]), ssim=float(r["ssim"]),
                     max_abs_err=int(r["max_abs_err"]), enc_s=float(r["enc_s"]),
                     dec_s=float(r["dec_s"]))
                for r in csv.DictReader(f)]


def curve(rows, codec):
    return [(r["bpp"], r["psnr"]) for r in rows if r["codec"] == codec]


def _cell(v, fmt="%.1f"):
    return "-" if v is None else fmt % v


def print_table(rows, reference=None):
    """PSNR at TABLE_BPPS per codec, interpolated in log-bpp; the reference's rows beside."""
    print("\nPSNR (dB, MAX = data range) at true bpp, interpolated in log-bpp:")
    print("| codec | " + " | ".join(f"{b:g}" for b in TABLE_BPPS) + " |")
    print("|---" * (len(TABLE_BPPS) + 1) + "|")
    ref = REFERENCES.get(reference, {}) if reference else {}
    for codec in dict.fromkeys(r["codec"] for r in rows):
        c = curve(rows, codec)
        print(f"| {codec} (measured) | " +
              " | ".join(_cell(bd.psnr_at(c, b)) for b in TABLE_BPPS) + " |")
        if codec in ref:
            print(f"| {codec} (reference) | " + " | ".join(f"{v:.1f}" for v in ref[codec]) + " |")
            diffs = [None if bd.psnr_at(c, b) is None else bd.psnr_at(c, b) - v
                     for b, v in zip(TABLE_BPPS, ref[codec])]
            print(f"| {codec} (difference) | " + " | ".join(_cell(d, "%+.2f") for d in diffs) + " |")


BD_WINDOWS = ((None, "common range"), ((0.1, 1.0), "0.1-1 bpp"), ((0.1, 2.0), "0.1-2 bpp"))


def print_bd(rows, test, anchors, windows=BD_WINDOWS):
    """BD-PSNR and BD-rate of test against each anchor, with the interval each was taken
    over: a narrow overlap makes a cubic fit's average say little. The windows are issue
    17's targets: against HEVC over 0.1-1 bpp, against JPEG 2000 over 0.1-2 bpp."""
    print(f"\nBjontegaard deltas of {test} against each anchor "
          f"(positive BD-PSNR / negative BD-rate: {test} is better):")
    print("| anchor | range | BD-PSNR (dB) | over bpp | BD-rate (%) | over dB |")
    print("|---|---|---|---|---|---|")
    t = curve(rows, test)
    for a in anchors:
        ac = curve(rows, a)
        for window, label in windows:
            p, r = bd.bd_psnr(ac, t, window), bd.bd_rate(ac, t, window)
            print(f"| {a} | {label} | " +
                  ("- | - | " if p is None else f"{p[0]:+.2f} | {p[1]:.3g}-{p[2]:.3g} | ") +
                  ("- | - |" if r is None else f"{r[0]:+.1f} | {r[1]:.1f}-{r[2]:.1f} |"))
