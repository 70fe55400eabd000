"""PNG plots of the RD curves with gnuplot: PSNR vs bpp and SSIM vs bpp, log x.
Lossless points (PSNR = inf) have no place on a log-bpp PSNR axis and are left out."""
import math
import os
import shutil
import subprocess


def _quote(s):
    return '"' + s.replace('"', "'") + '"'


def plot(rows, title, folder):
    """Writes folder/psnr.png and folder/ssim.png; returns their paths ([] without gnuplot)."""
    if shutil.which("gnuplot") is None:
        print("plots: gnuplot not found, no PNG written")
        return []
    codecs = list(dict.fromkeys(r["codec"] for r in rows))
    data = {}
    for c in codecs:
        pts = sorted((r["bpp"], r["psnr"], r["ssim"]) for r in rows
                     if r["codec"] == c and math.isfinite(r["psnr"]))
        if pts:
            data[c] = os.path.join(folder, f"curve_{len(data)}.dat")
            with open(data[c], "w") as f:
                f.writelines(f"{b:.6g} {p:.4f} {s:.6f}\n" for b, p, s in pts)
    out = []
    for metric, col, label in (("psnr", 2, "PSNR (dB, MAX = data range)"), ("ssim", 3, "SSIM 3D")):
        png = os.path.join(folder, f"{metric}.png")
        series = ", ".join(f"{_quote(d)} using 1:{col} with linespoints title {_quote(c)}"
                           for c, d in data.items())
        script = "\n".join([
            "set terminal pngcairo size 900,600",
            f"set output {_quote(png)}",
            f"set title {_quote(title)} noenhanced",
            "set logscale x", "set grid", "set key bottom right noenhanced",
            "set xlabel 'true bpp (every byte of every codestream x 8 / voxels)'",
            f"set ylabel {_quote(label)}",
            f"plot {series}" if series else "plot 0 notitle", ""])
        subprocess.run(["gnuplot"], input=script.encode(), check=True)
        out.append(png)
    return out
