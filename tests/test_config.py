from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from curator.config import DEFAULT_MAX_BYTES
from curator.config import default_settings
from curator.config import load_settings
from curator.config import parse_duration
from curator.config import parse_size
from curator.config import parse_sources_document
from curator.errors import ConfigError

REPO = Path(__file__).resolve().parent.parent


def parse(text: str) -> object:
    return parse_sources_document(text, "sources.yaml", base_dir=Path("/srv/x"))


def error_of(text: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        parse(text)
    return info.value


def test_shipped_sources_yaml_is_valid_and_enables_the_offline_sample() -> None:
    settings = load_settings(REPO / "sources.yaml", env={})
    enabled = [s for s in settings.sources if s.enabled]
    assert [s.id for s in enabled] == ["sample"]
    assert enabled[0].url.startswith("file:///")
    assert Path(enabled[0].url.removeprefix("file://")).is_file()


def test_defaults_apply_to_sources() -> None:
    settings = parse_sources_document(
        "defaults: {interval: 1h, fetch_articles: false}\n"
        "sources:\n"
        "  - id: a\n    url: https://example.com/a.xml\n"
        "  - id: b\n    url: https://example.com/b.xml\n    interval: 5m\n",
        "s.yaml",
    )
    a, b = settings.sources
    assert a.interval == timedelta(hours=1) and a.fetch_articles is False
    assert b.interval == timedelta(minutes=5)
    assert a.name == "a" and a.outlet == "a"
    assert settings.fetch.max_bytes == DEFAULT_MAX_BYTES


def test_adaptive_interval_is_off_by_default_and_set_in_defaults_or_per_source() -> None:
    settings = parse_sources_document(
        "sources:\n  - id: a\n    url: https://example.com/a.xml\n", "s.yaml"
    )
    assert settings.defaults.adaptive_interval is False
    assert settings.sources[0].adaptive_interval is False
    settings = parse_sources_document(
        "defaults: {adaptive_interval: true}\n"
        "sources:\n"
        "  - id: a\n    url: https://example.com/a.xml\n"
        "  - id: b\n    url: https://example.com/b.xml\n    adaptive_interval: false\n",
        "s.yaml",
    )
    a, b = settings.sources
    assert (a.adaptive_interval, b.adaptive_interval) == (True, False)
    error = error_of(
        "sources:\n  - id: a\n    url: https://example.com/a.xml\n    adaptive_interval: often\n"
    )
    assert error.field == "sources[0].adaptive_interval"


def test_fetch_section_is_converted() -> None:
    settings = parse_sources_document(
        "fetch:\n  max_bytes: 2MB\n  timeout: 1.5s\n  per_host_delay: 250ms\n  concurrency: 4\n",
        "s.yaml",
    )
    assert settings.fetch.max_bytes == 2_000_000
    assert settings.fetch.timeout == timedelta(seconds=1.5)
    assert settings.fetch.per_host_delay == timedelta(milliseconds=250)
    assert settings.fetch.concurrency == 4


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        (
            "sources:\n  - id: a\n    url: https://e.com/x\n    colour: red\n",
            4,
            "unknown key 'colour'",
        ),
        (
            "sources:\n  - id: a\n    url: https://e.com/x\n  - id: a\n    url: https://e.com/y\n",
            4,
            "duplicate id 'a' (first defined on line 2)",
        ),
        ("sources:\n  - id: a\n    url: ftp://e.com/x\n", 3, "scheme must be http"),
        ("sources:\n  - id: a\n    url: 'https:///nohost'\n", 3, "no host"),
        (
            "sources:\n  - id: a\n    url: https://e.com/x\n    interval: soon\n",
            4,
            "not a duration",
        ),
        ("sources:\n  - id: Bad Id\n    url: https://e.com/x\n", 2, "must be a slug"),
        ("sources:\n  - url: https://e.com/x\n", 2, "missing required key 'id'"),
        ("fetch:\n  max_bytes: lots\n", 2, "not a size"),
        ("fetch:\n  concurrency: 0\n", 2, "whole number"),
        ("sources:\n  - id: a\n    url: https://e.com/x\n    enabled: maybe\n", 4, "true or false"),
        ("sources: [\n  - id: a\n", 2, "invalid YAML"),
        ("sources:\n  - id: a\n    id: b\n", 3, "duplicate key 'id'"),
        ("weird: 1\n", 1, "unknown key 'weird'"),
    ],
)
def test_validation_errors_name_file_line_and_field(text: str, line: int, needle: str) -> None:
    error = error_of(text)
    assert needle in str(error)
    assert error.path == "sources.yaml"
    assert error.line == line
    assert str(error).startswith(f"sources.yaml:{line}: ")


def test_relative_file_urls_resolve_against_the_sources_file() -> None:
    settings = parse_sources_document(
        "sources:\n  - id: s\n    url: file:samples/feed.xml\n", "s.yaml", base_dir=Path("/srv/x")
    )
    assert settings.sources[0].url == "file:///srv/x/samples/feed.xml"


def test_env_and_explicit_arguments(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("sources: []\n")
    env = {"CURATOR_SOURCES": str(path), "CURATOR_DATA_DIR": str(tmp_path / "d")}
    settings = load_settings(env=env)
    assert settings.sources_path == path
    assert settings.database_url == f"sqlite:///{tmp_path / 'd' / 'curator.db'}"
    explicit = load_settings(env=env, database_url="sqlite:///other.db")
    assert explicit.database_url == "sqlite:///other.db"


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="sources file not found"):
        load_settings(tmp_path / "nope.yaml", env={})


@pytest.mark.parametrize(
    ("value", "expected"),
    [("30m", 1800), ("1h", 3600), ("500ms", 0.5), (15, 15), ("2d", 172800), ("10", 10)],
)
def test_parse_duration(value: object, expected: float) -> None:
    assert parse_duration(value).total_seconds() == expected


@pytest.mark.parametrize("value", ["", "-1s", "ten", True, "5 weeks"])
def test_parse_duration_rejects(value: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(value)


@pytest.mark.parametrize(
    ("value", "expected"), [("10MB", 10_000_000), ("1KiB", 1024), (512, 512), ("1.5kb", 1500)]
)
def test_parse_size(value: object, expected: int) -> None:
    assert parse_size(value) == expected


def test_filters_merge_defaults_and_source_rules() -> None:
    settings = parse_sources_document(
        "defaults:\n"
        "  filters:\n"
        "    block: {title: '(?i)sponsored'}\n"
        "    min_words: 100\n"
        "sources:\n"
        "  - id: a\n    url: https://e.com/a\n"
        "    filters:\n"
        "      keep: {tags: [politics, world]}\n"
        "      block: {url: '/live/'}\n"
        "      max_age: 2d\n"
        "  - id: b\n    url: https://e.com/b\n",
        "s.yaml",
    )
    a, b = settings.sources
    assert a.filters.keep == (("tags", "politics"), ("tags", "world"))
    assert a.filters.block == (("title", "(?i)sponsored"), ("url", "/live/"))
    assert (a.filters.min_words, a.filters.max_age) == (100, timedelta(days=2))
    assert b.filters.block == (("title", "(?i)sponsored"),) and b.filters.keep == ()


def test_curate_section() -> None:
    settings = parse_sources_document(
        "curate: {excerpt_fraction: 0.1, excerpt_max_words: 120, max_quotes: 3}\n", "s.yaml"
    )
    assert settings.curate.excerpt_fraction == 0.1
    assert settings.curate.excerpt_max_words == 120
    assert (settings.curate.min_quotes, settings.curate.max_quotes) == (2, 3)


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        ("defaults:\n  filters:\n    block: {title: '('}\n", 3, "bad regular expression"),
        ("defaults:\n  filters:\n    keep: {colour: x}\n", 3, "unknown key 'colour'"),
        ("defaults:\n  filters:\n    min_words: -1\n", 3, "whole number ≥ 0"),
        ("curate:\n  excerpt_fraction: 2\n", 2, "number in (0, 1]"),
        ("curate:\n  min_quotes: 4\n  max_quotes: 3\n", 2, "min_quotes is more than max_quotes"),
    ],
)
def test_filter_and_curate_errors(text: str, line: int, needle: str) -> None:
    error = error_of(text)
    assert needle in str(error) and error.line == line


def test_publish_section() -> None:
    settings = parse_sources_document(
        "publish:\n"
        "  site_dir: out/site\n"
        "  site_title: Harbour Digest\n"
        "  targets:\n"
        "    - {name: site, type: static}\n"
        "    - {name: hooks, type: webhook, url: 'https://hooks.example/in', secret_env: S}\n",
        "s.yaml",
        base_dir=Path("/srv/x"),
    )
    publish = settings.publish
    assert publish.site_dir == Path("/srv/x/out/site")
    assert publish.site_title == "Harbour Digest"
    assert [(t.name, t.type) for t in publish.targets] == [("site", "static"), ("hooks", "webhook")]
    assert publish.targets[1].option("url") == "https://hooks.example/in"
    assert publish.targets[1].option("secret_env") == "S"


def test_default_publish_target_is_the_static_site() -> None:
    settings = parse_sources_document("sources: []\n", "s.yaml")
    assert [(t.name, t.type) for t in settings.publish.targets] == [("site", "static")]


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        ("publish:\n  targets:\n    - {name: x, type: ftp}\n", 3, "unknown target type 'ftp'"),
        ("publish:\n  targets:\n    - {name: x, type: webhook}\n", 3, "needs a url"),
        (
            "publish:\n  targets:\n    - {name: x, type: static}\n    - {name: x, type: static}\n",
            4,
            "duplicate target name 'x'",
        ),
        ("publish:\n  colour: blue\n", 2, "unknown key 'colour'"),
    ],
)
def test_publish_errors(text: str, line: int, needle: str) -> None:
    error = error_of(text)
    assert needle in str(error) and error.line == line


# --- hostile input (#10) -------------------------------------------------------------------


def test_yaml_anchors_and_aliases_work_within_limits() -> None:
    settings = parse_sources_document(
        "defaults:\n  filters: &rules {block: {title: sponsored}}\nsources:\n"
        "  - {id: a, url: 'https://a.example/feed', filters: *rules}\n"
        "  - {id: b, url: 'https://b.example/feed', filters: *rules}\n",
        "s.yaml",
    )
    assert [s.filters.block for s in settings.sources] == [
        (("title", "sponsored"), ("title", "sponsored")),
        (("title", "sponsored"), ("title", "sponsored")),
    ]


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        (
            "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
            + "".join(
                f"{name}: &{name} [{', '.join(['*' + prev] * 10)}]\n"
                for prev, name in zip("abcdefg", "bcdefgh", strict=True)
            ),
            4,  # d: the first top-level key whose aliases expand past the limit
            "aliases expand to more than 10,000 values (a YAML alias bomb?)",
        ),
        ("x: &x 1\ny: [" + ", ".join(["*x"] * 101) + "]\n", 2, "more than 100 aliases"),
        ("sources:\n  ? {a: 1}\n  : 1\n", 2, "a key must be a plain value"),
    ],
    ids=["expansion", "count", "complex-key"],
)
def test_yaml_alias_bombs_are_refused(text: str, line: int, needle: str) -> None:
    error = error_of(text)
    assert needle in str(error) and error.line == line


@pytest.mark.parametrize(
    "url",
    [
        "sqlite://",
        "sqlite:///:memory:",
        "sqlite+pysqlite://",
        "sqlite:///file::memory:?cache=shared&uri=true",
        "sqlite:///file:db?mode=memory&uri=true",
    ],
)
def test_an_in_memory_database_is_refused(tmp_path: Path, url: str) -> None:
    (tmp_path / "sources.yaml").write_text("sources: []\n")
    for env in ({"CURATOR_DATABASE_URL": url}, {}):
        with pytest.raises(ConfigError, match="in-memory SQLite database"):
            load_settings(tmp_path / "sources.yaml", database_url=None if env else url, env=env)
    with pytest.raises(ConfigError, match="in-memory SQLite database"):
        default_settings(database_url=url, env={})


@pytest.mark.parametrize(
    "url", ["sqlite:///data/curator.db", "sqlite:////srv/c.db", "postgresql+psycopg://u@h/db"]
)
def test_database_urls_that_keep_data_are_accepted(url: str) -> None:
    assert default_settings(database_url=url, env={}).database_url == url


@pytest.mark.parametrize(
    ("url", "needle"),
    [
        ("http://0177.0.0.1/feed", "not a valid URL 'http://0177.0.0.1/feed'"),
        ("http://1.2.3.4:99999/feed", "Port out of range"),
    ],
)
def test_urls_that_httpx_refuses_are_refused_here(url: str, needle: str) -> None:
    error = error_of(f"sources:\n  - id: a\n    url: {url}\n")
    assert needle in str(error) and error.line == 3


def test_allow_private_networks_per_source() -> None:
    settings = parse_sources_document(
        "sources:\n  - {id: a, url: 'http://intranet/feed', allow_private_networks: true}\n"
        "  - {id: b, url: 'https://b.example/feed'}\n",
        "s.yaml",
    )
    assert [s.allow_private_networks for s in settings.sources] == [True, False]


def test_a_sources_min_words_0_turns_the_defaults_minimum_off() -> None:
    settings = parse_sources_document(
        "defaults:\n  filters: {min_words: 200, max_age: 2d}\n"
        "sources:\n"
        "  - {id: a, url: 'https://e.com/a', filters: {min_words: 0}}\n"
        "  - {id: b, url: 'https://e.com/b'}\n",
        "s.yaml",
    )
    a, b = settings.sources
    assert (a.filters.min_words, a.filters.max_age) == (0, timedelta(days=2))
    assert b.filters.min_words == 200


def test_stars_in_values_are_not_counted_as_aliases() -> None:
    # More than 100 "*" in the text sends it to the alias count, which finds 50.
    text = "defaults:\n  interval: &i 1h\nsources:\n" + "".join(
        f"  - {{id: s{n}, url: 'https://e.org/{n}?q=*', interval: *i}}\n" for n in range(50)
    )
    settings = parse_sources_document(text + "  - {id: last, url: 'https://e.org/*'}\n", "s.yaml")
    assert len(settings.sources) == 51
    assert settings.sources[0].interval == timedelta(hours=1)


# --- every error at once (#11) ---------------------------------------------------------------


def test_every_error_of_a_file_is_reported_with_its_line() -> None:
    error = error_of(
        "fetch:\n"  # 1
        "  concurrency: 0\n"  # 2
        "sources:\n"  # 3
        "  - id: Bad Id\n"  # 4
        "    url: ftp://e.com/x\n"  # 5
        "  - id: ok\n"  # 6
        "    url: https://e.com/x\n"  # 7
        "    enabled: maybe\n"  # 8
        "  - id: ok\n"  # 9
        "    url: http://0177.0.0.1/feed\n"  # 10
        "  - url: https://e.com/z\n"  # 11
        "    colour: red\n"  # 12
        "curate:\n"  # 13
        "  min_quotes: 4\n"  # 14
        "  max_quotes: 3\n"  # 15
        "publish:\n"  # 16
        "  targets:\n"  # 17
        "    - {name: x, type: ftp}\n"  # 18
        "    - {name: h, type: webhook, url: 'https://h.example/', timeout: 0s}\n"  # 19
    )
    reported = [(e.line, e.field, e.message.split(": ", 2)[-1]) for e in error.errors]
    assert reported == [
        (2, "fetch.concurrency", "expected a whole number ≥ 1, got 0"),
        (4, "sources[0].id", "id 'Bad Id' must be a slug (lowercase letters, digits, - and _)"),
        (5, "sources[0].url", "bad URL 'ftp://e.com/x': scheme must be http, https or file"),
        (8, "sources[1].enabled", "expected true or false, got 'maybe'"),
        (9, "sources[2].id", "duplicate id 'ok' (first defined on line 6)"),
        (
            10,
            "sources[2].url",
            "not a valid URL 'http://0177.0.0.1/feed': '0177.0.0.1' is not a valid IPv4 address",
        ),
        (11, "sources[3]", "missing required key 'id'"),
        (12, "sources[3].colour", f"unknown key 'colour' (known: {SOURCE_KEYS})"),
        (14, "curate.min_quotes", "min_quotes is more than max_quotes"),
        (
            18,
            "publish.targets[0].type",
            "unknown target type 'ftp' (known: static, webhook, wordpress)",
        ),
        (19, "publish.targets[1].timeout", "must be more than 0"),
    ]
    # The error itself is the first one, and its message has a line for each.
    assert (error.path, error.line, error.field) == ("sources.yaml", 2, "fetch.concurrency")
    assert str(error).splitlines() == [str(e) for e in error.errors]
    assert all(str(e).startswith(f"sources.yaml:{e.line}: {e.field}: ") for e in error.errors)


SOURCE_KEYS = (
    "adaptive_interval, allow_private_networks, enabled, fetch_articles, filters, id, interval,"
    " name, outlet, robots, tags, url"
)


def test_a_yaml_syntax_error_is_one_error() -> None:
    error = error_of("sources: [\n  - id: a\n")
    assert error.errors == (error,)


def test_the_models_know_every_documented_setting() -> None:
    from curator._schema import CurateModel
    from curator._schema import DefaultsModel
    from curator._schema import FetchModel
    from curator._schema import PatternsModel
    from curator._schema import PublishModel
    from curator.config import SETTINGS_HELP
    from curator.model import FILTER_FIELDS

    for section, model in [
        ("fetch", FetchModel),
        ("defaults", DefaultsModel),
        ("curate", CurateModel),
        ("publish", PublishModel),
    ]:
        documented = {k.split(".", 1)[1] for k in SETTINGS_HELP if k.startswith(f"{section}.")}
        assert set(model.model_fields) == documented, section
    assert tuple(PatternsModel.model_fields) == FILTER_FIELDS
