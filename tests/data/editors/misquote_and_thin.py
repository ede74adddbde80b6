"""EDITOR script: put words of the summary the source never quoted in quotation marks,
and empty the excerpt (a misquote and a thin draft)."""

from __future__ import annotations

import sys
from pathlib import Path

WORDS = "stopped issuing travel permits"


def main(path: Path) -> int:
    text = path.read_text(encoding="utf-8")
    head, _, _ = text.partition("## Excerpt\n")
    summary_start = head.index("## Summary\n")
    summary = head[summary_start:].replace(WORDS, f"“{WORDS}”", 1)
    path.write_text(head[:summary_start] + summary + "## Excerpt\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[-1])))
