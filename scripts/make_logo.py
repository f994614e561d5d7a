"""Draw logo.png: a hub and its spokes, each spoke ending in a partition node.

Run from the repository root with Pillow installed (dev dependency group):
    python scripts/make_logo.py
The output is deterministic; commit it. The module's compliance test checks it stays a square PNG of
at most 50 KiB.
"""

import math
import sys
from pathlib import Path

from PIL import Image, ImageDraw

SIZE = 256
SCALE = 4  # drawn larger, then downsampled: smooth edges without anti-aliasing support in ImageDraw
AZURE = (0, 120, 212, 255)
LIGHT = (80, 180, 240, 255)
WHITE = (255, 255, 255, 255)
SPOKES = 6


def draw(size: int = SIZE) -> Image.Image:
    big = size * SCALE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    center = big / 2

    # Rounded square background.
    margin = big * 0.04
    pen.rounded_rectangle((margin, margin, big - margin, big - margin), radius=big * 0.18, fill=AZURE)

    # Spokes, then partition nodes at their ends, then the hub on top.
    reach = big * 0.31
    node = big * 0.075
    for index in range(SPOKES):
        angle = math.pi / 2 + index * 2 * math.pi / SPOKES
        x, y = center + reach * math.cos(angle), center - reach * math.sin(angle)
        pen.line((center, center, x, y), fill=LIGHT, width=int(big * 0.035))
        pen.ellipse((x - node, y - node, x + node, y + node), fill=WHITE)
    hub = big * 0.14
    pen.ellipse((center - hub, center - hub, center + hub, center + hub), fill=WHITE)
    inner = big * 0.075
    pen.ellipse((center - inner, center - inner, center + inner, center + inner), fill=AZURE)

    return image.resize((size, size), Image.Resampling.LANCZOS)


def main(path: str = "logo.png") -> None:
    draw().save(Path(path), format="PNG", optimize=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
