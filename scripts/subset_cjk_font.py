#!/usr/bin/env python
"""Subset Noto Sans CJK SC to the Chinese characters the book uses: ``book/_static/fonts/``.

Usage::

    python scripts/subset_cjk_font.py [--source NotoSansCJK-Regular.ttc]
    make font        # installs Debian's fonts-noto-cjk first if it is missing

The book ships the subset (``NotoSansCJKsc-book.ttf``, SIL Open Font License,
``OFL.txt`` beside it) so that Chinese text renders the same on every machine,
with or without a CJK font: the HTML pages load it through ``custom.css``
(``@font-face`` with a CJK ``unicode-range``), the PDF embeds it, and
matplotlib draws Chinese firm names with it (``esgrisk.figures``).

The characters are collected from every text file tracked by git (chapters,
book pages, the bibliography, data files, the package), the translation
catalogues of the Chinese edition (``book/locale``, ``esgrisk/locale``, tracked
or not yet), every page of the built Chinese edition (``_build/html/zh``: the
labels Sphinx and the theme write in Chinese, the text the code generates),
plus :data:`EXTRA_TEXT`. ``make font`` builds the book first. Add a Chinese
word anywhere and ``tests/test_readers.py`` fails until this script is re-run.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FONT_DIR = ROOT / "book" / "_static" / "fonts"
TARGET = FONT_DIR / "NotoSansCJKsc-book.ttf"
DEBIAN_TTC = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
FACE = "Noto Sans CJK SC"
#: Names a user's panel is likely to carry (the paper's listed e-commerce firms in Chinese),
#: so that figures of such a panel show them without re-subsetting.
EXTRA_TEXT = "阿里巴巴京东拼多多唯品会苏宁易购美团携程当当网聚美优品蘑菇街小米网易严选有赞宝尊电商跨境通南极电商"
#: Full-width punctuation and the CJK symbols block are always kept.
ALWAYS = "".join(chr(c) for c in range(0x3000, 0x3040)) + "".join(chr(c) for c in range(0xFF01, 0xFF5F))


def is_cjk(char: str) -> bool:
    """Whether ``char`` is a CJK ideograph, CJK punctuation or a full-width form."""
    c = ord(char)
    return (0x2E80 <= c <= 0x2FDF or 0x3000 <= c <= 0x303F or 0x3400 <= c <= 0x4DBF
            or 0x4E00 <= c <= 0x9FFF or 0xF900 <= c <= 0xFAFF or 0xFF00 <= c <= 0xFFEF)


def used_characters(root: Path = ROOT) -> set[str]:
    """Every CJK character of the text files git tracks under ``root`` (and :data:`EXTRA_TEXT`)."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=root, check=True, capture_output=True).stdout
    chars = set(EXTRA_TEXT) | set(ALWAYS)
    for name in listed.decode().split("\0"):
        path = root / name
        if not name or not path.is_file() or path.suffix in {".otf", ".ttf", ".png", ".pdf", ".zip"}:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        chars.update(ch for ch in text if is_cjk(ch))
    return chars | edition_characters(root)


#: Where the Chinese edition's text lives besides the tracked files: its catalogues and its pages.
EDITION_GLOBS = ("book/locale/**/*.po", "esgrisk/locale/**/*.po", "_build/html/zh/**/*.html")


def edition_characters(root: Path = ROOT) -> set[str]:
    """Every CJK character of the Chinese edition: its catalogues and, if built, its HTML pages."""
    chars: set[str] = set()
    for pattern in EDITION_GLOBS:
        for path in root.glob(pattern):
            chars.update(ch for ch in path.read_text(encoding="utf-8", errors="replace") if is_cjk(ch))
    return chars


def subset(source: Path, chars: set[str], target: Path = TARGET) -> Path:
    """Write the ``FACE`` face of ``source`` (a .ttc or .otf) cut down to ``chars`` (and Latin digits)."""
    from fontTools import subset as ft_subset
    from fontTools.ttLib import TTCollection, TTFont

    if source.suffix.lower() == ".ttc":
        faces = TTCollection(str(source)).fonts
        font = next((f for f in faces if f["name"].getDebugName(4) == FACE), None)
        if font is None:
            raise SystemExit(f"subset_cjk_font: no face {FACE!r} in {source}")
    else:
        font = TTFont(str(source))
    options = ft_subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.drop_tables += ["DSIG"]
    subsetter = ft_subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(chars)) + "0123456789")
    subsetter.subset(font)
    if font.sfntVersion == "OTTO":
        to_truetype(font)
    target.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(target))
    return target


def to_truetype(font) -> None:
    """Replace the CFF outlines of ``font`` by quadratic TrueType (``glyf``) outlines, in place.

    Chromium's PDF writer embeds CFF fonts as nameless Type 3 glyph procedures; TrueType
    outlines are embedded as a real, named, searchable font (and suit matplotlib as well).
    This is fontTools' ``otf2ttf`` recipe (cu2qu with a 1-unit tolerance).
    """
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import newTable

    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        glyphs[name] = pen.glyph()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = glyphs
    del font["CFF "]
    if "VORG" in font:
        del font["VORG"]
    glyf.compile(font)
    hmtx = font["hmtx"]
    for name, glyph in glyphs.items():  # left side bearings follow the new outlines
        if hasattr(glyph, "xMin"):
            hmtx[name] = (hmtx[name][0], glyph.xMin)
    font["maxp"] = maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for field in ("maxZones",):
        setattr(maxp, field, 1)
    for field in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                  "maxStackElements", "maxSizeOfInstructions", "maxComponentElements",
                  "maxComponentDepth"):
        setattr(maxp, field, 0)
    maxp.recalc(font)
    font["post"].formatType = 2.0
    font["post"].extraNames = []
    font["post"].mapping = {}
    font["post"].glyphOrder = order
    font.sfntVersion = "\000\001\000\000"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEBIAN_TTC,
                        help=f"Noto Sans CJK collection (default: {DEBIAN_TTC}, Debian's fonts-noto-cjk)")
    args = parser.parse_args(argv)
    if not args.source.is_file():
        print(f"subset_cjk_font: {args.source} not found; install fonts-noto-cjk (make font does)",
              file=sys.stderr)
        return 1
    chars = used_characters()
    path = subset(args.source, chars)
    print(f"[font] {path.relative_to(ROOT)}: {len(chars)} characters, {path.stat().st_size // 1024} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
