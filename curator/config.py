"""Settings: sources.yaml (fetch:, defaults:, sources:) plus CURATOR_* env vars.

Loaded once at the entry point and passed down explicitly; no globals.
Validation errors name the file, line and field.
"""

from __future__ import annotations

import contextlib
import gc
import ipaddress
import os
import re
from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from curator._version import __version__
from curator.errors import ConfigError
from curator.model import FILTER_FIELDS
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
    "CURATOR_DATABASE_URL": "SQLAlchemy URL of the database (default sqlite:///<data dir>/curator.db)",
    "CURATOR_SOURCES": "path of sources.yaml (default ./sources.yaml)",
    "CURATOR_DATA_DIR": "runtime data directory (default ./data)",
}

_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_DURATION_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, None: 1}
_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {
    "b": 1,
    "kb": 1000,
    "kib": 1024,
    "mb": 1000**2,
    "mib": 1024**2,
    "gb": 1000**3,
    "gib": 1024**3,
}
_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_SPACE_RE = re.compile(r"\s")
_IPV4_STYLE_RE = re.compile(r"^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$")


def parse_duration(value: object) -> timedelta:
    """'30m', '1h', '500ms', '2s' or a number of seconds → timedelta."""
    if isinstance(value, bool):
        raise ValueError(f"not a duration: {value!r}")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        match = _DURATION_RE.match(str(value))
        if not match:
            raise ValueError(f"not a duration: {value!r} (use e.g. 30s, 15m, 1h)")
        seconds = float(match.group(1)) * _DURATION_UNITS[match.group(2)]
    if seconds < 0:
        raise ValueError(f"duration must not be negative: {value!r}")
    return timedelta(seconds=seconds)


def parse_size(value: object) -> int:
    """'10MB', '512KiB' or a number of bytes → int."""
    if isinstance(value, bool):
        raise ValueError(f"not a size: {value!r}")
    if isinstance(value, int):
        size = value
    else:
        match = _SIZE_RE.match(str(value))
        if not match:
            raise ValueError(f"not a size: {value!r} (use e.g. 10MB, 512KiB)")
        size = int(float(match.group(1)) * _SIZE_UNITS[(match.group(2) or "b").lower()])
    if size <= 0:
        raise ValueError(f"size must be positive: {value!r}")
    return size


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
class Settings:
    database_url: str
    data_dir: Path
    sources_path: Path
    fetch: FetchSettings = field(default_factory=FetchSettings)
    defaults: SourceDefaults = field(default_factory=SourceDefaults)
    curate: CurateSettings = field(default_factory=CurateSettings)
    publish: PublishSettings = field(default_factory=PublishSettings)
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


# --- validation ---------------------------------------------------------------

_FETCH_KEYS = {k.split(".", 1)[1] for k in SETTINGS_HELP if k.startswith("fetch.")}
_DEFAULT_KEYS = {k.split(".", 1)[1] for k in SETTINGS_HELP if k.startswith("defaults.")}
_SOURCE_KEYS = {
    "id",
    "url",
    "name",
    "outlet",
    "enabled",
    "interval",
    "fetch_articles",
    "robots",
    "allow_private_networks",
    "tags",
    "filters",
}
_TOP_KEYS = {"fetch", "defaults", "curate", "sources", "publish"}
_CURATE_KEYS = {k.split(".", 1)[1] for k in SETTINGS_HELP if k.startswith("curate.")}
_FILTER_KEYS = {"keep", "block", "min_words", "max_age"}
_PUBLISH_KEYS = {k.split(".", 1)[1] for k in SETTINGS_HELP if k.startswith("publish.")}
_TARGET_TYPES = ("static", "webhook", "wordpress")
_WEBHOOK_LIMITS = (("timeout", "duration"), ("budget", "duration"), ("concurrency", "int"))


class _Checker:
    def __init__(self, path: str, where: _Located) -> None:
        self.path = path
        self.where = where

    def fail(self, message: str, at: tuple[str | int, ...]) -> ConfigError:
        field_name = ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in at)
        field_name = field_name.replace(".[", "[")
        return ConfigError(message, path=self.path, line=self.where.line(at), field=field_name)

    def mapping(self, value: Any, at: tuple[str | int, ...], allowed: set[str]) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(f"expected a mapping, got {type(value).__name__}", at)
        for key in value:
            if key not in allowed:
                known = ", ".join(sorted(allowed))
                raise self.fail(f"unknown key {key!r} (known: {known})", (*at, key))
        return value

    def convert(self, value: Any, at: tuple[str | int, ...], kind: str) -> Any:
        try:
            if kind == "duration":
                return parse_duration(value)
            if kind == "size":
                return parse_size(value)
            if kind == "bool":
                if not isinstance(value, bool):
                    raise ValueError(f"expected true or false, got {value!r}")
                return value
            if kind == "int":
                if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                    raise ValueError(f"expected a whole number ≥ 1, got {value!r}")
                return value
            if kind == "str":
                if not isinstance(value, str) or not value.strip():
                    raise ValueError(f"expected a non-empty string, got {value!r}")
                return value.strip()
        except ValueError as e:
            raise self.fail(str(e), at) from e
        raise AssertionError(kind)

    def filters(self, value: Any, at: tuple[str | int, ...]) -> FilterRules:
        raw = self.mapping(value, at, _FILTER_KEYS)
        rules: dict[str, tuple[tuple[str, str], ...]] = {}
        for side in ("keep", "block"):
            patterns = self.mapping(raw.get(side), (*at, side), set(FILTER_FIELDS))
            pairs: list[tuple[str, str]] = []
            for field_name, pattern in patterns.items():
                where_ = (*at, side, field_name)
                items = pattern if isinstance(pattern, list) else [pattern]
                for item in items:
                    text = self.convert(item, where_, "str")
                    try:
                        re.compile(text)
                    except re.error as e:
                        raise self.fail(f"bad regular expression {text!r}: {e}", where_) from e
                    pairs.append((field_name, text))
            rules[side] = tuple(pairs)
        min_words = raw.get("min_words", 0)
        if isinstance(min_words, bool) or not isinstance(min_words, int) or min_words < 0:
            raise self.fail(f"expected a whole number ≥ 0, got {min_words!r}", (*at, "min_words"))
        max_age = (
            self.convert(raw["max_age"], (*at, "max_age"), "duration") if "max_age" in raw else None
        )
        return FilterRules(
            keep=rules["keep"], block=rules["block"], min_words=min_words, max_age=max_age
        )

    def publish(self, value: Any, base_dir: Path | None) -> PublishSettings:
        at: tuple[str | int, ...] = ("publish",)
        raw = self.mapping(value, at, _PUBLISH_KEYS)
        folder = base_dir or Path(".")
        values: dict[str, Any] = {}
        for key, name in (("site_dir", "site_dir"), ("templates", "templates_dir")):
            if key in raw:
                values[name] = folder / self.convert(raw[key], (*at, key), "str")
        for key in ("site_title", "site_url"):
            if key in raw:
                values[key] = self.convert(raw[key], (*at, key), "str")
        if "canonical_to_source" in raw:
            values["canonical_to_source"] = self.convert(
                raw["canonical_to_source"], (*at, "canonical_to_source"), "bool"
            )
        if "targets" in raw:
            items = raw["targets"]
            if not isinstance(items, list):
                raise self.fail("expected a list of targets", (*at, "targets"))
            targets: list[TargetSettings] = []
            for index, item in enumerate(items):
                where_ = (*at, "targets", index)
                if not isinstance(item, dict):
                    raise self.fail("expected a mapping", where_)
                name = self.convert(item.get("name"), (*where_, "name"), "str")
                kind = self.convert(item.get("type"), (*where_, "type"), "str")
                if kind not in _TARGET_TYPES:
                    raise self.fail(
                        f"unknown target type {kind!r} (known: {', '.join(_TARGET_TYPES)})",
                        (*where_, "type"),
                    )
                if name in {t.name for t in targets}:
                    raise self.fail(f"duplicate target name {name!r}", (*where_, "name"))
                options = tuple(
                    (str(k), str(v)) for k, v in item.items() if k not in ("name", "type")
                )
                if kind in ("webhook", "wordpress") and not dict(options).get("url"):
                    raise self.fail(f"a {kind} target needs a url", where_)
                if kind == "wordpress" and not dict(options).get("user"):
                    raise self.fail("a wordpress target needs a user", where_)
                if kind == "webhook":  # per-attempt deadline, per-run budget, posts in flight
                    for key, check in _WEBHOOK_LIMITS:
                        if key in item and not self.convert(item[key], (*where_, key), check):
                            raise self.fail("must be more than 0", (*where_, key))
                targets.append(TargetSettings(name=name, type=kind, options=options))
            values["targets"] = tuple(targets)
        return PublishSettings(**values)

    def curate(self, value: Any) -> CurateSettings:
        raw = self.mapping(value, ("curate",), _CURATE_KEYS)
        values: dict[str, Any] = {}
        for key in ("excerpt_fraction", "dedup_threshold"):
            if key in raw:
                number = raw[key]
                if (
                    isinstance(number, bool)
                    or not isinstance(number, int | float)
                    or not (0 < number <= 1)
                ):
                    raise self.fail(f"expected a number in (0, 1], got {number!r}", ("curate", key))
                values[key] = float(number)
        for key in ("excerpt_max_words", "min_quotes", "max_quotes"):
            if key in raw:
                values[key] = self.convert(raw[key], ("curate", key), "int")
        settings = CurateSettings(**values)
        if settings.min_quotes > settings.max_quotes:
            raise self.fail("min_quotes is more than max_quotes", ("curate", "min_quotes"))
        return settings


_FETCH_KINDS = {
    "concurrency": "int",
    "per_host_concurrency": "int",
    "per_host_delay": "duration",
    "max_bytes": "size",
    "timeout": "duration",
    "connect_timeout": "duration",
    "user_agent": "str",
    "allow_private_networks": "bool",
    "max_backoff": "duration",
}


def validate_url(url: str) -> str | None:
    """Why ``url`` is not a usable feed URL, or None when it is."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (validates the port)
    except ValueError as e:
        return f"bad URL {url!r}: {e}"
    if parts.scheme not in ("http", "https", "file"):
        return f"bad URL {url!r}: scheme must be http, https or file"
    if parts.scheme != "file" and not parts.hostname:
        return f"bad URL {url!r}: no host"
    host = parts.hostname or ""
    if _IPV4_STYLE_RE.match(host):  # as httpx: 0177.0.0.1 is octal to some, decimal to others
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            return f"not a valid URL {url!r}: {host!r} is not a valid IPv4 address"
    if _SPACE_RE.search(url):
        return f"bad URL {url!r}: contains white space"
    return None


def parse_sources_document(text: str, path: str, base_dir: Path | None = None) -> Settings:
    """Validate a sources.yaml document. Relative ``file:`` URLs resolve against base_dir."""
    with _collection_paused():
        return _parse_document(text, path, base_dir)


def _parse_document(text: str, path: str, base_dir: Path | None) -> Settings:
    data, where = _load_yaml(text, path)
    check = _Checker(path, where)
    top = check.mapping(data, (), _TOP_KEYS)

    raw_fetch = check.mapping(top.get("fetch"), ("fetch",), _FETCH_KEYS)
    fetch_values = {
        key: check.convert(value, ("fetch", key), _FETCH_KINDS[key])
        for key, value in raw_fetch.items()
    }
    fetch = FetchSettings(**fetch_values)

    raw_defaults = check.mapping(top.get("defaults"), ("defaults",), _DEFAULT_KEYS)
    default_filters = check.filters(raw_defaults.get("filters"), ("defaults", "filters"))
    defaults = SourceDefaults(
        filters=default_filters,
        interval=check.convert(raw_defaults["interval"], ("defaults", "interval"), "duration")
        if "interval" in raw_defaults
        else DEFAULT_INTERVAL,
        fetch_articles=check.convert(
            raw_defaults["fetch_articles"], ("defaults", "fetch_articles"), "bool"
        )
        if "fetch_articles" in raw_defaults
        else True,
    )

    raw_sources = top.get("sources") or []
    if not isinstance(raw_sources, list):
        raise check.fail("expected a list of sources", ("sources",))
    sources: list[Source] = []
    seen: dict[str, int | None] = {}
    for index, raw in enumerate(raw_sources):
        at: tuple[str | int, ...] = ("sources", index)
        item = check.mapping(raw, at, _SOURCE_KEYS)
        if item is None or not item:
            raise check.fail("empty source", at)
        for required in ("id", "url"):
            if required not in item:
                raise check.fail(f"missing required key {required!r}", at)
        source_id = check.convert(item["id"], (*at, "id"), "str")
        if not _SLUG_RE.match(source_id):
            raise check.fail(
                f"id {source_id!r} must be a slug (lowercase letters, digits, - and _)",
                (*at, "id"),
            )
        if source_id in seen:
            raise check.fail(
                f"duplicate id {source_id!r} (first defined on line {seen[source_id]})",
                (*at, "id"),
            )
        seen[source_id] = where.line(at)
        url = check.convert(item["url"], (*at, "url"), "str")
        url = _resolve_file_url(url, base_dir)
        problem = validate_url(url)
        if problem:
            raise check.fail(problem, (*at, "url"))
        name = check.convert(item.get("name", source_id), (*at, "name"), "str")
        tags_raw = item.get("tags", [])
        if not isinstance(tags_raw, list) or not all(isinstance(t, str) for t in tags_raw):
            raise check.fail("expected a list of strings", (*at, "tags"))
        sources.append(
            Source(
                id=source_id,
                url=url,
                name=name,
                outlet=check.convert(item.get("outlet", name), (*at, "outlet"), "str"),
                enabled=check.convert(item.get("enabled", True), (*at, "enabled"), "bool"),
                interval=check.convert(item["interval"], (*at, "interval"), "duration")
                if "interval" in item
                else defaults.interval,
                fetch_articles=check.convert(
                    item["fetch_articles"], (*at, "fetch_articles"), "bool"
                )
                if "fetch_articles" in item
                else defaults.fetch_articles,
                robots=check.convert(item.get("robots", True), (*at, "robots"), "bool"),
                allow_private_networks=check.convert(
                    item.get("allow_private_networks", False),
                    (*at, "allow_private_networks"),
                    "bool",
                ),
                tags=tuple(tags_raw),
                filters=_merge_filters(
                    default_filters,
                    check.filters(item.get("filters"), (*at, "filters")),
                    item.get("filters") or {},
                ),
                line=where.line(at),
            )
        )
    curate = check.curate(top.get("curate"))
    publish = check.publish(top.get("publish"), base_dir)
    for source in sources:
        if source.interval <= timedelta(0):
            raise ConfigError("interval must be positive", path=path, line=source.line)
    return Settings(
        database_url="",
        data_dir=Path(DEFAULT_DATA_DIR),
        sources_path=Path(path),
        fetch=fetch,
        defaults=defaults,
        curate=curate,
        publish=publish,
        sources=tuple(sources),
    )


def _merge_filters(defaults: FilterRules, own: FilterRules, written: Any) -> FilterRules:
    """A source's rules add to the defaults'; its min_words/max_age replace theirs.

    Whether a source sets min_words/max_age is what it wrote (``written``): its own
    ``min_words: 0`` turns the defaults' minimum off, which `or` took for unset.
    """
    return FilterRules(
        keep=defaults.keep + own.keep,
        block=defaults.block + own.block,
        min_words=own.min_words if "min_words" in written else defaults.min_words,
        max_age=own.max_age if "max_age" in written else defaults.max_age,
    )


def _resolve_file_url(url: str, base_dir: Path | None) -> str:
    """`file:relative/path` is relative to the sources file's folder."""
    if url.startswith("file:") and not url.startswith("file:///") and base_dir is not None:
        relative = url.removeprefix("file:").removeprefix("//")
        return (base_dir / relative).resolve().as_uri()
    return url


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
