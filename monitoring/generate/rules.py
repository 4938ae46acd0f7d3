"""Alert and recording rules per kind, and a promtool unit test for every alert rule.

Thresholds: one alert rule per threshold group (the services sharing a value), told apart by a
`threshold` label, so 62 databases with two distinct values give two rules, not 62. The
group holding the fleet value selects every service *not* in another group, so a target the
inventory does not list still gets the fleet threshold.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from monitoring.alert_templates import expand
from monitoring.artifacts import Artifact
from monitoring.generate.global_rules import split_rule_files
from monitoring.generate.mixins import mixin_rule_files
from monitoring.generate.passthrough import passthrough_rule_files
from monitoring.generate.slo import slo_rule_files
from monitoring.kinds import KINDS, board_selection, kind_board
from monitoring.model import Domain, Inventory, Override, Service, Settings
from monitoring.naming import board_url, runbook_url, target_labels
from monitoring.rule_packs import (
    ANNOTATION_FOR_VARIABLE,
    PLACEHOLDER,
    AlertTemplate,
    RulePack,
    SeriesTemplate,
    evaluate,
    load_pack,
    windowed,
)

RULES_DIR = "prometheus/rules"
TESTS_DIR = "prometheus/tests"
THRESHOLD_LABEL = "threshold"
# Set on the rule of a group whose `for` is overridden: without it the group and the fleet's rule
# would carry the same labels, which lint (and promtool's duplicate-rules lint) refuse.
FOR_LABEL = "for"
ROUTED_BY_LABEL = "routed_by"
TEST_INTERVAL_MINUTES = 1
_SETTLE_MINUTES = 10
_EXTRA_SAMPLES = 5

_REGEX_SPECIAL = re.compile(r"([.^$*+?()\[\]{}|\\])")
# The selectors of an alert without `${services}`: each starts with its job matcher (pack/selector).
JOB_SELECTOR = re.compile(r"\{(?=job=)")
ALL_SERVICES = 'service!=""'
_GROUPING = re.compile(r"\b((?:by|on)\s*)\(([^()]*)\)")
_KEPT = Override()


def rule_files(inventory: Inventory) -> list[Artifact]:
    artifacts: list[Artifact] = []
    for kind in inventory.kinds_present():
        if KINDS[kind].rule_pack is None:
            continue
        rules, tests = render_kind(load_pack(kind), inventory)
        artifacts.append(Artifact(f"{RULES_DIR}/{kind}.rules.yml", rules, "yaml"))
        artifacts.append(Artifact(f"{TESTS_DIR}/{kind}.test.yml", tests, "yaml"))
    artifacts += slo_rule_files(inventory)
    found = (
        split_rule_files(artifacts, inventory)
        + passthrough_rule_files(inventory)
        + mixin_rule_files(inventory)
    )
    # Every rule file is linted at the interval its series are scraped at (promql/rate-window).
    interval = inventory.settings.prometheus.scrape_interval_seconds
    return [
        dataclasses.replace(a, scrape_interval_s=interval) if a.path.startswith(f"{RULES_DIR}/") else a
        for a in found
    ]


@dataclass(frozen=True)
class ThresholdGroup:
    value: float | None
    matcher: str
    members: tuple[Service, ...]
    override: Override = _KEPT


def render_kind(pack: RulePack, inventory: Inventory) -> tuple[dict[str, Any], dict[str, Any]]:
    """The rule file and the promtool test file of one kind."""
    pack = windowed(pack, inventory.settings.prometheus.scrape_interval_seconds)
    services = tuple(sorted((s for s in inventory.services if s.kind == pack.kind), key=lambda s: s.name))
    custom = sorted({name for s in services for name in s.labels})
    rules: list[dict[str, Any]] = [
        {
            "record": r.record,
            "expr": _keeping(_fold(r.expr), custom),
            **({"labels": dict(sorted(r.labels.items()))} if r.labels else {}),
        }
        for r in pack.recording_rules
    ]
    tests: list[dict[str, Any]] = []
    recorded: set[tuple[str, str]] = set()
    for alert in pack.alerts:
        if alert.per_domain:
            domain_rules, domain_tests = _per_domain(alert, pack.kind, services, inventory)
            rules += domain_rules
            tests += domain_tests
            continue
        fleet_value = inventory.fleet_thresholds[pack.kind][alert.threshold] if alert.threshold else None
        for group in threshold_groups(alert.threshold, fleet_value, services, alert):
            if not group.override.enabled:
                continue
            variables = _group_variables(group)
            rule = _alert_rule(alert, pack.kind, variables, inventory.settings, group.value, group.override)
            if group.value is None and group.matcher != ALL_SERVICES:
                rule["expr"] = _narrowed(rule["expr"], group.matcher)
            rule["expr"] = _keeping(rule["expr"], custom)
            owned = _owned(alert, pack.kind, group.members, inventory)
            if owned:
                rules += _owner_records(alert, pack.kind, owned, inventory, recorded)
                rule, owned_rule = _owner_split(alert, pack.kind, rule)
            rules.append(rule)
            tested = _unowned_test_value(alert, owned) if owned else alert
            tests += _group_tests(tested, pack.kind, rule, group, inventory.settings)
            if owned:
                rules.append(owned_rule)
                for item in owned:
                    tests += _owned_tests(alert, pack.kind, owned_rule, group, item, inventory)
    rule_file = {"groups": [{"name": pack.kind, "rules": rules}]}
    test_file = {
        "rule_files": [f"../rules/{pack.kind}.rules.yml"],
        "evaluation_interval": f"{TEST_INTERVAL_MINUTES}m",
        "tests": tests,
    }
    return rule_file, test_file


@dataclass(frozen=True)
class Owned:
    """A value of an alert's owner_label that a service gives to another domain."""

    service: Service
    value: str
    domain: Domain


def _owned(alert: AlertTemplate, kind: str, services: Sequence[Service], inventory: Inventory) -> list[Owned]:
    if not alert.owner_label:
        return []
    return [
        Owned(service, value, inventory.domain(owner))
        for service in services
        for value, owner in sorted(KINDS[kind].owners(service).items())
    ]


def owner_series(kind: str, label: str) -> str:
    return f"{kind}:{label}_owner:info"


def _owner_records(
    alert: AlertTemplate,
    kind: str,
    owned: Sequence[Owned],
    inventory: Inventory,
    recorded: set[tuple[str, str]],
) -> list[dict[str, Any]]:
    """One constant series per owned value, naming its owner: alerts join it to take its labels."""
    records = []
    for item in owned:
        if (item.service.name, item.value) in recorded:
            continue
        recorded.add((item.service.name, item.value))
        labels = {
            "service": item.service.name,
            alert.owner_label: item.value,
            "domain": item.domain.name,
            "team": item.domain.team,
        }
        records.append(
            {
                "record": owner_series(kind, alert.owner_label),
                "expr": "vector(1)",
                "labels": dict(sorted(labels.items())),
            }
        )
    return records


def _owner_split(
    alert: AlertTemplate, kind: str, rule: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The rule without the owned values, and the rule on them taking the owner's domain and team
    from its owner series: routes match on `domain`. Custom labels stay the service's."""
    label, series = alert.owner_label, owner_series(kind, alert.owner_label)
    body = "\n".join(f"  {line}" for line in rule["expr"].splitlines())
    unowned = {**rule, "expr": f"(\n{body}\n)\nunless on (service, {label})\n  {series}"}
    owned = {
        **rule,
        "annotations": dict(rule["annotations"]),
        "expr": f"(\n{body}\n)\n* on (service, {label}) group_left (domain, team)\n  {series}",
        # Tells the two rules apart (same alert name) and says why the domain is not the service's.
        "labels": dict(sorted({**rule["labels"], ROUTED_BY_LABEL: label}.items())),
    }
    return unowned, owned


def threshold_groups(
    threshold: str | None,
    fleet_value: float | None,
    services: Sequence[Service],
    alert: AlertTemplate | None = None,
) -> list[ThresholdGroup]:
    """Services grouped by their value of `threshold` and their override of `alert`; the group of
    the fleet value without override first. Disabled groups are returned too: the fleet group's
    matcher leaves them out."""
    Key = tuple[float | None, Override]
    by_key: dict[Key, list[Service]] = {}
    for service in services:
        value = float(service.thresholds[threshold]) if threshold is not None else None
        by_key.setdefault((value, _effective(service, alert)), []).append(service)
    fleet: Key = (None if threshold is None else fleet_value, _KEPT)
    if len(by_key) == 1:
        (value, override), members = next(iter(by_key.items()))
        return [ThresholdGroup(value, ALL_SERVICES, tuple(members), override)]

    def order(key: Key) -> tuple[bool, float, bool, str, str]:
        value, override = key
        return (key != fleet, value or 0.0, override.enabled, override.for_ or "", override.severity or "")

    groups = []
    for key in sorted(by_key, key=order):
        members = by_key[key]
        if key == fleet:
            member_names = {s.name for s in members}
            others = [s for s in services if s.name not in member_names]
            matcher = f'service!~"{_names_regex(others)}"'
        else:
            matcher = f'service=~"{_names_regex(members)}"'
        groups.append(ThresholdGroup(key[0], matcher, tuple(members), key[1]))
    return groups


def _effective(service: Service, alert: AlertTemplate | None) -> Override:
    """The service's override of `alert`, without the fields that repeat the pack's."""
    override = service.alert_overrides.get(alert.alert) if alert is not None else None
    if override is None or alert is None:
        return _KEPT
    return Override(
        override.enabled,
        override.for_ if override.for_ != alert.for_ else None,
        override.severity if override.severity != alert.severity else None,
    )


def _keeping(expr: str, labels: Sequence[str]) -> str:
    """The inventory's custom labels added to every `by (...)` and `on (...)` that keeps `service`,
    so they reach the alerts (absent() alerts get their domain's as rule labels instead)."""

    def extend(match: re.Match[str]) -> str:
        kept = [name.strip() for name in match.group(2).split(",")]
        if "service" not in kept:
            return match.group(0)
        return f"{match.group(1)}({', '.join([*kept, *(n for n in labels if n not in kept)])})"

    return _GROUPING.sub(extend, expr) if labels else expr


def _narrowed(expr: str, matcher: str) -> str:
    """An alert without `${services}` selecting only some services: the matcher in every selector."""
    return JOB_SELECTOR.sub(lambda _: f"{{{matcher}, ", expr)


def _names_regex(services: Sequence[Service]) -> str:
    # A PromQL string holding an RE2 regex: regex escapes, then the string's own backslashes.
    return "|".join(_REGEX_SPECIAL.sub(r"\\\\\1", s.name) for s in services)


def number(value: float) -> str:
    """A threshold as PromQL and label text: integers without a decimal point."""
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(float(value))


def _group_variables(group: ThresholdGroup) -> dict[str, str]:
    if group.value is None:
        return {}
    return {"threshold": number(group.value), "services": group.matcher}


def _substitute(template: str, variables: Mapping[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in variables:
            raise KeyError(
                f"placeholder ${{{name}}} is not defined here (have: {', '.join(sorted(variables))})"
            )
        return variables[name]

    return PLACEHOLDER.sub(replace, template)


def _fold(expr: str) -> str:
    """One line per expression line, indentation kept, no trailing newline."""
    return "\n".join(line.rstrip() for line in expr.strip().splitlines())


def _annotations(
    alert: AlertTemplate, kind: str, variables: Mapping[str, str], settings: Settings, for_: str
) -> dict[str, str]:
    texts = {**variables, ANNOTATION_FOR_VARIABLE: for_}
    return {
        "summary": _substitute(alert.summary, texts).strip(),
        "description": _substitute(alert.description, texts).strip(),
        "runbook_url": runbook_url(settings, kind, alert.alert),
        "dashboard": board_url(settings, kind_board(settings, kind).uid),
    }


def _alert_rule(
    alert: AlertTemplate,
    kind: str,
    variables: Mapping[str, str],
    settings: Settings,
    value: float | None,
    override: Override = _KEPT,
) -> dict[str, Any]:
    labels = {
        "severity": override.severity or alert.severity,
        **{k: _substitute(v, variables) for k, v in alert.labels.items()},
    }
    if value is not None:
        labels[THRESHOLD_LABEL] = number(value)
    if override.for_:
        labels[FOR_LABEL] = override.for_
    for_ = override.for_ or alert.for_
    return {
        "alert": alert.alert,
        "expr": _fold(_substitute(alert.expr, variables)),
        "for": for_,
        "labels": dict(sorted(labels.items())),
        "annotations": _annotations(alert, kind, variables, settings, for_),
    }


# ---- rule unit tests


def _minutes(duration: str) -> int:
    amount, unit = int(duration[:-1]), duration[-1]
    return {"s": -(-amount // 60), "m": amount, "h": amount * 60}[unit]


def _series_labels(series: SeriesTemplate, kind: str, service: Service, settings: Settings) -> dict[str, str]:
    labels = {"job": KINDS[kind].jobs[0], "instance": service.name, **target_labels(service, settings)}
    labels.update(series.labels)
    return labels


def _series_text(metric: str, labels: Mapping[str, str]) -> str:
    body = ", ".join(f'{name}="{_escape(value)}"' for name, value in sorted(labels.items()))
    return f"{metric}{{{body}}}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def _values(template: str, variables: Mapping[str, float]) -> str:
    return PLACEHOLDER.sub(lambda m: number(evaluate(m.group(1), variables)), template)


def _input_series(
    alert: AlertTemplate,
    kind: str,
    service: Service,
    settings: Settings,
    firing: bool,
    variables: Mapping[str, float],
) -> list[dict[str, str]]:
    return [
        {
            "series": _series_text(s.metric, _series_labels(s, kind, service, settings)),
            "values": _values(s.firing_values if firing else s.quiet_values, variables),
        }
        for s in alert.test.series
    ]


def _kept_labels(alert: AlertTemplate, kind: str, service: Service, settings: Settings) -> dict[str, str]:
    first = _series_labels(alert.test.series[0], kind, service, settings)
    first.update(alert.test.added_labels)
    names = alert.test.labels if alert.test.labels is not None else tuple(first)
    if alert.test.labels is not None and not alert.per_domain:
        names = (*names, *(name for name in service.labels if name not in names))
    return {name: first[name] for name in sorted(names)}


def _expected_alert(
    rule: Mapping[str, Any], series_labels: Mapping[str, str], value: float
) -> dict[str, Any]:
    return {
        "exp_labels": dict(sorted({**series_labels, **rule["labels"]}.items())),
        "exp_annotations": {
            name: expand(text, series_labels, value) for name, text in sorted(rule["annotations"].items())
        },
    }


def _test_case(
    name: str, series: list[dict[str, str]], alert: str, eval_minutes: int, expected: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "name": name,
        "interval": f"{TEST_INTERVAL_MINUTES}m",
        "input_series": series,
        "alert_rule_test": [{"eval_time": f"{eval_minutes}m", "alertname": alert, "exp_alerts": expected}],
    }


def _timing(alert: AlertTemplate, override: Override = _KEPT) -> tuple[int, int]:
    # Steady series wait for the pack's windows to fill; a pack's own eval time has its series
    # timed to it.
    settled = _minutes(alert.for_) + _SETTLE_MINUTES + alert.test.window_growth_minutes
    eval_minutes = alert.test.eval_minutes or settled
    if override.for_:
        # A pack's own eval time holds for its `for`: shifted by the change.
        eval_minutes = max(1, eval_minutes + _minutes(override.for_) - _minutes(alert.for_))
    return eval_minutes, eval_minutes + _EXTRA_SAMPLES


def _group_tests(
    alert: AlertTemplate, kind: str, rule: Mapping[str, Any], group: ThresholdGroup, settings: Settings
) -> list[dict[str, Any]]:
    service = group.members[0]
    eval_minutes, samples = _timing(alert, group.override)
    threshold = {"threshold": group.value} if group.value is not None else {}
    firing_value = evaluate(alert.test.firing, threshold)
    quiet_value = evaluate(alert.test.quiet, threshold)
    scope = f" ({THRESHOLD_LABEL} {rule['labels'][THRESHOLD_LABEL]})" if group.value is not None else ""
    kept = _kept_labels(alert, kind, service, settings)
    return [
        _test_case(
            f"{alert.alert}{scope} fires for {service.name}",
            _input_series(
                alert, kind, service, settings, True, {**threshold, "value": firing_value, "n": samples}
            ),
            alert.alert,
            eval_minutes,
            [_expected_alert(rule, kept, firing_value)],
        ),
        _test_case(
            f"{alert.alert}{scope} stays quiet for {service.name}",
            _input_series(
                alert, kind, service, settings, False, {**threshold, "value": quiet_value, "n": samples}
            ),
            alert.alert,
            eval_minutes,
            [],
        ),
    ]


def _renamed(alert: AlertTemplate, value: str) -> AlertTemplate:
    """The alert whose test uses `value` of its owner_label where the pack's test uses its own."""
    template = alert.test.added_labels.get(alert.owner_label, "")
    series = tuple(
        dataclasses.replace(s, labels={k: value if v == template else v for k, v in s.labels.items()})
        for s in alert.test.series
    )
    added = {**alert.test.added_labels, alert.owner_label: value}
    return dataclasses.replace(alert, test=dataclasses.replace(alert.test, series=series, added_labels=added))


def _unowned_test_value(alert: AlertTemplate, owned: Sequence[Owned]) -> AlertTemplate:
    """The alert, its test value renamed when the inventory owns it (the unowned rule skips it)."""
    value = alert.test.added_labels.get(alert.owner_label, "")
    taken = {item.value for item in owned}
    while value in taken:
        value = f"{value}-unowned"
    return _renamed(alert, value)


def _owned_tests(
    alert: AlertTemplate,
    kind: str,
    rule: Mapping[str, Any],
    group: ThresholdGroup,
    owned: Owned,
    inventory: Inventory,
) -> list[dict[str, Any]]:
    """The owned rule fires for an owned value, with its owner's labels; the pack's test value
    (not owned) is renamed to the owned one in every series."""
    settings = inventory.settings
    renamed = _renamed(alert, owned.value)
    eval_minutes, samples = _timing(alert, group.override)
    threshold = {"threshold": group.value} if group.value is not None else {}
    firing_value = evaluate(alert.test.firing, threshold)
    kept = _kept_labels(renamed, kind, owned.service, settings)
    kept.update({"domain": owned.domain.name, "team": owned.domain.team})
    scope = f" ({THRESHOLD_LABEL} {rule['labels'][THRESHOLD_LABEL]})" if group.value is not None else ""
    return [
        _test_case(
            f"{alert.alert}{scope} fires for {alert.owner_label} {owned.value} of {owned.service.name}"
            f" owned by {owned.domain.name}",
            _input_series(
                renamed,
                kind,
                owned.service,
                settings,
                True,
                {**threshold, "value": firing_value, "n": samples},
            ),
            alert.alert,
            eval_minutes,
            [_expected_alert(rule, dict(sorted(kept.items())), firing_value)],
        )
    ]


def _per_domain(
    alert: AlertTemplate, kind: str, services: Sequence[Service], inventory: Inventory
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """One absent() rule per domain with services of the kind; it fires when none is scraped."""
    representatives: dict[str, Service] = {}
    for service in services:
        representatives.setdefault(service.domain, service)
    settings = inventory.settings
    rules: list[dict[str, Any]] = []
    expected: list[dict[str, Any]] = []
    quiet_series: list[dict[str, str]] = []
    overrides = {
        name: inventory.domain(name).alert_overrides.get(alert.alert, _KEPT) for name in representatives
    }
    # One test evaluates every domain's rule: at the latest eval time any domain's `for` needs.
    eval_minutes, samples = max(_timing(alert, override) for override in overrides.values())
    quiet_value = evaluate(alert.test.quiet, {})
    for domain_name, service in sorted(representatives.items()):
        if not overrides[domain_name].enabled:
            continue
        domain = inventory.domain(domain_name)
        rule = _alert_rule(
            alert, kind, {"domain": domain.name, "team": domain.team}, settings, None, overrides[domain_name]
        )
        # absent() returns only its selector's labels: the domain's custom labels come as rule labels.
        rule["labels"] = dict(sorted({**domain.labels, **rule["labels"]}.items()))
        # No service label either: the link opens the board on the domain's services.
        board = kind_board(settings, kind)
        names = (s.name for s in services if s.domain == domain.name)
        rule["annotations"]["dashboard"] = board_url(
            settings, board.uid, board_selection(board, domain.name, names)
        )
        rules.append(rule)
        expected.append(_expected_alert(rule, _kept_labels(alert, kind, service, settings), 1.0))
        quiet_series += _input_series(
            alert, kind, service, settings, False, {"value": quiet_value, "n": samples}
        )
    if not rules:
        return [], []
    tests = [
        _test_case(f"{alert.alert} fires with no target", [], alert.alert, eval_minutes, expected),
        _test_case(
            f"{alert.alert} stays quiet with one target per domain",
            quiet_series,
            alert.alert,
            eval_minutes,
            [],
        ),
    ]
    return rules, tests
