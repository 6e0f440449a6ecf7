#!/usr/bin/env python3
"""Write web/static/favicon.ico: the magnifier of favicon.svg drawn at 32x32, as a PNG inside an
ICO container (what browsers fetch from /favicon.ico).  Standard library only; rerun after
changing the design:  python3 scripts/make_favicon.py
"""

from __future__ import annotations

import math
import struct
import zlib
from pathlib import Path

SIZE = 32
SAMPLES = 4  # per axis, for smooth edges
BLUE = (0x0B, 0x57, 0xA4)
WHITE = (0xFF, 0xFF, 0xFF)
OUT = Path(__file__).resolve().parent.parent / "web" / "static" / "favicon.ico"


def _inside_rounded_square(x: float, y: float, radius: float = 6.0) -> bool:
    cx = min(max(x, radius), SIZE - radius)
    cy = min(max(y, radius), SIZE - radius)
    return (x - cx) ** 2 + (y - cy) ** 2 <= radius**2


def _on_magnifier(x: float, y: float) -> bool:
    ring = abs(math.hypot(x - 13.5, y - 13.5) - 7.0) <= 1.5
    # The handle: a thick segment from (18.5, 18.5) to (25.5, 25.5) with round ends.
    t = max(0.0, min(1.0, ((x - 18.5) + (y - 18.5)) / 14.0))
    px, py = 18.5 + 7.0 * t, 18.5 + 7.0 * t
    handle = math.hypot(x - px, y - py) <= 1.75
    return ring or handle


def pixel(px: int, py: int) -> tuple[int, int, int, int]:
    covered = white = 0
    for sy in range(SAMPLES):
        for sx in range(SAMPLES):
            x, y = px + (sx + 0.5) / SAMPLES, py + (sy + 0.5) / SAMPLES
            if _inside_rounded_square(x, y):
                covered += 1
                white += _on_magnifier(x, y)
    total = SAMPLES * SAMPLES
    if not covered:
        return (0, 0, 0, 0)
    share = white / covered
    rgb = tuple(round(b + (w - b) * share) for b, w in zip(BLUE, WHITE, strict=True))
    return (*rgb, round(255 * covered / total))  # type: ignore[return-value]


def png() -> bytes:
    rows = b"".join(
        b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(SIZE)) for y in range(SIZE)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", SIZE, SIZE, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def ico(image: bytes) -> bytes:
    # ICONDIR (reserved, type 1 = icon, one image), then one ICONDIRENTRY pointing at the PNG.
    directory = struct.pack("<HHH", 0, 1, 1)
    entry = struct.pack("<BBBBHHII", SIZE, SIZE, 0, 0, 1, 32, len(image), 6 + 16)
    return directory + entry + image


if __name__ == "__main__":
    OUT.write_bytes(ico(png()))
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")
