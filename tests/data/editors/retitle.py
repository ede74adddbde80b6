"""EDITOR script: give the draft a new headline (the `headline:` line of the front matter)."""

from __future__ import annotations

import sys
from pathlib import Path

HEADLINE = "Island Workers Still Waiting for Ferry Permits"


def main(path: Path) -> int:
    lines = path.read_text(encoding="utf-8").split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith("headline: "))
    lines[at] = f"headline: {HEADLINE}"
    path.write_text("\n".join(lines), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[-1])))
