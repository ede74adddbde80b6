"""The public API: __all__ is sorted and honest (httpx's test)."""

from __future__ import annotations

import curator


def test_all_is_sorted_and_importable() -> None:
    assert curator.__all__ == sorted(curator.__all__)
    for name in curator.__all__:
        assert hasattr(curator, name), name


def test_public_names_are_re_exported() -> None:
    public = {
        name
        for name, value in vars(curator).items()
        if not name.startswith("_") and getattr(value, "__module__", "").startswith("curator")
    }
    assert public <= set(curator.__all__)


def test_unknown_attribute() -> None:
    import pytest

    with pytest.raises(AttributeError):
        curator.NoSuchThing  # noqa: B018
