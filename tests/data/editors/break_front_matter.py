"""EDITOR script: drop the `---` line closing the front matter (and mark the summary)."""

from __future__ import annotations

import sys
from pathlib import Path

MARK = "Edited by hand before the front matter broke."


def main(path: Path) -> int:
    lines = path.read_text(encoding="utf-8").split("\n")
    fences = [i for i, line in enumerate(lines) if line == "---"]
    del lines[fences[1]]
    at = lines.index("## Summary")
    lines[at + 2] = f"{MARK} {lines[at + 2]}"
    path.write_text("\n".join(lines), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[-1])))
