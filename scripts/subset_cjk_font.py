#!/usr/bin/env python
"""Subset Noto Sans CJK SC to the Chinese characters the book uses: ``book/_static/fonts/``.

Usage::

    python scripts/subset_cjk_font.py [--source NotoSansCJK-Regular.ttc]
    make font        # installs Debian's fonts-noto-cjk first if it is missing

The book ships the subset (``NotoSansCJKsc-book.otf``, SIL Open Font License,
``OFL.txt`` beside it) so that Chinese text renders the same on every machine,
with or without a CJK font: the HTML pages load it through ``custom.css``
(``@font-face`` with a CJK ``unicode-range``), the PDF embeds it, and
matplotlib draws Chinese firm names with it (``esgrisk.figures``).

The characters are collected from every text file tracked by git (chapters,
book pages, the bibliography, data files, the package), plus
:data:`EXTRA_TEXT`. Add a Chinese word anywhere and ``tests/test_fonts.py``
fails until this script is re-run.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FONT_DIR = ROOT / "book" / "_static" / "fonts"
TARGET = FONT_DIR / "NotoSansCJKsc-book.otf"
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
    target.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(target))
    return target


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
