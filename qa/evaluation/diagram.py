"""The reliability diagram of the benchmark, drawn with Pillow (no plotting library needed).

One panel per split: for each confidence bin, a bar as high as the share of answers that were
right, the diagonal where a calibrated confidence would put it, and the bin's question count.
"""
from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

SIZE = 360          # pixels of one panel's plot area
MARGIN = 48
COLOURS = {"bar": (70, 120, 200), "ideal": (200, 60, 60), "axis": (40, 40, 40), "text": (20, 20, 20)}


def reliability_png(panels: Mapping[str, Sequence[dict]], path: Path) -> None:
    """``panels``: {title: [{"lo", "hi", "n", "confidence", "right"}, ...]} -> a PNG at ``path``."""
    from PIL import Image, ImageDraw

    width = len(panels) * (SIZE + 2 * MARGIN)
    image = Image.new("RGB", (max(width, 1), SIZE + 2 * MARGIN + 20), "white")
    draw = ImageDraw.Draw(image)
    for n, (title, bins) in enumerate(panels.items()):
        _panel(draw, n * (SIZE + 2 * MARGIN) + MARGIN, MARGIN, title, bins)
    image.save(path)


def _panel(draw, x0: int, y0: int, title: str, bins: Sequence[dict]) -> None:
    def at(cx: float, cy: float) -> tuple[float, float]:
        return x0 + cx * SIZE, y0 + (1 - cy) * SIZE

    total = sum(b["n"] for b in bins) or 1
    for b in bins:
        left, top = at(b["lo"], b["right"])
        right, bottom = at(b["hi"], 0.0)
        draw.rectangle([left + 2, top, right - 2, bottom], fill=COLOURS["bar"])
        draw.text((left + 3, bottom + 4), f"{b['n']}", fill=COLOURS["text"])
        cx, cy = at(b["confidence"], b["confidence"])
        draw.line([cx - 4, cy, cx + 4, cy], fill=COLOURS["axis"], width=2)
    draw.line([at(0, 0), at(1, 1)], fill=COLOURS["ideal"], width=2)
    draw.rectangle([*at(0, 1), *at(1, 0)], outline=COLOURS["axis"])
    for tick in (0.0, 0.5, 1.0):
        draw.text((at(tick, 0)[0] - 6, y0 + SIZE + 16), f"{tick:.1f}", fill=COLOURS["text"])
        draw.text((x0 - 30, at(0, tick)[1] - 6), f"{tick:.1f}", fill=COLOURS["text"])
    draw.text((x0, y0 - 36), f"{title}: share right (bars) vs confidence ({total:,} questions)",
              fill=COLOURS["text"])
    draw.text((x0, y0 + SIZE + 30), "confidence; red: calibrated; black tick: mean confidence in bin",
              fill=COLOURS["text"])
