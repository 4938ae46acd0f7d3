"""SLO specs -> the model: the inventory's `slos:` of each service, and OpenSLO v1 documents
(files of the inventory folder with `apiVersion: openslo/v1`, `kind: SLO`, naming an inventory
service in `spec.service`). Every problem names the file, line and column of the value."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import promql_parser

from monitoring.inventory.loader import Document, NodePath, walk_items
from monitoring.kinds import KINDS
from monitoring.problems import Location, Problem
from monitoring.slo.model import (
    PERIOD_DAYS,
    EventsSli,
    LatencySli,
    Selector,
    Sli,
    Slo,
    UpSli,
    example_labels,
    fastest_factor,
    matches,
)

CHECK = "inventory/slo"
OPENSLO_CHECK = "inventory/openslo"
OPENSLO_VERSION = "openslo/v1"
_OPS = {"MatchOp.Equal": "=", "MatchOp.NotEqual": "!=", "MatchOp.Re": "=~", "MatchOp.NotRe": "!~"}


def is_openslo(doc: Document) -> bool:
    return isinstance(doc.data, dict) and doc.data.get("apiVersion") == OPENSLO_VERSION


def split_openslo(documents: Sequence[Document]) -> tuple[list[Document], list[Document]]:
    """(inventory documents, OpenSLO documents)."""
    return [d for d in documents if not is_openslo(d)], [d for d in documents if is_openslo(d)]


@dataclass(frozen=True)
class _Service:
    name: str
    kind: str


class _Reader:
    """Collects problems while reading one document's SLO fields."""

    def __init__(self, doc: Document, check: str) -> None:
        self.doc, self.check = doc, check
        self.problems: list[Problem] = []

    def fail(self, node: NodePath, message: str, hint: str = "") -> None:
        self.problems.append(Problem(self.doc.value_location(node), message, hint, self.check))

    def get(self, data: Any, node: NodePath, key: str, kind: type) -> Any:
        value = data.get(key) if isinstance(data, dict) else None
        if not isinstance(value, kind):
            expected = {"dict": "mapping", "list": "list", "str": "string"}[kind.__name__]
            self.fail(node if value is None else (*node, key), f"{_field(node, key)}: expected a {expected}")
            return None
        return value

    def selector(self, text: str, node: NodePath) -> Selector | None:
        try:
            parsed = promql_parser.parse(text)
        except ValueError as error:
            self.fail(node, f"{_field(node)}: not PromQL: {error}")
            return None
        if not isinstance(parsed, promql_parser.VectorSelector) or not parsed.name:
            self.fail(
                node,
                f"{_field(node)}: expected a series selector with a metric name, like "
                'http_requests_total{job="api"}',
                "the SLO applies rate() and the windows itself",
            )
            return None
        matchers = tuple(
            (m.name, _OPS[str(m.op)], m.value) for m in parsed.matchers.matchers if m.name != "__name__"
        )
        selector = Selector(parsed.name, matchers)
        if example_labels(selector) is None:
            self.fail(
                node,
                f"{_field(node)}: no test series can be made for this selector",
                "use = matchers, or =~ whose first alternative is a plain value",
            )
            return None
        return selector


def _field(node: NodePath, key: str = "") -> str:
    text = ""
    for step in (*node, key) if key else node:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text


def _events(
    reader: _Reader, node: NodePath, numerator: tuple[str, str], total: tuple[NodePath, str]
) -> EventsSli | None:
    """The events SLI of a numerator (good or errors) and a total selector, at their nodes."""
    (which, numerator_text), (total_node, total_text) = numerator, total
    good = reader.selector(numerator_text, node)
    every = reader.selector(total_text, total_node)
    if good is None or every is None:
        return None
    mine, theirs = example_labels(good), example_labels(every)
    if mine is not None and theirs is not None and mine == theirs and matches(good, theirs):
        reader.fail(
            node,
            f"{_field(node)}: selects the same test series as the total",
            f"give the {which} selector a matcher the other events fail",
        )
        return None
    return EventsSli(good, every, counts_errors=which == "errors")


def _sli(reader: _Reader, raw: Mapping[str, Any], node: NodePath, service: _Service) -> Sli | None:
    if "up" in raw:
        selector = raw["up"].get("selector")
        if selector is None:
            jobs = KINDS[service.kind].jobs
            if not jobs:
                reader.fail(
                    (*node, "up"),
                    f"{_field(node, 'up')}: kind {service.kind} has no Prometheus scrape job to take up from",
                    "set up.selector to a 0/1 series of the service",
                )
                return None
            return UpSli(Selector("up", (("job", "=", jobs[0]), ("service", "=", service.name))))
        gauge = reader.selector(selector, (*node, "up", "selector"))
        return UpSli(gauge) if gauge is not None else None
    if "events" in raw:
        events = raw["events"]
        which = [key for key in ("good", "errors") if key in events]
        if len(which) != 1:
            reader.fail((*node, "events"), f"{_field(node, 'events')}: set exactly one of good and errors")
            return None
        return _events(
            reader,
            (*node, "events", which[0]),
            (which[0], events[which[0]]),
            ((*node, "events", "total"), events["total"]),
        )
    latency = raw["latency"]
    bucket = reader.selector(latency["bucket"], (*node, "latency", "bucket"))
    if bucket is None:
        return None
    if not bucket.metric.endswith("_bucket") or any(m[0] == "le" for m in bucket.matchers):
        reader.fail(
            (*node, "latency", "bucket"),
            f"{_field(node, 'latency')}.bucket: expected a histogram's _bucket series without an le matcher",
        )
        return None
    return LatencySli(bucket, float(latency["le"]))


def _reachable(reader: _Reader, objective: float, days: int, node: NodePath) -> bool:
    """A page at the fastest burn rate must be able to fire: the rate times the budget below 1."""
    factor = fastest_factor(days)
    if factor * (1 - objective / 100) < 1:
        return True
    lowest = 100 * (1 - 1 / factor)
    reader.fail(
        node,
        f"{_field(node)}: objective {objective:g} leaves an error budget the {factor:g}x fast-burn page "
        "could never exceed",
        f"use an objective above {lowest:.2f} for a {days}-day window",
    )
    return False


def _draft(service: _Service, name: str, objective: float, days: int, sli: Sli, **rest: Any) -> Slo:
    """An SLO without what the service's domain gives it (domain, team, labels): build adds those."""
    return Slo(
        service=service.name,
        name=name,
        kind=service.kind,
        domain="",
        team="",
        objective=objective,
        period_days=days,
        sli=sli,
        **rest,
    )


def _inventory_slos(doc: Document, services: Mapping[str, _Service]) -> tuple[list[Slo], list[Problem]]:
    reader = _Reader(doc, CHECK)
    found: list[Slo] = []
    for index, raw in walk_items(doc.data, "services"):
        service = services[raw["name"]]
        for position, slo in enumerate(raw.get("slos", ())):
            node: NodePath = ("services", index, "slos", position)
            days = int(slo["window"].removesuffix("d"))
            objective = float(slo["objective"])
            sli = _sli(reader, slo["sli"], (*node, "sli"), service)
            if sli is None or not _reachable(reader, objective, days, (*node, "objective")):
                continue
            found.append(
                _draft(
                    service,
                    slo["name"],
                    objective,
                    days,
                    sli,
                    description=slo.get("description", ""),
                    location=doc.location(node),
                    source="inventory",
                )
            )
    return found, reader.problems


def _metric_query(reader: _Reader, ratio: Any, node: NodePath, key: str) -> str | None:
    source = reader.get(ratio, node, key, dict)
    metric = reader.get(source, (*node, key), "metricSource", dict) if source is not None else None
    if metric is None:
        return None
    where = (*node, key, "metricSource")
    kind = reader.get(metric, where, "type", str)
    if kind is not None and kind.lower() != "prometheus":
        reader.fail(
            (*where, "type"), f"{_field(where, 'type')}: only Prometheus metric sources are supported"
        )
        return None
    spec = reader.get(metric, where, "spec", dict)
    query = reader.get(spec, (*where, "spec"), "query", str) if spec is not None else None
    return query if kind is not None else None


def _openslo(doc: Document, services: Mapping[str, _Service]) -> tuple[Slo | None, list[Problem]]:
    reader = _Reader(doc, OPENSLO_CHECK)
    data = doc.data
    if data.get("kind") != "SLO":
        reader.fail(("kind",), "kind: expected SLO (the only OpenSLO kind the inventory reads)")
        return None, reader.problems
    metadata = reader.get(data, (), "metadata", dict)
    name = reader.get(metadata, ("metadata",), "name", str) if metadata is not None else None
    spec = reader.get(data, (), "spec", dict)
    if spec is None or name is None:
        return None, reader.problems
    service_name = reader.get(spec, ("spec",), "service", str)
    service = services.get(service_name) if service_name is not None else None
    if service_name is not None and service is None:
        reader.fail(("spec", "service"), f"spec.service: {service_name!r} is not a service of the inventory")
    days = _time_window(reader, spec)
    objective = _target(reader, spec)
    indicator = reader.get(spec, ("spec",), "indicator", dict)
    ind_spec = reader.get(indicator, ("spec", "indicator"), "spec", dict) if indicator is not None else None
    node: NodePath = ("spec", "indicator", "spec")
    ratio = reader.get(ind_spec, node, "ratioMetric", dict) if ind_spec is not None else None
    if ratio is None or service is None or days is None or objective is None:
        return None, reader.problems
    node = (*node, "ratioMetric")
    if ratio.get("counter") is not True:
        reader.fail(
            (*node, "counter"), f"{_field(node, 'counter')}: expected true (good and total are counters)"
        )
    which = [key for key in ("good", "bad") if key in ratio]
    if len(which) != 1:
        reader.fail(node, f"{_field(node)}: set exactly one of good and bad")
        return None, reader.problems
    numerator = _metric_query(reader, ratio, node, which[0])
    total = _metric_query(reader, ratio, node, "total")
    if numerator is None or total is None or reader.problems:
        return None, reader.problems
    query_node: NodePath = (*node, which[0], "metricSource", "spec", "query")
    total_node: NodePath = (*node, "total", "metricSource", "spec", "query")
    sli = _events(
        reader, query_node, ("good" if which[0] == "good" else "errors", numerator), (total_node, total)
    )
    if sli is None or not _reachable(reader, objective, days, ("spec", "objectives", 0, "target")):
        return None, reader.problems
    description = spec.get("description", "") if isinstance(spec.get("description"), str) else ""
    return (
        _draft(
            service,
            name,
            objective,
            days,
            sli,
            description=description,
            location=doc.location(),
            source="openslo",
        ),
        reader.problems,
    )


def _time_window(reader: _Reader, spec: Mapping[str, Any]) -> int | None:
    windows = reader.get(spec, ("spec",), "timeWindow", list)
    if windows is None:
        return None
    allowed = [f"{days}d" for days in PERIOD_DAYS]
    if len(windows) != 1 or not isinstance(windows[0], dict):
        reader.fail(("spec", "timeWindow"), "spec.timeWindow: expected one rolling window")
        return None
    duration = windows[0].get("duration")
    if duration not in allowed:
        reader.fail(
            ("spec", "timeWindow", 0, "duration"),
            f"spec.timeWindow[0].duration: expected one of {', '.join(allowed)}, got {duration!r}",
        )
        return None
    if windows[0].get("isRolling") is not True:
        reader.fail(
            ("spec", "timeWindow", 0), "spec.timeWindow[0].isRolling: only rolling windows are supported"
        )
        return None
    return int(duration.removesuffix("d"))


def _target(reader: _Reader, spec: Mapping[str, Any]) -> float | None:
    objectives = reader.get(spec, ("spec",), "objectives", list)
    if objectives is None:
        return None
    if len(objectives) != 1 or not isinstance(objectives[0], dict):
        reader.fail(("spec", "objectives"), "spec.objectives: expected exactly one objective")
        return None
    target = objectives[0].get("target")
    if isinstance(target, bool) or not isinstance(target, (int, float)) or not 0 < target < 1:
        reader.fail(
            ("spec", "objectives", 0, "target"),
            f"spec.objectives[0].target: expected a ratio between 0 and 1 (exclusive), got {target!r}",
        )
        return None
    return float(target) * 100


def read_slos(documents: Sequence[Document], openslo: Sequence[Document]) -> tuple[list[Slo], list[Problem]]:
    """Every SLO of the (schema-valid) inventory documents and the OpenSLO documents, or the
    problems; names are unique per service."""
    services = {
        raw["name"]: _Service(raw["name"], raw["kind"])
        for doc in documents
        for _, raw in walk_items(doc.data, "services")
    }
    slos: list[Slo] = []
    problems: list[Problem] = []
    for doc in documents:
        found, wrong = _inventory_slos(doc, services)
        slos += found
        problems += wrong
    for doc in openslo:
        slo, wrong = _openslo(doc, services)
        slos += [slo] if slo is not None else []
        problems += wrong
    seen: dict[tuple[str, str], Location] = {}
    for slo in slos:
        key = (slo.service, slo.name)
        if key in seen:
            problems.append(
                Problem(
                    slo.location,
                    f"service {slo.service!r} has two SLOs named {slo.name!r}",
                    f"the other is at {seen[key]}",
                    CHECK,
                )
            )
        seen.setdefault(key, slo.location)
    return slos, problems
