"""The web desk (`curator web`): review drafts in a browser.

A face like the CLI: it uses only the public API (`curator`, its model and errors).
"""

from __future__ import annotations

from curator.web.app import make_app as make_app

__all__ = ["make_app"]
