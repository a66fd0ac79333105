import base64
import mimetypes
import re
import sys
from pathlib import Path


def inline(html_path: Path) -> str:
    html = html_path.read_text(encoding="utf-8")

    def repl(match):
        src = match.group(1)
        if src.startswith(("http:", "https:", "data:")):
            return match.group(0)
        img = html_path.parent / src
        mime = mimetypes.guess_type(str(img))[0] or "application/octet-stream"
        data = base64.b64encode(img.read_bytes()).decode("ascii")
        return f'src="data:{mime};base64,{data}"'

    return re.sub(r'src="([^"]+)"', repl, html)


if __name__ == "__main__":
    sys.stdout.write(inline(Path(sys.argv[1])))
