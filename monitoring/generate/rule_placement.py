"""Where a rule can be evaluated correctly when targets are split over shards: decided from its PromQL.

Shards split targets by their `service` label (monitoring/generate/prometheus.py), so all series of one
service are on one shard. A rule is `shard` when every result series is computed from the series of a
single target or service: thresholds on a service's series, aggregations that keep `service` or
`instance`. It is `global` when a shard would see only its slice of the fleet:

- absent()/absent_over_time(): every shard that never scraped the target fires;
- an aggregation (sum, count, avg, topk, ...) or a scalar() that drops both `service` and `instance`;
- a binary operation matching `on` labels without them, or `ignoring` both;
- reading a recording rule that is itself global.

An expression whose selectors all pin the same service (or instance) with `=` stays on the shard: its
one service is on one shard. A recording rule a global rule reads stays where its inputs are; its series
reach the global store by remote_write.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import promql_parser

from monitoring.lint.promql import lost_labels, selector, walk

Placement = Literal["shard", "global"]
TARGET_IDENTITY = frozenset({"service", "instance"})
_ABSENT = frozenset({"absent", "absent_over_time"})
_KEEP_SERIES = frozenset({"topk", "bottomk", "limitk", "limit_ratio"})


@dataclass(frozen=True)
class Placed:
    placement: Placement
    # Why a rule is global (empty for a shard rule): for lint findings and the README's split.
    reason: str = ""


SHARD = Placed("shard")


def place_expression(tree: Any, global_records: frozenset[str] = frozenset()) -> Placed:
    """The placement of one parsed expression, given the recording rules already placed global."""
    for node in walk(tree):
        reason = _global_reason(node, global_records)
        if reason:
            return Placed("global", reason)
    return SHARD


def place_rules(rules: Sequence[Mapping[str, Any]]) -> list[Placed]:
    """The placement of each rule (Prometheus rule mappings with `expr` and `record` or `alert`), in
    order; a rule reading a global recording rule of the list is global too."""
    return place_parsed(
        [
            (str(rule["record"]) if "record" in rule else None, promql_parser.parse(str(rule["expr"])))
            for rule in rules
        ]
    )


def place_parsed(rules: Sequence[tuple[str | None, Any]]) -> list[Placed]:
    """place_rules over (recorded name or None for an alert, parsed expression) pairs."""
    global_records: frozenset[str] = frozenset()
    while True:
        placed = [place_expression(tree, global_records) for _, tree in rules]
        found = frozenset(
            record
            for (record, _), where in zip(rules, placed, strict=True)
            if record is not None and where.placement == "global"
        )
        if found == global_records:
            return placed
        global_records = found


def _global_reason(node: Any, global_records: frozenset[str]) -> str:
    if isinstance(node, promql_parser.VectorSelector):
        name = selector(node).name
        if name in global_records:
            return f"reads {name}, a recording rule evaluated on the global ruler"
        return ""
    if isinstance(node, promql_parser.Call):
        name = node.func.name
        if name in _ABSENT:
            return f"{name}() fires on every shard that does not scrape the target"
        if name == "scalar" and not _pinned(node):
            return "scalar() of a vector spanning targets needs every shard's series"
        return ""
    if isinstance(node, promql_parser.AggregateExpr):
        return _aggregation_reason(node)
    if isinstance(node, promql_parser.BinaryExpr):
        return _matching_reason(node)
    return ""


def _aggregation_reason(node: Any) -> str:
    op = str(node.op)
    modifier = node.modifier
    if op in _KEEP_SERIES:
        keeps_identity = (
            modifier is not None
            and str(modifier.type) == "AggModifierType.By"
            and bool(TARGET_IDENTITY & set(modifier.labels))
        ) or (
            modifier is not None
            and str(modifier.type) == "AggModifierType.Without"
            and not set(modifier.labels) >= TARGET_IDENTITY
        )
    else:
        keeps_identity = lost_labels(node, TARGET_IDENTITY) != TARGET_IDENTITY
    if keeps_identity or _pinned(node):
        return ""
    if op in _KEEP_SERIES:
        return f"{op}{_grouping(modifier)} without service or instance selects across shards"
    return f"{op}{_grouping(modifier)} drops service and instance: it aggregates across shards"


def _grouping(modifier: Any) -> str:
    if modifier is None:
        return ""
    word = "by" if str(modifier.type) == "AggModifierType.By" else "without"
    return f" {word} ({', '.join(modifier.labels)})"


def _matching_reason(node: Any) -> str:
    matching = node.modifier.matching if node.modifier is not None else None
    if matching is None or _pinned(node):
        return ""
    named = set(matching.labels)
    include = str(matching.type) == "LabelModifierType.Include"
    if include and not TARGET_IDENTITY & named:
        return f"matches on ({', '.join(matching.labels)}): joins series of different targets"
    if not include and named >= TARGET_IDENTITY:
        return f"matches ignoring ({', '.join(matching.labels)}): joins series of different targets"
    return ""


def _pinned(node: Any) -> bool:
    """Whether every selector below node names the same service (or the same instance) with `=`."""
    found = [selector(n) for n in walk(node) if isinstance(n, promql_parser.VectorSelector)]
    return any(_same_value(found, label) for label in sorted(TARGET_IDENTITY))


def _same_value(found: Iterable[Any], label: str) -> bool:
    values = {s.equal(label) for s in found}
    return len(values) == 1 and None not in values
