"""Prometheus text exposition (format 0.0.4) of what an operator watches.

Each collector is a small function that yields samples; ``render()`` runs them all. Queues of
apps that may be absent from a deployment (bot gateway, notification deliveries) are read
through the app registry and skipped when the model is not installed.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldError
from django.db import connection
from django.db.models import Count, Max, Min
from django.utils import timezone


@dataclass(frozen=True)
class Metric:
    name: str
    kind: str  # gauge or counter
    help: str
    samples: list[tuple[dict[str, str], float]] = field(default_factory=list)


Collector = Callable[[], Iterator[Metric]]
COLLECTORS: list[Collector] = []


def collector(function: Collector) -> Collector:
    """Register a collector; ``render()`` calls collectors in the order they were registered."""
    COLLECTORS.append(function)
    return function


def _model(label: str, name: str) -> Any:
    try:
        return apps.get_model(label, name)
    except LookupError:
        return None


def _by(model: object, column: str) -> list[tuple[dict[str, str], float]]:
    """Return ``[({column: value}, count), …]`` for the rows of ``model`` grouped by ``column``."""
    rows = model._default_manager.values(column).annotate(n=Count("pk")).order_by(column)  # type: ignore[attr-defined]
    return [({column: str(row[column])}, float(row["n"])) for row in rows]


# Up to this many rows (judged by the highest id, one index probe) a table is counted exactly on
# every scrape; above it COUNT(*) reads millions of rows, so the count comes from PostgreSQL's
# planner estimate (pg_class.reltuples, kept by autovacuum) or, on SQLite, an exact count taken at
# most every LARGE_COUNT_SECONDS by each process.
EXACT_COUNT_ROWS = 1_000_000
LARGE_COUNT_SECONDS = 300.0
_large_counts: dict[str, tuple[float, int]] = {}


def table_count(model: Any) -> int:
    """Return the number of rows of ``model``'s table: exact when small, estimated or cached when large."""
    highest = model._default_manager.aggregate(m=Max("pk"))["m"] or 0
    if highest < EXACT_COUNT_ROWS:
        return int(model._default_manager.count())
    table = model._meta.db_table
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
            row = cursor.fetchone()
        if row and row[0] and row[0] > 0:
            return int(row[0])
    now = time.monotonic()
    hit = _large_counts.get(table)
    if hit is not None and now - hit[0] < LARGE_COUNT_SECONDS:
        return hit[1]
    n = int(model._default_manager.count())
    _large_counts[table] = (now, n)
    return n


@collector
def messages() -> Iterator[Metric]:
    ChatMessage = apps.get_model("chats", "ChatMessage")
    yield Metric(
        "qunguan_messages_audited_total",
        "counter",
        "Chat messages stored and audited (estimated above a million rows).",
        [({}, float(table_count(ChatMessage)))],
    )


@collector
def findings() -> Iterator[Metric]:
    Finding = apps.get_model("chats", "Finding")
    rows = Finding.objects.values("category", "status").annotate(n=Count("pk")).order_by("category", "status")
    yield Metric(
        "qunguan_findings_total",
        "counter",
        "Audit findings stored, by category and review status.",
        [({"category": r["category"], "status": r["status"]}, float(r["n"])) for r in rows],
    )
    yield Metric(
        "qunguan_review_queue_size",
        "gauge",
        "Findings waiting in the review queue (status open).",
        [({}, float(Finding.objects.filter(status="open").count()))],
    )


@collector
def imports() -> Iterator[Metric]:
    ImportBatch = apps.get_model("chats", "ImportBatch")
    yield Metric(
        "qunguan_chat_imports_total", "counter", "Chat imports, by state.", _by(ImportBatch, "state")
    )


@collector
def registry() -> Iterator[Metric]:
    Group = apps.get_model("registry", "Group")
    Person = apps.get_model("registry", "Person")
    yield Metric("qunguan_groups", "gauge", "Groups in the registry.", [({}, float(Group.objects.count()))])
    yield Metric(
        "qunguan_roster_people", "gauge", "People on the roster.", [({}, float(Person.objects.count()))]
    )


# (app label, model, column, metric name, help) of the queues of optional apps.
QUEUES = [
    (
        "gateway",
        "InboxEvent",
        "state",
        "qunguan_gateway_inbox_events",
        "Bot gateway events received, by state.",
    ),
    (
        "gateway",
        "GatewayAction",
        "status",
        "qunguan_gateway_actions",
        "Bot actions (recall, mute …), by status.",
    ),
    ("notify", "Delivery", "state", "qunguan_notification_deliveries", "Notification deliveries, by state."),
]


@collector
def queues() -> Iterator[Metric]:
    for label, name, column, metric, text in QUEUES:
        model = _model(label, name)
        if model is None:
            continue
        try:
            samples = _by(model, column)
        except FieldError:
            continue
        yield Metric(metric, "gauge", text, samples)
    inbox = _model("gateway", "InboxEvent")
    if inbox is not None:
        try:
            oldest = inbox.objects.filter(state="pending").aggregate(t=Min("received_at"))["t"]
        except FieldError:
            return
        lag = (timezone.now() - oldest).total_seconds() if oldest else 0.0
        yield Metric(
            "qunguan_gateway_lag_seconds",
            "gauge",
            "Age of the oldest bot gateway event not yet handled (0 when none waits).",
            [({}, max(lag, 0.0))],
        )


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return str(int(value)) if value.is_integer() else repr(value)


def render() -> str:
    """Return every registered metric in the Prometheus text format."""
    lines: list[str] = []
    for collect in COLLECTORS:
        for metric in collect():
            lines.append(f"# HELP {metric.name} {metric.help}")
            lines.append(f"# TYPE {metric.name} {metric.kind}")
            for labels, value in metric.samples:
                label_text = ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items())
                name = f"{metric.name}{{{label_text}}}" if label_text else metric.name
                lines.append(f"{name} {_number(value)}")
    return "\n".join(lines) + "\n"
