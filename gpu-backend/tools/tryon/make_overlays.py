#!/usr/bin/env python3
"""Draw the try-on demo products (this project's own artwork, Apache-2.0).

Each overlay is drawn at 4x and downsampled with Lanczos, so edges come out
with soft alpha. The anchor points that `products.toml` names are printed.

Usage: make_overlays.py <output dir>   (needs Pillow)
"""

import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

S = 4  # supersampling


def canvas(w, h):
    im = Image.new("RGBA", (w * S, h * S), (0, 0, 0, 0))
    return im, ImageDraw.Draw(im)


def s(*v):
    return [x * S for x in v]


def finish(im, w, h, path, blur=0):
    if blur:
        im = im.filter(ImageFilter.GaussianBlur(blur * S))
    im.resize((w, h), Image.LANCZOS).save(path, optimize=True)
    print(path)


def aviator(path, rim, tint):
    w, h = 520, 190
    im, d = canvas(w, h)
    for cx in (140, 380):
        # Teardrop lens: a wide ellipse top, a narrower bottom.
        box = s(cx - 105, 30, cx + 105, 175)
        d.ellipse(box, fill=tint, outline=rim, width=7 * S)
        d.rectangle(s(cx - 105, 30, cx + 105, 40), fill=(0, 0, 0, 0))
        d.line(s(cx - 100, 38, cx + 100, 38), fill=rim, width=8 * S)
        # Highlight.
        d.arc(s(cx - 80, 50, cx + 40, 150), 200, 250, fill=(255, 255, 255, 90), width=6 * S)
    d.line(s(245, 60, 275, 60), fill=rim, width=7 * S)  # bridge
    d.line(s(230, 38, 290, 38), fill=rim, width=6 * S)  # brow bar
    d.line(s(5, 45, 35, 42), fill=rim, width=8 * S)  # temple stubs
    d.line(s(485, 42, 515, 45), fill=rim, width=8 * S)
    finish(im, w, h, path)
    return (140, 95), (380, 95)


def round_frames(path, rim):
    w, h = 500, 180
    im, d = canvas(w, h)
    for cx in (135, 365):
        d.ellipse(s(cx - 88, 12, cx + 88, 170), fill=(90, 70, 50, 40), outline=rim, width=13 * S)
    d.arc(s(220, 50, 280, 110), 200, 340, fill=rim, width=10 * S)  # keyhole bridge
    d.line(s(0, 70, 50, 75), fill=rim, width=11 * S)
    d.line(s(450, 75, 500, 70), fill=rim, width=11 * S)
    finish(im, w, h, path)
    return (135, 91), (365, 91)


def fedora(path, felt, band):
    w, h = 640, 380
    im, d = canvas(w, h)
    dark = tuple(max(0, c - 40) for c in felt[:3]) + (255,)
    d.ellipse(s(10, 250, 630, 370), fill=dark)  # brim, its far half in shade
    d.rounded_rectangle(s(130, 40, 510, 310), radius=120 * S, fill=felt)  # crown
    d.polygon(s(250, 45, 320, 95, 390, 45), fill=tuple(max(0, c - 30) for c in felt[:3]) + (255,))  # pinch
    d.rectangle(s(130, 262, 510, 300), fill=band)  # band
    d.chord(s(10, 250, 630, 370), 0, 180, fill=felt, outline=dark, width=4 * S)  # near half of the brim
    finish(im, w, h, path, blur=0.6)
    # Band ends: where the hat meets the head at the temples.
    return (140, 330), (500, 330)


def hoop(path, metal):
    w, h = 90, 150
    im, d = canvas(w, h)
    d.line(s(45, 4, 45, 22), fill=metal, width=5 * S)  # hook
    d.ellipse(s(10, 20, 80, 144), outline=metal, width=9 * S)
    d.arc(s(16, 26, 74, 138), 200, 260, fill=(255, 255, 230, 200), width=3 * S)
    finish(im, w, h, path)
    return (45, 6), (45, 144)


def drop(path, metal, stone):
    w, h = 70, 170
    im, d = canvas(w, h)
    d.line(s(35, 4, 35, 60), fill=metal, width=4 * S)
    d.ellipse(s(27, 2, 43, 18), fill=metal)
    d.polygon(s(35, 60, 62, 120, 35, 166, 8, 120), fill=stone, outline=metal)
    d.polygon(s(35, 70, 50, 118, 35, 140), fill=(255, 255, 255, 110))
    finish(im, w, h, path)
    return (35, 8), (35, 166)


def main():
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    anchors = {
        "aviator-gold.png": aviator(out / "aviator-gold.png", (196, 154, 58, 255), (60, 70, 60, 120)),
        "round-tortoise.png": round_frames(out / "round-tortoise.png", (92, 52, 24, 255)),
        "fedora-navy.png": fedora(out / "fedora-navy.png", (38, 50, 86, 255), (150, 120, 70, 255)),
        "hoop-gold.png": hoop(out / "hoop-gold.png", (214, 170, 60, 255)),
        "drop-emerald.png": drop(out / "drop-emerald.png", (205, 205, 210, 255), (20, 130, 80, 230)),
    }
    for name, (a, b) in anchors.items():
        print(f"{name}: anchors [{list(a)}, {list(b)}]")


if __name__ == "__main__":
    main()
