"""The shape of sources.yaml as pydantic models, and its errors as plain sentences.

`curator.config` validates each part of the loaded YAML against these models and turns
every error into one ``file:line: field: what is wrong`` line (it knows the lines). The
value types (durations, sizes, feed URLs) live here too; config re-exports them.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Annotated
from typing import Any
from typing import get_args
from urllib.parse import urlsplit

from pydantic import AfterValidator
from pydantic import BaseModel
from pydantic import BeforeValidator
from pydantic import ConfigDict
from pydantic import Field
from pydantic import PlainValidator
from pydantic import StringConstraints
from pydantic import ValidationError
from pydantic import ValidationInfo
from pydantic_core import ErrorDetails

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
TARGET_TYPES = ("static", "webhook", "wordpress")


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


def resolve_file_url(url: str, base_dir: Path | None) -> str:
    """`file:relative/path` is relative to the sources file's folder."""
    if url.startswith("file:") and not url.startswith("file:///") and base_dir is not None:
        relative = url.removeprefix("file:").removeprefix("//")
        return (base_dir / relative).resolve().as_uri()
    return url


# --- value types -----------------------------------------------------------------------------


def _positive_duration(value: timedelta) -> timedelta:
    if value <= timedelta(0):
        raise ValueError("must be positive")
    return value


def _more_than_zero(value: timedelta) -> timedelta:
    if value <= timedelta(0):
        raise ValueError("must be more than 0")
    return value


def _slug(value: str) -> str:
    if not _SLUG_RE.match(value):
        raise ValueError(f"id {value!r} must be a slug (lowercase letters, digits, - and _)")
    return value


def _feed_url(value: str, info: ValidationInfo) -> str:
    base_dir = info.context.get("base_dir") if isinstance(info.context, dict) else None
    url = resolve_file_url(value, base_dir)
    problem = validate_url(url)
    if problem:
        raise ValueError(problem)
    return url


def _regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as e:
        raise ValueError(f"bad regular expression {value!r}: {e}") from e
    return value


def _fraction(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
        raise ValueError(f"expected a number in (0, 1], got {value!r}")
    return float(value)


def _target_type(value: str) -> str:
    if value not in TARGET_TYPES:
        raise ValueError(f"unknown target type {value!r} (known: {', '.join(TARGET_TYPES)})")
    return value


def _listed(value: object) -> object:
    return value if isinstance(value, list) else [value]


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Count = Annotated[int, Field(ge=1)]
Duration = Annotated[timedelta, PlainValidator(parse_duration)]
Interval = Annotated[timedelta, PlainValidator(parse_duration), AfterValidator(_positive_duration)]
Size = Annotated[int, PlainValidator(parse_size)]
Fraction = Annotated[float, PlainValidator(_fraction)]
Patterns = Annotated[list[Annotated[Text, AfterValidator(_regex)]], BeforeValidator(_listed)]

#: Strict: YAML already typed every value; "yes" is not true and "3" is not 3.
_STRICT = ConfigDict(strict=True, extra="forbid")


# --- the file's sections ---------------------------------------------------------------------


class FetchModel(BaseModel):
    model_config = _STRICT
    concurrency: Count | None = None
    per_host_concurrency: Count | None = None
    per_host_delay: Duration | None = None
    max_bytes: Size | None = None
    timeout: Duration | None = None
    connect_timeout: Duration | None = None
    user_agent: Text | None = None
    allow_private_networks: bool | None = None
    max_backoff: Duration | None = None


class PatternsModel(BaseModel):
    """keep: or block: — one pattern or a list per field (curator.model.FILTER_FIELDS)."""

    model_config = _STRICT
    title: Patterns = []
    url: Patterns = []
    author: Patterns = []
    tags: Patterns = []
    content: Patterns = []


class FiltersModel(BaseModel):
    model_config = _STRICT
    keep: PatternsModel | None = None
    block: PatternsModel | None = None
    min_words: Annotated[int, Field(ge=0)] = 0
    max_age: Duration | None = None


class DefaultsModel(BaseModel):
    model_config = _STRICT
    interval: Interval | None = None
    adaptive_interval: bool | None = None
    fetch_articles: bool | None = None
    filters: FiltersModel | None = None


class SourceModel(BaseModel):
    """One item of ``sources:``; None means "not written" (the defaults apply)."""

    model_config = _STRICT
    id: Annotated[Text, AfterValidator(_slug)]
    url: Annotated[Text, AfterValidator(_feed_url)]
    name: Text | None = None
    outlet: Text | None = None
    enabled: bool = True
    interval: Interval | None = None
    adaptive_interval: bool | None = None
    fetch_articles: bool | None = None
    robots: bool = True
    allow_private_networks: bool = False
    tags: list[str] = []
    filters: FiltersModel | None = None


class CurateModel(BaseModel):
    model_config = _STRICT
    excerpt_fraction: Fraction | None = None
    excerpt_max_words: Count | None = None
    min_quotes: Count | None = None
    max_quotes: Count | None = None
    dedup_threshold: Fraction | None = None


class TargetModel(BaseModel):
    """One publish target; every other key is the target's own option."""

    model_config = ConfigDict(strict=True, extra="allow")
    name: Text
    type: Annotated[Text, AfterValidator(_target_type)]
    auto: bool = False  # `curator daemon` publishes approved drafts to it by itself


class WebhookLimitsModel(BaseModel):
    """A webhook's per-attempt deadline, per-run budget and posts in flight."""

    model_config = ConfigDict(strict=True, extra="ignore")
    timeout: Annotated[Duration, AfterValidator(_more_than_zero)] | None = None
    budget: Annotated[Duration, AfterValidator(_more_than_zero)] | None = None
    concurrency: Count | None = None


class PublishModel(BaseModel):
    model_config = _STRICT
    site_dir: Text | None = None
    templates: Text | None = None
    site_title: Text | None = None
    site_url: Text | None = None
    canonical_to_source: bool | None = None
    targets: list[Any] | None = None  # each a TargetModel, validated apart


class DaemonModel(BaseModel):
    model_config = _STRICT
    shutdown_deadline: Duration | None = None


class DocumentModel(BaseModel):
    """The file's top level. Each section, each source and each target is validated apart
    (one bad part hides no error in another)."""

    model_config = _STRICT
    fetch: Any = None  # FetchModel
    defaults: Any = None  # DefaultsModel
    curate: Any = None  # CurateModel
    sources: list[Any] | None = None  # each a SourceModel
    publish: Any = None  # PublishModel
    daemon: Any = None  # DaemonModel


# --- errors as sentences ---------------------------------------------------------------------

Location = tuple[str | int, ...]


def problems(error: ValidationError, model: type[BaseModel]) -> Iterator[tuple[Location, str]]:
    """Each error of ``error`` (raised validating ``model``): where and what, in our words."""
    for detail in error.errors(include_url=False):
        loc = tuple(detail["loc"])
        if detail["type"] == "missing":
            yield loc[:-1], f"missing required key {loc[-1]!r}"
        elif detail["type"] == "extra_forbidden":
            known = ", ".join(sorted(_model_at(model, loc[:-1]).model_fields))
            yield loc, f"unknown key {loc[-1]!r} (known: {known})"
        else:
            yield loc, _sentence(detail)


def _sentence(detail: ErrorDetails) -> str:
    kind, value, context = detail["type"], detail["input"], detail.get("ctx") or {}
    if kind in ("value_error", "assertion_error") and "error" in context:
        return str(context["error"])
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"expected a mapping, got {type(value).__name__}"
    if kind == "list_type":
        return f"expected a list, got {type(value).__name__}"
    if kind == "bool_type":
        return f"expected true or false, got {value!r}"
    if kind == "int_type":
        return f"expected a whole number, got {value!r}"
    if kind == "greater_than_equal":
        return f"expected a whole number ≥ {context['ge']}, got {value!r}"
    if kind in ("string_type", "string_too_short"):
        return f"expected a non-empty string, got {value!r}"
    return str(detail["msg"])


def _model_at(model: type[BaseModel], loc: Location) -> type[BaseModel]:
    """The model that validates the mapping at ``loc`` (list indexes skipped)."""
    for part in loc:
        if isinstance(part, str):
            model = _model_in(model.model_fields[part].annotation) or model
    return model


def _model_in(annotation: object) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in get_args(annotation):
        found = _model_in(argument)
        if found is not None:
            return found
    return None
