import sys
from pathlib import Path

from pypdf import PdfReader


def extract(path: Path) -> str:
    reader = PdfReader(str(path))
    pages = []
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text() or ""
        pages.append(f"## Page {number}\n\n{text.strip()}\n")
    return "\n".join(pages)


def main(argv):
    for arg in argv:
        src = Path(arg)
        out = src.with_suffix(".md")
        out.write_text(extract(src), encoding="utf-8")
        print(f"wrote {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
