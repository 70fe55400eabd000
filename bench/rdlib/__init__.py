"""Modules of bench/rd, the rate-distortion benchmark (issue 7 item 1)."""
