"""Nodes (running daemons) and their heartbeats: the Store's methods for #11.

A mixin of :class:`curator.store.Store`, like the article and draft stores.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import datetime

from sqlalchemy import Connection
from sqlalchemy import delete
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy import update

from curator.model import Node
from curator.store import tables


class NodeStore:
    """Heartbeat rows; mixed into Store."""

    def _transaction(
        self, action: str, *, write: bool = False
    ) -> AbstractContextManager[Connection]:
        raise NotImplementedError  # provided by Store

    def add_node(self, node: Node, *, forget_before: datetime) -> None:
        """Add a node's row, and delete those whose heartbeat stopped before
        ``forget_before`` (nodes that were killed)."""
        n = tables.nodes
        with self._transaction("could not register the node", write=True) as conn:
            conn.execute(delete(n).where(n.c.heartbeat_at < forget_before))
            conn.execute(
                insert(n).values(
                    id=node.id,
                    host=node.host,
                    pid=node.pid,
                    started_at=node.started_at,
                    heartbeat_at=node.heartbeat_at,
                    work=node.work,
                )
            )

    def beat(self, node_id: str, *, work: str, now: datetime) -> bool:
        """The node is alive and has ``work`` in hand; False when its row is gone."""
        n = tables.nodes
        with self._transaction("could not write the heartbeat", write=True) as conn:
            done = conn.execute(
                update(n).where(n.c.id == node_id).values(heartbeat_at=now, work=work)
            )
            return bool(done.rowcount)

    def remove_node(self, node_id: str) -> None:
        n = tables.nodes
        with self._transaction("could not remove the node", write=True) as conn:
            conn.execute(delete(n).where(n.c.id == node_id))

    def list_nodes(self, *, alive_since: datetime) -> list[Node]:
        """Nodes whose last heartbeat is at or after ``alive_since``, oldest first."""
        n = tables.nodes
        query = select(n).where(n.c.heartbeat_at >= alive_since).order_by(n.c.started_at, n.c.id)
        with self._transaction("could not read the nodes") as conn:
            return [Node(**row._mapping) for row in conn.execute(query)]
