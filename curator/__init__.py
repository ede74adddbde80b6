"""curator: a news aggregation and curation pipeline.

The public API: the Curator facade, make_curator(), settings, model values and errors.
"""

from __future__ import annotations

__version__ = "0.1.0"

from typing import TYPE_CHECKING  # noqa: E402
from typing import Any  # noqa: E402

if TYPE_CHECKING:
    from curator.core import Curator as Curator
    from curator.core import make_curator as make_curator

from curator.config import Settings as Settings  # noqa: E402
from curator.config import load_settings as load_settings  # noqa: E402
from curator.errors import ConfigError as ConfigError  # noqa: E402
from curator.errors import CuratorError as CuratorError  # noqa: E402
from curator.errors import FetchError as FetchError  # noqa: E402
from curator.errors import NotFoundError as NotFoundError  # noqa: E402
from curator.errors import SourceError as SourceError  # noqa: E402
from curator.errors import StoreError as StoreError  # noqa: E402
from curator.model import Entry as Entry  # noqa: E402
from curator.model import EntryCounts as EntryCounts  # noqa: E402
from curator.model import FetchOutcome as FetchOutcome  # noqa: E402
from curator.model import Source as Source  # noqa: E402
from curator.model import SourceReport as SourceReport  # noqa: E402
from curator.model import SourceStatus as SourceStatus  # noqa: E402

__all__ = [
    "ConfigError",
    "Curator",
    "CuratorError",
    "Entry",
    "EntryCounts",
    "FetchError",
    "FetchOutcome",
    "NotFoundError",
    "Settings",
    "Source",
    "SourceError",
    "SourceReport",
    "SourceStatus",
    "StoreError",
    "__version__",
    "load_settings",
    "make_curator",
]


def __getattr__(name: str) -> Any:
    # The facade pulls in httpx and SQLAlchemy; load it on first use so that
    # `import curator.model` (e.g. in feed-parsing worker processes) stays light.
    if name in ("Curator", "make_curator"):
        from curator import core

        return getattr(core, name)
    raise AttributeError(f"module 'curator' has no attribute {name!r}")
