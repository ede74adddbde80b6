"""curator: a news aggregation and curation pipeline.

The public API: the Curator facade, make_curator(), settings, model values and errors.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING
from typing import Any

from curator._version import __version__ as __version__

if TYPE_CHECKING:
    from curator.config import Settings as Settings
    from curator.config import default_settings as default_settings
    from curator.config import load_settings as load_settings
    from curator.config import parse_duration as parse_duration
    from curator.core import Curator as Curator
    from curator.core import Units as Units
    from curator.core import make_curator as make_curator
    from curator.sources import OpmlImport as OpmlImport
    from curator.sources import export_opml as export_opml
    from curator.sources import plan_opml_import as plan_opml_import

from curator.errors import ApprovalBlockedError as ApprovalBlockedError
from curator.errors import BusyError as BusyError
from curator.errors import ConfigError as ConfigError
from curator.errors import CuratorError as CuratorError
from curator.errors import DraftError as DraftError
from curator.errors import DraftFormatError as DraftFormatError
from curator.errors import FetchError as FetchError
from curator.errors import InvalidTransitionError as InvalidTransitionError
from curator.errors import LoginError as LoginError
from curator.errors import NoDatabaseError as NoDatabaseError
from curator.errors import NotFoundError as NotFoundError
from curator.errors import SourceError as SourceError
from curator.errors import StaleVersionError as StaleVersionError
from curator.errors import StoreError as StoreError
from curator.errors import UserError as UserError
from curator.model import Article as Article
from curator.model import ArticleReport as ArticleReport
from curator.model import BulkResult as BulkResult
from curator.model import Draft as Draft
from curator.model import DraftContent as DraftContent
from curator.model import DraftEvent as DraftEvent
from curator.model import DraftFlag as DraftFlag
from curator.model import DraftState as DraftState
from curator.model import Entry as Entry
from curator.model import EntryCounts as EntryCounts
from curator.model import ExtractResult as ExtractResult
from curator.model import FetchOutcome as FetchOutcome
from curator.model import FieldChange as FieldChange
from curator.model import LedgerRow as LedgerRow
from curator.model import Node as Node
from curator.model import Override as Override
from curator.model import PublishResult as PublishResult
from curator.model import Quote as Quote
from curator.model import QuoteKind as QuoteKind
from curator.model import Source as Source
from curator.model import SourceChanges as SourceChanges
from curator.model import SourceReport as SourceReport
from curator.model import SourceStatus as SourceStatus
from curator.model import SpeakerKind as SpeakerKind
from curator.model import StoredQuote as StoredQuote
from curator.model import User as User

__all__ = [
    "ApprovalBlockedError",
    "Article",
    "ArticleReport",
    "BulkResult",
    "BusyError",
    "ConfigError",
    "Curator",
    "CuratorError",
    "Draft",
    "DraftContent",
    "DraftError",
    "DraftEvent",
    "DraftFlag",
    "DraftFormatError",
    "DraftState",
    "Entry",
    "EntryCounts",
    "ExtractResult",
    "FetchError",
    "FetchOutcome",
    "FieldChange",
    "InvalidTransitionError",
    "LedgerRow",
    "LoginError",
    "NoDatabaseError",
    "Node",
    "NotFoundError",
    "OpmlImport",
    "Override",
    "PublishResult",
    "Quote",
    "QuoteKind",
    "Settings",
    "Source",
    "SourceChanges",
    "SourceError",
    "SourceReport",
    "SourceStatus",
    "SpeakerKind",
    "StaleVersionError",
    "StoreError",
    "StoredQuote",
    "Units",
    "User",
    "UserError",
    "__version__",
    "default_settings",
    "export_opml",
    "load_settings",
    "make_curator",
    "parse_duration",
    "plan_opml_import",
]


# Loaded on first use: the facade pulls in httpx and SQLAlchemy, config YAML, sources
# lxml. So `import curator.model` (in parse workers) and `curator --help` stay light.
_LAZY = {
    "Curator": "curator.core",
    "Units": "curator.core",
    "make_curator": "curator.core",
    "Settings": "curator.config",
    "default_settings": "curator.config",
    "load_settings": "curator.config",
    "parse_duration": "curator.config",
    "OpmlImport": "curator.sources",
    "export_opml": "curator.sources",
    "plan_opml_import": "curator.sources",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'curator' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
