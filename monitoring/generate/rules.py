"""Alert and recording rules per kind, and a promtool unit test for every alert rule.

Thresholds: one alert rule per threshold group (the services sharing a value), told apart by a
`threshold` label, so 62 databases with two distinct values give two rules, not 62. The
group holding the fleet value selects every service *not* in another group, so a target the
inventory does not list still gets the fleet threshold.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from monitoring.alert_templates import expand
from monitoring.artifacts import Artifact
from monitoring.kinds import KINDS
from monitoring.model import Inventory, Service, Settings
from monitoring.naming import kind_dashboard_url, runbook_url, target_labels
from monitoring.rule_packs import (
    PLACEHOLDER,
    AlertTemplate,
    RulePack,
    SeriesTemplate,
    evaluate,
    load_pack,
)

RULES_DIR = "prometheus/rules"
TESTS_DIR = "prometheus/tests"
THRESHOLD_LABEL = "threshold"
TEST_INTERVAL_MINUTES = 1
_SETTLE_MINUTES = 10
_EXTRA_SAMPLES = 5

_REGEX_SPECIAL = re.compile(r"([.^$*+?()\[\]{}|\\])")


def rule_files(inventory: Inventory) -> list[Artifact]:
    artifacts: list[Artifact] = []
    for kind in inventory.kinds_present():
        if KINDS[kind].rule_pack is None:
            continue
        rules, tests = render_kind(load_pack(kind), inventory)
        artifacts.append(Artifact(f"{RULES_DIR}/{kind}.rules.yml", rules, "yaml"))
        artifacts.append(Artifact(f"{TESTS_DIR}/{kind}.test.yml", tests, "yaml"))
    return artifacts


@dataclass(frozen=True)
class ThresholdGroup:
    value: float | None
    matcher: str
    members: tuple[Service, ...]


def render_kind(pack: RulePack, inventory: Inventory) -> tuple[dict[str, Any], dict[str, Any]]:
    """The rule file and the promtool test file of one kind."""
    services = tuple(sorted((s for s in inventory.services if s.kind == pack.kind), key=lambda s: s.name))
    rules: list[dict[str, Any]] = [
        {
            "record": r.record,
            "expr": _fold(r.expr),
            **({"labels": dict(sorted(r.labels.items()))} if r.labels else {}),
        }
        for r in pack.recording_rules
    ]
    tests: list[dict[str, Any]] = []
    for alert in pack.alerts:
        if alert.per_domain:
            domain_rules, domain_tests = _per_domain(alert, pack.kind, services, inventory)
            rules += domain_rules
            tests += domain_tests
            continue
        fleet_value = inventory.fleet_thresholds[pack.kind][alert.threshold] if alert.threshold else None
        for group in threshold_groups(alert.threshold, fleet_value, services):
            variables = _group_variables(group)
            rule = _alert_rule(alert, pack.kind, variables, inventory.settings, group.value)
            rules.append(rule)
            tests += _group_tests(alert, pack.kind, rule, group, inventory.settings)
    rule_file = {"groups": [{"name": pack.kind, "rules": rules}]}
    test_file = {
        "rule_files": [f"../rules/{pack.kind}.rules.yml"],
        "evaluation_interval": f"{TEST_INTERVAL_MINUTES}m",
        "tests": tests,
    }
    return rule_file, test_file


def threshold_groups(
    threshold: str | None, fleet_value: float | None, services: Sequence[Service]
) -> list[ThresholdGroup]:
    """Services grouped by their value of `threshold`; the fleet value's group first."""
    if threshold is None or fleet_value is None:
        return [ThresholdGroup(None, 'service!=""', tuple(services))]
    by_value: dict[float, list[Service]] = {}
    for service in services:
        by_value.setdefault(float(service.thresholds[threshold]), []).append(service)
    if len(by_value) == 1:
        value, members = next(iter(by_value.items()))
        return [ThresholdGroup(value, 'service!=""', tuple(members))]
    groups = []
    for value in sorted(by_value, key=lambda v: (v != fleet_value, v)):
        members = by_value[value]
        if value == fleet_value:
            member_names = {s.name for s in members}
            others = [s for s in services if s.name not in member_names]
            matcher = f'service!~"{_names_regex(others)}"'
        else:
            matcher = f'service=~"{_names_regex(members)}"'
        groups.append(ThresholdGroup(value, matcher, tuple(members)))
    return groups


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
    alert: AlertTemplate, kind: str, variables: Mapping[str, str], settings: Settings
) -> dict[str, str]:
    return {
        "summary": _substitute(alert.summary, variables).strip(),
        "description": _substitute(alert.description, variables).strip(),
        "runbook_url": runbook_url(settings, kind, alert.alert),
        "dashboard": kind_dashboard_url(settings, kind),
    }


def _alert_rule(
    alert: AlertTemplate, kind: str, variables: Mapping[str, str], settings: Settings, value: float | None
) -> dict[str, Any]:
    labels = {"severity": alert.severity, **{k: _substitute(v, variables) for k, v in alert.labels.items()}}
    if value is not None:
        labels[THRESHOLD_LABEL] = number(value)
    return {
        "alert": alert.alert,
        "expr": _fold(_substitute(alert.expr, variables)),
        "for": alert.for_,
        "labels": dict(sorted(labels.items())),
        "annotations": _annotations(alert, kind, variables, settings),
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


def _timing(alert: AlertTemplate) -> tuple[int, int]:
    eval_minutes = alert.test.eval_minutes or _minutes(alert.for_) + _SETTLE_MINUTES
    return eval_minutes, eval_minutes + _EXTRA_SAMPLES


def _group_tests(
    alert: AlertTemplate, kind: str, rule: Mapping[str, Any], group: ThresholdGroup, settings: Settings
) -> list[dict[str, Any]]:
    service = group.members[0]
    eval_minutes, samples = _timing(alert)
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
    eval_minutes, samples = _timing(alert)
    quiet_value = evaluate(alert.test.quiet, {})
    for domain_name, service in sorted(representatives.items()):
        domain = inventory.domain(domain_name)
        rule = _alert_rule(alert, kind, {"domain": domain.name, "team": domain.team}, settings, None)
        rules.append(rule)
        expected.append(_expected_alert(rule, _kept_labels(alert, kind, service, settings), 1.0))
        quiet_series += _input_series(
            alert, kind, service, settings, False, {"value": quiet_value, "n": samples}
        )
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
