"""EDITOR script: put words the source article does not contain in the first quote."""

from __future__ import annotations

import sys
from pathlib import Path

TEXT = "the ferry will run again on Monday"


def main(path: Path) -> int:
    lines = path.read_text(encoding="utf-8").split("\n")
    start = lines.index("quotes:")  # the front matter's quotes, one "- " item each
    at = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("  text: "))
    lines[at] = f"  text: {TEXT}"
    path.write_text("\n".join(lines), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[-1])))
