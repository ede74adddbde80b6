"""EDITOR script: write the text back unchanged (the user saved and quit)."""

from __future__ import annotations

import sys
from pathlib import Path


def main(path: Path) -> int:
    path.write_bytes(path.read_bytes())
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[-1])))
