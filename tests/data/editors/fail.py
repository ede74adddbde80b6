"""EDITOR script: change the headline, then fail (exit 3), like an editor that crashed."""

from __future__ import annotations

import sys
from pathlib import Path


def main(path: Path) -> int:
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("headline: ", "headline: Half-typed ", 1), encoding="utf-8")
    return 3


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[-1])))
