#!/usr/bin/env python3
"""Make NotoSansSC-GB2312.otf: Noto Sans CJK SC cut down to GB2312 + the app's own texts.

Usage (Debian 12):  apt-get install fonts-noto-cjk; python3 -m venv v; v/bin/pip install fonttools
                    v/bin/python assets/fonts/subset.py
"""
import pathlib
import subprocess
import sys

here = pathlib.Path(__file__).resolve().parent
root = here.parent.parent
chars = set()
# Every character GB2312 encodes (rows 0xA1-0xF7, cells 0xA1-0xFE).
for hi in range(0xA1, 0xF8):
    for lo in range(0xA1, 0xFF):
        try:
            chars.add(bytes([hi, lo]).decode("gb2312"))
        except UnicodeDecodeError:
            pass
chars.update(chr(c) for c in range(0x20, 0x17F))  # ASCII, Latin-1, Latin Extended-A
chars.update(chr(c) for c in range(0x2000, 0x2070))  # general punctuation
chars.update(chr(c) for c in range(0x3000, 0x3040))  # CJK symbols and punctuation
chars.update(chr(c) for c in range(0xFF00, 0xFFF0))  # full-width forms
for f in list((root / "assets/locales").glob("*.toml")) + list((root / "assets/specs").glob("*.toml")):
    chars.update(f.read_text(encoding="utf-8"))
chars = {c for c in chars if c.isprintable() or c == " "}
text = here / "subset-chars.txt"
text.write_text("".join(sorted(chars)), encoding="utf-8")
out = here / "NotoSansSC-GB2312.otf"
subprocess.run(
    [
        sys.executable, "-m", "fontTools.subset",
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "--font-number=2",  # Noto Sans CJK SC
        f"--text-file={text}",
        "--no-hinting",
        "--layout-features=",
        "--name-IDs=0,1,2,3,4,5,6",
        "--notdef-outline",
        f"--output-file={out}",
    ],
    check=True,
)
text.unlink()
print(out, out.stat().st_size, "bytes,", len(chars), "characters")
