#!/usr/bin/python3
"""Writes N generated 28 x 28 images of bars (rows and columns of 4 pixels, on or off) as an IDX
image file, so that tests of image configs run where Debian's dataset-fashion-mnist is absent.
Usage: bars_idx.py OUT N"""
import struct
import sys

import numpy as np

out, n = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(1)
x = np.zeros((n, 28, 28), dtype=np.uint8)
for img in x:
    for i in rng.choice(7, size=3, replace=False):
        img[4 * i:4 * i + 4] = 255 if rng.random() < 0.5 else 0
        img[:, 4 * i:4 * i + 4] ^= 255 if rng.random() < 0.5 else 0
open(out, "wb").write(struct.pack(">IIII", 0x803, n, 28, 28) + x.tobytes())
