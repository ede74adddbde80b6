"""Settings: sources.yaml (fetch:, defaults:, sources:) plus CURATOR_* env vars.

Loaded once at the entry point and passed down explicitly; no globals.
Validation errors name the file, line and field.
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import timedelta
from pathlib import Path
from typing import Any
from typing import TypeVar

import yaml
from pydantic import BaseModel
from pydantic import ValidationError

from curator._schema import CurateModel
from curator._schema import DaemonModel
from curator._schema import DefaultsModel
from curator._schema import DocumentModel
from curator._schema import FetchModel
from curator._schema import FiltersModel
from curator._schema import Location
from curator._schema import PatternsModel
from curator._schema import PublishModel
from curator._schema import SourceModel
from curator._schema import TargetModel
from curator._schema import WebhookLimitsModel
from curator._schema import parse_duration as parse_duration
from curator._schema import parse_size as parse_size
from curator._schema import problems
from curator._schema import validate_url as validate_url
from curator._version import __version__
from curator.errors import ConfigError
from curator.model import FilterRules
from curator.model import Source

DEFAULT_SOURCES_PATH = "sources.yaml"
DEFAULT_DATA_DIR = "data"
DEFAULT_CONCURRENCY = 32
DEFAULT_PER_HOST_CONCURRENCY = 2
DEFAULT_PER_HOST_DELAY = timedelta(0)
DEFAULT_MAX_BYTES = 10 * 1000 * 1000
DEFAULT_TIMEOUT = timedelta(seconds=30)
DEFAULT_CONNECT_TIMEOUT = timedelta(seconds=10)
DEFAULT_CONTACT_URL = "https://github.com/curator-news/curator"
DEFAULT_USER_AGENT = f"curator/{__version__} (+{DEFAULT_CONTACT_URL})"
DEFAULT_INTERVAL = timedelta(minutes=30)
DEFAULT_MAX_BACKOFF = timedelta(hours=24)
DEFAULT_EXCERPT_FRACTION = 0.25  # summary, attribution, excerpt and quotes together (#9)
DEFAULT_EXCERPT_MAX_WORDS = 250
DEFAULT_DEDUP_THRESHOLD = 0.6
DEFAULT_SHUTDOWN_DEADLINE = timedelta(seconds=30)

#: Every setting with its one-line help. tests/test_docs.py checks README documents each.
SETTINGS_HELP: dict[str, str] = {
    "fetch.concurrency": "requests in flight, all hosts together",
    "fetch.per_host_concurrency": "requests in flight to one host",
    "fetch.per_host_delay": "minimum spacing between two requests to one host (e.g. 500ms, 1s)",
    "fetch.max_bytes": "size cap of one response body (e.g. 10MB); over it the fetch fails",
    "fetch.timeout": "total deadline of one request, body included (defeats slow-drip servers)",
    "fetch.connect_timeout": "deadline to open a connection",
    "fetch.user_agent": "User-Agent header; include a contact URL",
    "fetch.allow_private_networks": "let article links reach loopback/private addresses (tests only)",
    "fetch.max_backoff": "longest wait before retrying a failing source",
    "defaults.interval": "how often a source is due (e.g. 30m, 1h)",
    "defaults.adaptive_interval": "poll at 24h / entries a day last week (5m–24h) instead",
    "defaults.fetch_articles": "fetch each new entry's article page",
    "defaults.filters": "keep/block rules, min_words, max_age for every source (see Filters)",
    "curate.excerpt_fraction": "most of an article's words a draft may copy (0.25 = 25%)",
    "curate.excerpt_max_words": "most words a draft may copy in all",
    "curate.min_quotes": "fewest quotes a draft shows when the article has them",
    "curate.max_quotes": "most quotes a draft shows",
    "curate.dedup_threshold": "similarity (0–1) above which two stories are one",
    "publish.site_dir": "where the static site is written (default <data dir>/site)",
    "publish.templates": "a folder of Jinja2 templates overriding the shipped ones",
    "publish.site_title": "the static site's and Atom feed's title",
    "publish.site_url": "the static site's public URL (links in the Atom feed)",
    "publish.canonical_to_source": "rel=canonical of a post points at the source article",
    "publish.targets": "where approved drafts go: static (default), webhook, wordpress",
    "daemon.shutdown_deadline": "on SIGTERM, how long the daemon's work in flight may finish",
    "CURATOR_DATABASE_URL": "SQLAlchemy URL of the database (default sqlite:///<data dir>/curator.db)",
    "CURATOR_SOURCES": "path of sources.yaml (default ./sources.yaml)",
    "CURATOR_DATA_DIR": "runtime data directory (default ./data)",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchSettings:
    concurrency: int = DEFAULT_CONCURRENCY
    per_host_concurrency: int = DEFAULT_PER_HOST_CONCURRENCY
    per_host_delay: timedelta = DEFAULT_PER_HOST_DELAY
    max_bytes: int = DEFAULT_MAX_BYTES
    timeout: timedelta = DEFAULT_TIMEOUT
    connect_timeout: timedelta = DEFAULT_CONNECT_TIMEOUT
    user_agent: str = DEFAULT_USER_AGENT
    allow_private_networks: bool = False
    max_backoff: timedelta = DEFAULT_MAX_BACKOFF


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceDefaults:
    interval: timedelta = DEFAULT_INTERVAL
    adaptive_interval: bool = False
    fetch_articles: bool = True
    filters: FilterRules = field(default_factory=FilterRules)


@dataclass(frozen=True, slots=True, kw_only=True)
class CurateSettings:
    excerpt_fraction: float = DEFAULT_EXCERPT_FRACTION
    excerpt_max_words: int = DEFAULT_EXCERPT_MAX_WORDS
    min_quotes: int = 2
    max_quotes: int = 5
    dedup_threshold: float = DEFAULT_DEDUP_THRESHOLD


@dataclass(frozen=True, slots=True, kw_only=True)
class TargetSettings:
    """One place posts go: `static` (the default), `webhook` or `wordpress`."""

    name: str
    type: str
    options: tuple[tuple[str, str], ...] = ()  # target-specific keys, as strings
    auto: bool = False  # the daemon publishes approved drafts here by itself (#11)

    def option(self, key: str, default: str | None = None) -> str | None:
        return dict(self.options).get(key, default)


@dataclass(frozen=True, slots=True, kw_only=True)
class PublishSettings:
    site_dir: Path | None = None  # default: <data dir>/site
    templates_dir: Path | None = None  # overrides the shipped Jinja2 templates
    site_title: str = "curator"
    site_url: str = "http://localhost/"
    canonical_to_source: bool = True  # rel="canonical" points at the source article
    targets: tuple[TargetSettings, ...] = (TargetSettings(name="site", type="static"),)


@dataclass(frozen=True, slots=True, kw_only=True)
class DaemonSettings:
    shutdown_deadline: timedelta = DEFAULT_SHUTDOWN_DEADLINE


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    database_url: str
    data_dir: Path
    sources_path: Path
    fetch: FetchSettings = field(default_factory=FetchSettings)
    defaults: SourceDefaults = field(default_factory=SourceDefaults)
    curate: CurateSettings = field(default_factory=CurateSettings)
    publish: PublishSettings = field(default_factory=PublishSettings)
    daemon: DaemonSettings = field(default_factory=DaemonSettings)
    sources: tuple[Source, ...] = ()


# --- YAML with line numbers -------------------------------------------------


#: Most aliases (``*name``) one YAML document may use: sources.yaml needs a few at most.
MAX_YAML_ALIASES = 100
#: Most nodes aliases may expand to, all together. A few aliases nested a few levels
#: deep expand exponentially (a "billion laughs" in YAML): minutes and gigabytes.
MAX_YAML_ALIASED_NODES = 10_000


class _Located:
    """Line numbers of each mapping key and sequence item, keyed by path."""

    def __init__(self) -> None:
        self.lines: dict[tuple[str | int, ...], int] = {}
        self.built: set[int] = set()  # ids of the nodes built so far: an alias repeats one
        self.aliased = 0  # nodes built again through an alias
        self.may_alias = True  # False when the text has no "*": no node is built twice

    def line(self, path: tuple[str | int, ...]) -> int | None:
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get(())


def _construct(
    node: yaml.Node,
    loader: Any,
    where: _Located,
    path: tuple[str | int, ...],
    aliased: bool = False,
) -> Any:
    where.lines[path] = node.start_mark.line + 1
    if where.may_alias:
        aliased = aliased or id(node) in where.built
        where.built.add(id(node))
    if aliased:
        where.aliased += 1
        if where.aliased > MAX_YAML_ALIASED_NODES:
            raise ConfigError(
                f"aliases expand to more than {MAX_YAML_ALIASED_NODES:,} values"
                " (a YAML alias bomb?)",
                line=where.line(path[:1]),  # an aliased node's own mark is its anchor's
            )
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):  # str() of a nested alias: a bomb
                raise ConfigError(
                    "a key must be a plain value, not a list or a mapping",
                    line=key_node.start_mark.line + 1,
                )
            if key_node.tag == _STR_TAG:
                key = key_node.value
            else:
                key = str(loader.construct_object(key_node, deep=True))
            if key in result:
                raise ConfigError(
                    f"duplicate key {key!r}", line=key_node.start_mark.line + 1, field=key
                )
            result[key] = _construct(value_node, loader, where, (*path, key), aliased)
            where.lines[(*path, key)] = key_node.start_mark.line + 1
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _construct(item, loader, where, (*path, i), aliased)
            for i, item in enumerate(node.value)
        ]
    if node.tag == _STR_TAG:  # most values: skip the constructor's bookkeeping
        return node.value
    return loader.construct_object(node, deep=True)


_STR_TAG = "tag:yaml.org,2002:str"


def _count_aliases(text: str, path: str) -> None:
    """ConfigError past `MAX_YAML_ALIASES` aliases, at the line of the first one too many."""
    if text.count("*") <= MAX_YAML_ALIASES:  # each alias needs a "*": most files stop here
        return
    aliases = 0
    for event in yaml.parse(text, Loader=_LOADER):
        if isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > MAX_YAML_ALIASES:
                raise ConfigError(
                    f"more than {MAX_YAML_ALIASES} aliases (a YAML alias bomb?)",
                    path=path,
                    line=event.start_mark.line + 1 if event.start_mark is not None else None,
                )


#: libyaml when PyYAML was built with it: 10,000 sources load in a fraction of a second
#: instead of seconds. Same nodes, marks and errors as the pure-Python loader.
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@contextlib.contextmanager
def _collection_paused() -> Iterator[None]:
    """Pause the cyclic GC while a large file becomes many small objects.

    Nothing built here forms a cycle, yet every few hundred allocations the collector
    would walk all of them again: the loading of 10,000 sources took 8 times longer.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _load_yaml(text: str, path: str) -> tuple[Any, _Located]:
    where = _Located()
    where.may_alias = "*" in text
    try:
        _count_aliases(text, path)
        loader = _LOADER(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return {}, where
            return _construct(node, loader, where, ()), where
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark is not None else None
        raise ConfigError(f"invalid YAML: {e.problem or e}", path=path, line=line) from e
    except yaml.YAMLError as e:
        raise ConfigError(f"invalid YAML: {e}", path=path) from e
    except ConfigError as e:
        if e.path is not None:
            raise
        raise ConfigError(
            e.message.split(": ", 1)[-1], path=path, line=e.line, field=e.field
        ) from e


# --- validation (pydantic models in curator._schema) ------------------------------------------


def parse_sources_document(text: str, path: str, base_dir: Path | None = None) -> Settings:
    """Validate a sources.yaml document. Relative ``file:`` URLs resolve against base_dir.

    Every problem is reported, in one ConfigError (see its ``errors``), not only the first.
    """
    with _collection_paused():
        data, where = _load_yaml(text, path)
        return _Document(path, where, base_dir).settings(data)


class _Document:
    """Validates each part of a loaded file apart, so that one bad part hides no error in
    another, and collects every error with its line."""

    def __init__(self, path: str, where: _Located, base_dir: Path | None) -> None:
        self.path = path
        self.where = where
        self.base_dir = base_dir
        self.errors: list[ConfigError] = []

    def fail(self, message: str, at: Location) -> None:
        field_name = ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in at)
        self.errors.append(
            ConfigError(
                message,
                path=self.path,
                line=self.where.line(at),
                field=field_name.replace(".[", "[") or None,
            )
        )

    def validated(self, model: type[_M], value: Any, at: Location) -> _M | None:
        """``value`` as ``model`` (None when unwritten: all defaults), or None on errors."""
        try:
            return model.model_validate(
                {} if value is None else value, context={"base_dir": self.base_dir}
            )
        except ValidationError as e:
            for loc, message in problems(e, model):
                self.fail(message, (*at, *loc))
            return None

    def settings(self, data: Any) -> Settings:
        self.validated(DocumentModel, data, ())  # the top level's keys and shape
        top: dict[str, Any] = data if isinstance(data, dict) else {}
        fetch = self.validated(FetchModel, top.get("fetch"), ("fetch",)) or FetchModel()
        defaults = self.defaults(top.get("defaults"))
        raw_sources = top.get("sources")
        sources = self.sources(raw_sources, defaults) if isinstance(raw_sources, list) else ()
        curate = self.curate(top.get("curate"))
        publish = self.publish(top.get("publish"))
        daemon = self.validated(DaemonModel, top.get("daemon"), ("daemon",))
        if self.errors:
            self.errors.sort(key=lambda e: e.line or 0)
            raise ConfigError.several(self.errors)
        return Settings(
            database_url="",
            data_dir=Path(DEFAULT_DATA_DIR),
            sources_path=Path(self.path),
            fetch=FetchSettings(**_written(fetch)),
            defaults=defaults,
            curate=curate,
            publish=publish,
            daemon=DaemonSettings(**_written(daemon)),
            sources=sources,
        )

    def defaults(self, value: Any) -> SourceDefaults:
        written = self.validated(DefaultsModel, value, ("defaults",)) or DefaultsModel()
        return SourceDefaults(
            interval=written.interval or DEFAULT_INTERVAL,
            adaptive_interval=_given(written.adaptive_interval, False),
            fetch_articles=_given(written.fetch_articles, True),
            filters=_filters(written.filters, FilterRules()),
        )

    def sources(self, items: list[Any], defaults: SourceDefaults) -> tuple[Source, ...]:
        sources: list[Source] = []
        seen: dict[str, int | None] = {}
        for index, item in enumerate(items):
            at: Location = ("sources", index)
            if not item:
                self.fail("empty source", at)
                continue
            line = self.where.line(at)
            # An id is taken even by a source with errors: its duplicates are errors too.
            raw_id = item.get("id") if isinstance(item, dict) else None
            source_id = raw_id.strip() if isinstance(raw_id, str) else None
            if source_id in seen:
                self.fail(
                    f"duplicate id {source_id!r} (first defined on line {seen[source_id]})",
                    (*at, "id"),
                )
                source_id = None
            elif source_id is not None:
                seen[source_id] = line
            written = self.validated(SourceModel, item, at)
            if written is None or source_id is None:
                continue
            name = written.name or written.id
            sources.append(
                Source(
                    id=written.id,
                    url=written.url,
                    name=name,
                    outlet=written.outlet or name,
                    enabled=written.enabled,
                    interval=written.interval or defaults.interval,
                    adaptive_interval=_given(written.adaptive_interval, defaults.adaptive_interval),
                    fetch_articles=_given(written.fetch_articles, defaults.fetch_articles),
                    robots=written.robots,
                    allow_private_networks=written.allow_private_networks,
                    tags=tuple(written.tags),
                    filters=_filters(written.filters, defaults.filters),
                    line=line,
                )
            )
        return tuple(sources)

    def curate(self, value: Any) -> CurateSettings:
        written = self.validated(CurateModel, value, ("curate",))
        settings = CurateSettings(**_written(written)) if written else CurateSettings()
        if settings.min_quotes > settings.max_quotes:
            self.fail("min_quotes is more than max_quotes", ("curate", "min_quotes"))
        return settings

    def publish(self, value: Any) -> PublishSettings:
        written = self.validated(PublishModel, value, ("publish",))
        if written is None:
            return PublishSettings()
        folder = self.base_dir or Path(".")
        values: dict[str, Any] = _written(written)
        values.pop("targets", None)
        if "site_dir" in values:
            values["site_dir"] = folder / values["site_dir"]
        if "templates" in values:
            values["templates_dir"] = folder / values.pop("templates")
        if written.targets is not None:
            values["targets"] = self.targets(written.targets)
        return PublishSettings(**values)

    def targets(self, items: list[Any]) -> tuple[TargetSettings, ...]:
        targets: list[TargetSettings] = []
        for index, item in enumerate(items):
            at: Location = ("publish", "targets", index)
            target = self.validated(TargetModel, item, at)
            if target is None:
                continue
            extra = target.model_extra or {}
            options = tuple((str(k), str(v)) for k, v in extra.items())
            if target.name in {t.name for t in targets}:
                self.fail(f"duplicate target name {target.name!r}", (*at, "name"))
            if target.type in ("webhook", "wordpress") and not dict(options).get("url"):
                self.fail(f"a {target.type} target needs a url", at)
            if target.type == "wordpress" and not dict(options).get("user"):
                self.fail("a wordpress target needs a user", at)
            if target.type == "webhook":
                self.validated(WebhookLimitsModel, extra, at)
            targets.append(
                TargetSettings(
                    name=target.name, type=target.type, options=options, auto=target.auto
                )
            )
        return tuple(targets)


_M = TypeVar("_M", bound=BaseModel)


def _written(model: BaseModel | None) -> dict[str, Any]:
    """The fields of ``model`` the file sets (None is "not written": the default applies)."""
    return {} if model is None else {k: v for k, v in model if v is not None}


def _given(value: bool | None, default: bool) -> bool:
    return default if value is None else value


def _filters(written: FiltersModel | None, defaults: FilterRules) -> FilterRules:
    """A source's rules add to the defaults'; its min_words/max_age replace theirs.

    Whether a source sets min_words/max_age is what it wrote: its own ``min_words: 0``
    turns the defaults' minimum off.
    """
    if written is None:
        return defaults
    keep = _pairs(written.keep)
    block = _pairs(written.block)
    fields_set = written.model_fields_set
    return FilterRules(
        keep=defaults.keep + keep,
        block=defaults.block + block,
        min_words=written.min_words if "min_words" in fields_set else defaults.min_words,
        max_age=written.max_age if "max_age" in fields_set else defaults.max_age,
    )


def _pairs(patterns: PatternsModel | None) -> tuple[tuple[str, str], ...]:
    if patterns is None:
        return ()
    return tuple((name, pattern) for name, listed in patterns for pattern in listed)


def load_settings(
    sources_path: str | Path | None = None,
    *,
    database_url: str | None = None,
    data_dir: str | Path | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Read sources.yaml and CURATOR_* env vars. Explicit arguments (CLI flags) win over env."""
    env = os.environ if env is None else env
    path = Path(sources_path or env.get("CURATOR_SOURCES") or DEFAULT_SOURCES_PATH)
    data = Path(data_dir or env.get("CURATOR_DATA_DIR") or DEFAULT_DATA_DIR)
    url = check_database_url(
        database_url or env.get("CURATOR_DATABASE_URL") or default_database_url(data)
    )
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as e:
        raise ConfigError("sources file not found (set CURATOR_SOURCES)", path=str(path)) from e
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read sources file: {e}", path=str(path)) from e
    parsed = parse_sources_document(text, str(path), base_dir=path.resolve().parent)
    return Settings(
        database_url=url,
        data_dir=data,
        sources_path=path,
        fetch=parsed.fetch,
        defaults=parsed.defaults,
        curate=parsed.curate,
        publish=parsed.publish,
        daemon=parsed.daemon,
        sources=parsed.sources,
    )


def default_database_url(data_dir: Path) -> str:
    return f"sqlite:///{(data_dir / 'curator.db').as_posix()}"


def check_database_url(url: str) -> str:
    """``url``, or ConfigError when it cannot keep anything between two commands.

    An in-memory SQLite database (``sqlite://``, ``sqlite:///:memory:``, ``mode=memory``)
    is empty again at every command: each would "work" on nothing (#10).
    """
    scheme, separator, rest = url.partition("://")
    if not separator or scheme.split("+", 1)[0].lower() != "sqlite":
        return url  # anything else is the store's to judge
    database, _, query = rest.removeprefix("/").partition("?")
    if (
        database in ("", ":memory:")
        or database.startswith("file::memory:")
        or "mode=memory" in database
        or "mode=memory" in query
    ):
        raise ConfigError(
            f"{url} is an in-memory SQLite database, empty again at every command;"
            f" use a file (e.g. {default_database_url(Path(DEFAULT_DATA_DIR))}) or PostgreSQL",
            field="database URL",
        )
    return url


def default_settings(
    *,
    database_url: str | None = None,
    data_dir: str | Path | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Settings with no sources file: defaults plus CURATOR_* env vars."""
    env = os.environ if env is None else env
    data = Path(data_dir or env.get("CURATOR_DATA_DIR") or DEFAULT_DATA_DIR)
    return Settings(
        database_url=check_database_url(
            database_url or env.get("CURATOR_DATABASE_URL") or default_database_url(data)
        ),
        data_dir=data,
        sources_path=Path(env.get("CURATOR_SOURCES") or DEFAULT_SOURCES_PATH),
    )
