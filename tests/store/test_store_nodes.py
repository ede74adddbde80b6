"""Node heartbeat rows (#11): added, beaten, listed while fresh, removed."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta

from curator.model import Node
from curator.store import Store

T0 = datetime(2031, 4, 25, 9, 0, tzinfo=UTC)


def node(node_id: str, at: datetime) -> Node:
    return Node(id=node_id, host="h", pid=7, started_at=at, heartbeat_at=at, work="starting")


def test_nodes_live_while_they_beat(store: Store) -> None:
    store.add_node(node("a", T0), forget_before=T0 - timedelta(days=1))
    store.add_node(node("b", T0), forget_before=T0 - timedelta(days=1))
    later = T0 + timedelta(minutes=5)
    assert store.beat("a", work="fetching 3 pages", now=later)
    (alive,) = store.list_nodes(alive_since=later - timedelta(minutes=1))
    assert (alive.id, alive.work, alive.heartbeat_at) == ("a", "fetching 3 pages", later)
    store.remove_node("a")
    assert store.list_nodes(alive_since=T0) == [node("b", T0)]
    assert not store.beat("a", work="idle", now=later)  # gone: the caller adds it again


def test_a_new_node_forgets_long_dead_ones(store: Store) -> None:
    store.add_node(node("dead", T0), forget_before=T0 - timedelta(days=1))
    now = T0 + timedelta(days=2)
    store.add_node(node("new", now), forget_before=now - timedelta(days=1))
    assert [n.id for n in store.list_nodes(alive_since=T0)] == ["new"]
