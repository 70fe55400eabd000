#!/bin/sh
# Smoke test of bench/rd's machinery, cheap enough for CI: Bjontegaard deltas on
# synthetic curves with a known answer, the numpy SSIM against a direct 3D sum,
# and the JPEG 2000 and JPEG-LS (libcharls) paths on a 32 x 32 x 4 volume.
# Needs python3 + numpy, OpenJPEG's tools and libcharls; fails without them.
set -eu
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
. "$(dirname "$0")/require.sh"
require_python numpy
require opj_compress opj_decompress
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 - "$root/bench" <<'PY'
import math, sys
import numpy as np
sys.path.insert(0, sys.argv[1])
from rdlib import bd
from rdlib.metrics import SSIM3D, gaussian_window, K1, K2

fails = 0
def check(ok, what):
    global fails
    print(("ok   " if ok else "FAIL ") + what)
    fails += not ok

# A cubic in log-rate is fitted exactly: a +0.5 dB copy gives BD-PSNR +0.5.
f = lambda r: 30 + 9 * math.log10(r) - 2 * math.log10(r) ** 2 + 0.7 * math.log10(r) ** 3
a = [(r, f(r)) for r in (0.05, 0.1, 0.2, 0.4, 0.8, 1.6)]
check(abs(bd.bd_psnr(a, [(r, p + 0.5) for r, p in a])[0] - 0.5) < 1e-9, "BD-PSNR of a +0.5 dB copy")
# A line in log-rate is exact both ways: 20 % fewer bits at equal PSNR is BD-rate -20 %.
g = [(r, 30 + 12 * math.log10(r)) for r in (0.1, 0.2, 0.4, 0.8, 1.6)]
check(abs(bd.bd_rate(g, [(0.8 * r, p) for r, p in g])[0] + 20) < 1e-9, "BD-rate of a 0.8x-rate copy")
check(abs(bd.bd_psnr(g, [(0.8 * r, p) for r, p in g])[0] - 12 * math.log10(1.25)) < 1e-9,
      "BD-PSNR of a 0.8x-rate copy")
check(bd.bd_psnr(g, g[:3]) is None, "fewer than 4 points: no BD figure")
check(np.allclose(bd.bd_psnr(g, [(r, p + 1) for r, p in g], (0.2, 0.8)), (1, 0.2, 0.8)),
      "BD window clips the interval")
check(bd.bd_rate(g, g + [(4.0, math.inf)]) is not None, "a lossless point is left out")
check(abs(bd.psnr_at(g, 0.3) - (30 + 12 * math.log10(0.3))) < 1e-9, "PSNR read off in log-bpp")
check(bd.psnr_at(g, 5.0) is None, "no PSNR read off outside the curve")
check(all(abs(bd.psnr_at(g, r, extend=True) - (30 + 12 * math.log10(r))) < 1e-9 for r in (0.05, 5.0)),
      "extended: read off the end segments' lines")

# SSIM: the slab-wise separable numpy version against the 3D window summed directly.
rng = np.random.default_rng(7)
x = rng.integers(0, 1000, (14, 13, 20)).astype(np.int32)
y = x + rng.integers(-60, 61, x.shape)
w = np.einsum("i,j,k->ijk", *(gaussian_window(n) for n in x.shape))
c1, c2 = (K1 * 999) ** 2, (K2 * 999) ** 2
vals = []
for i in range(x.shape[0] - w.shape[0] + 1):
    for j in range(x.shape[1] - w.shape[1] + 1):
        for k in range(x.shape[2] - w.shape[2] + 1):
            a_ = x[i:i + w.shape[0], j:j + w.shape[1], k:k + w.shape[2]].astype(float)
            b_ = y[i:i + w.shape[0], j:j + w.shape[1], k:k + w.shape[2]].astype(float)
            ma, mb = (w * a_).sum(), (w * b_).sum()
            va, vb = (w * a_ * a_).sum() - ma * ma, (w * b_ * b_).sum() - mb * mb
            cab = (w * a_ * b_).sum() - ma * mb
            vals.append((2 * ma * mb + c1) * (2 * cab + c2) / ((ma * ma + mb * mb + c1) * (va + vb + c2)))
SSIM3D.SLAB = 2  # several slabs, as on a real volume
s = SSIM3D(x, 999)
check(abs(s(y) - np.mean(vals)) < 1e-9, f"SSIM 3D matches the direct sum ({s(y):.6f})")
check(abs(s(x) - 1) < 1e-12, "SSIM of a volume with itself is 1")
sys.exit(1 if fails else 0)
PY

# A smooth 12-bit volume through the JPEG 2000 and JPEG-LS paths.
python3 -c "
import numpy as np
z, y, x = np.mgrid[0:4, 0:32, 0:32]
v = 2000 + 1500 * np.sin(x / 5.0) * np.cos(y / 7.0) + 100 * z
v.astype('<u2').tofile('$work/vol.raw')"
python3 "$root/bench/rd" --quick --codecs j2k,jpegls --out "$work/out" \
    --raw-shape 32,32,4 --raw-type u16 --bits 12 "$work/vol.raw" > "$work/log" 2>&1 ||
    { cat "$work/log"; echo "FAIL bench/rd on a 32x32x4 volume"; exit 1; }
python3 - "$work/out/vol.raw/rd.csv" <<'PY'
import csv, math, sys
rows = list(csv.DictReader(open(sys.argv[1])))
fails = 0
def check(ok, what):
    global fails
    print(("ok   " if ok else "FAIL ") + what)
    fails += not ok
j2k = [r for r in rows if r["codec"] == "JPEG 2000"]
check(len(j2k) == 6, f"JPEG 2000: lossless + 5 rates ({len(j2k)} rows)")
ll = [r for r in j2k if r["parameter"] == "lossless"]
check(len(ll) == 1 and ll[0]["max_abs_err"] == "0" and math.isinf(float(ll[0]["psnr"])),
      "JPEG 2000 lossless point is exact")
lossy = sorted((float(r["true_bpp"]), float(r["psnr"])) for r in j2k if r["parameter"] != "lossless")
check(all(p1 >= p0 for (_, p0), (_, p1) in zip(lossy, lossy[1:])), "PSNR grows with rate")
check(all(abs(float(r["true_bpp"]) - int(r["bytes"]) * 8 / (32 * 32 * 4)) < 1e-4 for r in rows),
      "true bpp = bytes x 8 / voxels")
jls = [r for r in rows if r["codec"] == "JPEG-LS"]
check(len(jls) > 0, f"JPEG-LS rows ({len(jls)}; none when libcharls is missing)")
for r in jls:
    near = int(r["parameter"].split("=")[1])
    check(int(r["max_abs_err"]) <= near, f"JPEG-LS {r['parameter']}: max error {r['max_abs_err']}")
sys.exit(1 if fails else 0)
PY

# --lossless: only the points with a bound (JPEG 2000 5/3, JPEG-LS NEAR = 0, 1,
# 2, 4, 8), each checked against it, and their table.
python3 "$root/bench/rd" --lossless --codecs j2k,jpegls --out "$work/ll" \
    --raw-shape 32,32,4 --raw-type u16 --bits 12 "$work/vol.raw" > "$work/ll.log" 2>&1 ||
    { cat "$work/ll.log"; echo "FAIL bench/rd --lossless on a 32x32x4 volume"; exit 1; }
python3 - "$work/ll/vol.raw/rd.csv" "$work/ll.log" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
got = sorted((r["codec"], r["parameter"]) for r in rows)
want = sorted([("JPEG 2000", "lossless")] + [("JPEG-LS", f"near={e}") for e in (0, 1, 2, 4, 8)])
ok = got == want and all(int(r["max_abs_err"]) <= int(r["parameter"].split("=")[-1]
                                                        if "=" in r["parameter"] else 0) for r in rows)
table = [l for l in open(sys.argv[2]) if l.startswith("| ") and "JPEG-LS | near=" in l]
ok = ok and len(table) == 5 and all("| 1.000 |" in l for l in table)
print(("ok   " if ok else "FAIL ") + f"bench/rd --lossless: bounded points and their table ({got})")
sys.exit(0 if ok else 1)
PY
