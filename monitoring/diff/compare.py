"""Two runs' artifacts (monitoring/pipeline.py's families) compared semantically, per family. Pure."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from monitoring.artifacts import Artifact
from monitoring.aws.plan import STANDARD_ALARM_USD_PER_MONTH, comparable

Action = Literal["added", "removed", "changed"]
FAMILIES = ("scrape", "alerts", "dashboards", "alarms", "retention")
Families = Mapping[str, list[Artifact]]

# Labels that are a rule's settings, not part of which rule it is.
_SETTING_LABELS = frozenset({"severity", "threshold"})
_SERVICE_MATCHER = re.compile(r'service\s*(=~|!~|!=|=)\s*"([^"]*)"')


@dataclass(frozen=True)
class Change:
    """One thing added, removed or changed; `fields` maps a field to (before, after)."""

    family: str
    action: Action
    key: str
    summary: str = ""
    fields: dict[str, tuple[Any, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class MonitoringDiff:
    changes: list[Change]

    def of(self, family: str) -> list[Change]:
        return [change for change in self.changes if change.family == family]

    def counts(self) -> dict[str, dict[str, int]]:
        return {
            family: {
                action: sum(c.action == action for c in self.of(family))
                for action in ("added", "removed", "changed")
            }
            for family in FAMILIES
        }

    def alarm_cost_delta_usd_per_month(self) -> float:
        alarms = self.counts()["alarms"]
        return (alarms["added"] - alarms["removed"]) * STANDARD_ALARM_USD_PER_MONTH


def _keyed_changes(
    family: str,
    before: Mapping[str, dict[str, Any]],
    after: Mapping[str, dict[str, Any]],
    summary: Callable[[dict[str, Any]], str],
) -> list[Change]:
    """Entries compared by key; values are dicts of comparable fields."""
    changes = [
        Change(family, "removed", key, summary(before[key])) for key in sorted(before.keys() - after.keys())
    ]
    changes += [
        Change(family, "added", key, summary(after[key])) for key in sorted(after.keys() - before.keys())
    ]
    for key in sorted(before.keys() & after.keys()):
        old, new = before[key], after[key]
        fields = {
            name: (old.get(name), new.get(name))
            for name in sorted(old.keys() | new.keys())
            if old.get(name) != new.get(name)
        }
        if fields:
            changes.append(Change(family, "changed", key, summary(new), fields))
    return changes


def _data(families: Families, family: str, suffix: str) -> list[Any]:
    return [a.data for a in families.get(family, []) if a.path.endswith(suffix)]


def scrape_jobs(families: Families) -> dict[str, dict[str, Any]]:
    """Each job by name (after its shard's folder when sharded): its targets (with their service)
    and its other settings."""
    jobs: dict[str, dict[str, Any]] = {}
    for artifact in families.get("prometheus", []):
        if not artifact.path.endswith("prometheus.yml"):
            continue
        folder = artifact.path.rsplit("/", 2)[-2] if artifact.path.count("/") > 1 else ""
        for job in artifact.data.get("scrape_configs", []):
            targets = sorted(
                f"{target} ({static.get('labels', {}).get('service', '-')})"
                for static in job.get("static_configs", [])
                for target in static.get("targets", [])
            )
            settings = {k: v for k, v in job.items() if k not in ("job_name", "static_configs")}
            jobs[f"{folder}/{job['job_name']}" if folder else job["job_name"]] = {
                "targets": targets,
                "settings": json.dumps(settings, sort_keys=True),
            }
    return jobs


def _services(expr: str) -> str:
    matchers = [(op, value) for op, value in _SERVICE_MATCHER.findall(expr) if (op, value) != ("!=", "")]
    return ", ".join(f'service{op}"{value}"' for op, value in matchers) or "all"


def alert_rules(families: Families) -> dict[str, dict[str, Any]]:
    """Each alert rule by group, name and identifying labels, after its evaluator when not Prometheus
    (vmalert:). A threshold group's rule (the services
    of one overridden value) is also named by its services; the fleet rule (all services, or all
    but the overridden ones) is not, so a new override changes it rather than replacing it."""
    rules: dict[str, dict[str, Any]] = {}
    seen: defaultdict[str, int] = defaultdict(int)
    for artifact in families.get("rules", []):
        if not isinstance(artifact.data, dict) or "groups" not in artifact.data:
            continue
        top = artifact.path.split("/", 1)[0]
        evaluator = "" if top == "prometheus" else f"{top}:"
        for group in artifact.data["groups"]:
            for rule in group.get("rules", []):
                if "alert" not in rule:
                    continue
                labels = rule.get("labels", {})
                identity = ",".join(f"{k}={v}" for k, v in sorted(labels.items()) if k not in _SETTING_LABELS)
                services = _services(rule["expr"])
                base = f"{evaluator}{group['name']}/{rule['alert']}" + (f"{{{identity}}}" if identity else "")
                if services.startswith(("service=", "service=~")):
                    base += f" [{services}]"
                seen[base] += 1
                key = base if seen[base] == 1 else f"{base}#{seen[base]}"
                rules[key] = {
                    "expr": rule["expr"],
                    "for": rule.get("for"),
                    "severity": labels.get("severity"),
                    "threshold": labels.get("threshold"),
                    "services": services,
                }
    return rules


def dashboards(families: Families) -> dict[str, dict[str, Any]]:
    """Each dashboard by uid: title, folder and its panels' titles and queries (not their prose)."""
    boards: dict[str, dict[str, Any]] = {}
    for artifact in families.get("grafana", []):
        data = artifact.data
        if not (isinstance(data, dict) and "uid" in data and "panels" in data):
            continue
        panels = sorted(
            json.dumps(
                {
                    "title": panel.get("title", ""),
                    "queries": [t.get("expr", "") for t in panel.get("targets", [])],
                    "thresholds": panel.get("fieldConfig", {}).get("defaults", {}).get("thresholds"),
                },
                sort_keys=True,
            )
            for panel in _panels(data["panels"])
        )
        folder = artifact.path.rsplit("/", 2)[-2]
        boards[data["uid"]] = {"title": data.get("title", ""), "folder": folder, "panels": panels}
    return boards


def _panels(panels: Iterable[Any]) -> Iterable[dict[str, Any]]:
    for panel in panels:
        yield panel
        yield from _panels(panel.get("panels", []))


def alarms(families: Families) -> dict[str, dict[str, Any]]:
    """Each CloudWatch alarm by name, reduced to what PutMetricAlarm would change."""
    found: dict[str, dict[str, Any]] = {}
    for entries in _data(families, "cloudwatch", "alarms.json"):
        for name, parameters in entries.items():
            found[name] = comparable(parameters)
    return found


def retention(families: Families) -> dict[str, dict[str, Any]]:
    """The default retention and claimed prefixes, each rule by pattern, each log group's days."""
    found: dict[str, dict[str, Any]] = {}
    for policy in _data(families, "cloudwatch", "log-retention.json"):
        found["default"] = {
            "days": policy.get("default_days"),
            "claimed_prefixes": sorted(policy.get("claimed_prefixes", [])),
        }
        for rule in policy.get("rules", []):
            found[f"rule {rule['pattern']}"] = {k: v for k, v in rule.items() if k != "pattern"}
        for group, days in policy.get("log_groups", {}).items():
            found[f"log group {group}"] = {"days": days}
    return found


def _panel_changes(change: Change) -> Change:
    """A dashboard's panels as the titles added, removed and changed, not two lists of JSON."""
    if "panels" not in change.fields:
        return change
    old, new = change.fields["panels"]
    before = {json.loads(p)["title"] for p in set(old) - set(new)}
    after = {json.loads(p)["title"] for p in set(new) - set(old)}
    fields = {name: value for name, value in change.fields.items() if name != "panels"}
    if before - after or after - before:
        fields["panels"] = (sorted(before - after), sorted(after - before))
    if before & after:
        fields["panels changed"] = (None, sorted(before & after))
    return Change(change.family, change.action, change.key, change.summary, fields)


def _target_changes(change: Change) -> Change:
    if "targets" not in change.fields:
        return change
    old, new = change.fields["targets"]
    fields = {**change.fields, "targets": (sorted(set(old) - set(new)), sorted(set(new) - set(old)))}
    return Change(change.family, change.action, change.key, change.summary, fields)


def _days(days: object) -> str:
    return "never expire" if days is None else f"{days} days"


Summary = dict[str, dict[str, dict[str, Any]]]


def summarise(families: Families) -> Summary:
    """What is compared of a run, per family: far smaller than its artifacts, so a run can be
    summarised and dropped before the other is generated."""
    return {
        "scrape": scrape_jobs(families),
        "alerts": alert_rules(families),
        "dashboards": dashboards(families),
        "alarms": alarms(families),
        "retention": retention(families),
    }


def compare(before: Summary, after: Summary) -> MonitoringDiff:
    """What changes in the monitoring from the `before` run to the `after` run."""

    def keyed(family: str, summary: Callable[[dict[str, Any]], str]) -> list[Change]:
        return _keyed_changes(family, before[family], after[family], summary)

    changes = [
        *map(_target_changes, keyed("scrape", lambda j: f"{len(j['targets'])} targets")),
        *keyed(
            "alerts",
            lambda r: (
                f"threshold {r['threshold']}, {r['severity']}, for {r['for']}, services {r['services']}"
                if r["threshold"] is not None
                else f"{r['severity']}, for {r['for']}, services {r['services']}"
            ),
        ),
        *map(_panel_changes, keyed("dashboards", lambda d: f"{d['title']} ({d['folder']})")),
        *keyed(
            "alarms",
            lambda a: f"{a['Namespace']} {a['MetricName']} {a['ComparisonOperator']} {a['Threshold']}",
        ),
        *keyed("retention", lambda r: _days(r.get("days"))),
    ]
    return MonitoringDiff(changes)
