"""Nodes: each running daemon's heartbeat row, and the ones `curator status` shows."""

from __future__ import annotations

import os
import socket
import uuid
from datetime import timedelta

from curator.core._context import Context
from curator.model import Node

#: How often a daemon writes its heartbeat.
HEARTBEAT_EVERY = timedelta(seconds=10)
#: A node whose heartbeat is older is not running (killed, or its host is down).
NODE_STALE_AFTER = timedelta(seconds=60)
#: Rows of nodes dead this long are deleted when a daemon starts.
FORGET_NODES_AFTER = timedelta(days=1)


def register_node(ctx: Context, work: str = "starting") -> Node:
    now = ctx.clock()
    node = Node(
        id=uuid.uuid4().hex,
        host=socket.gethostname(),
        pid=os.getpid(),
        started_at=now,
        heartbeat_at=now,
        work=work,
    )
    ctx.store.add_node(node, forget_before=now - FORGET_NODES_AFTER)
    return node


def heartbeat(ctx: Context, node: Node, work: str) -> None:
    """Write the heartbeat; a row deleted meanwhile (after a long stall) is added again."""
    if not ctx.store.beat(node.id, work=work, now=ctx.clock()):
        now = ctx.clock()
        ctx.store.add_node(
            Node(
                id=node.id,
                host=node.host,
                pid=node.pid,
                started_at=node.started_at,
                heartbeat_at=now,
                work=work,
            ),
            forget_before=now - FORGET_NODES_AFTER,
        )


def unregister_node(ctx: Context, node: Node) -> None:
    ctx.store.remove_node(node.id)


def running_nodes(ctx: Context) -> list[Node]:
    """Nodes whose heartbeat is recent, oldest first."""
    return ctx.store.list_nodes(alive_since=ctx.clock() - NODE_STALE_AFTER)
