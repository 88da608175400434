"""Draw the application icon (a tiny painted label map turning into a landscape) as PNGs.

The icon is made by us, not downloaded: `python packaging/make_icon.py` rewrites
resources/icons/oasis-studio-{16,32,48,64,128,256}.png.
"""

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

OUT = Path(__file__).resolve().parents[1] / "resources" / "icons"


def draw(size: int = 256) -> Image.Image:
    s = 4 * size  # draw large, then downsample for smooth edges
    im = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    mask = Image.new("L", (s, s), 0)
    ImageDraw.Draw(mask).rounded_rectangle([0, 0, s - 1, s - 1], radius=s // 5, fill=255)
    y = np.linspace(0, 1, s)[:, None]
    sky = np.dstack([90 + 80 * y, 150 + 70 * y, 235 + 0 * y]) * np.ones((1, s, 1))
    scene = Image.fromarray(sky.astype(np.uint8), "RGB").convert("RGBA")
    d = ImageDraw.Draw(scene)
    d.ellipse([int(0.62 * s), int(0.14 * s), int(0.82 * s), int(0.34 * s)], fill=(255, 226, 120))
    d.polygon([(0, int(0.62 * s)), (int(0.3 * s), int(0.3 * s)), (int(0.55 * s), int(0.58 * s)),
               (int(0.75 * s), int(0.42 * s)), (s, int(0.66 * s)), (s, s), (0, s)], fill=(116, 96, 140))
    d.rectangle([0, int(0.68 * s), s, s], fill=(64, 150, 200))
    d.polygon([(0, int(0.8 * s)), (int(0.5 * s), int(0.74 * s)), (s, int(0.82 * s)), (s, s), (0, s)],
              fill=(86, 170, 80))
    # the left third stays a flat "label map": the painting side of the tool
    flat = scene.crop((0, 0, s // 3, s)).quantize(6).convert("RGBA")
    scene = scene.filter(ImageFilter.GaussianBlur(s / 180))
    scene.paste(flat, (0, 0))
    ImageDraw.Draw(scene).line([(s // 3, 0), (s // 3, s)], fill=(255, 255, 255, 200), width=max(2, s // 90))
    im.paste(scene, (0, 0), mask)
    return im.resize((size, size), Image.LANCZOS)


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    big = draw(256)
    for n in (16, 32, 48, 64, 128, 256):
        (big if n == 256 else big.resize((n, n), Image.LANCZOS)).save(OUT / f"oasis-studio-{n}.png")
    print(f"icons written to {OUT}")
