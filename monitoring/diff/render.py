"""A MonitoringDiff as text for a terminal, markdown for a pull-request comment, or JSON for tools."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from monitoring.diff.compare import FAMILIES, Change, MonitoringDiff

TITLES = {
    "scrape": "Scrape jobs",
    "alerts": "Alert rules",
    "dashboards": "Dashboards",
    "alarms": "CloudWatch alarms",
    "retention": "Log retention",
}
_SIGNS = {"added": "+", "removed": "-", "changed": "~"}


def _value(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(map(_value, value)) or "(none)"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # PutMetricAlarm's 70.0 is the 70 the inventory says
    return "(none)" if value is None else str(value)


def _plain(text: str) -> str:
    return text


def _code(text: str) -> str:
    return f"`{text}`"


def _field_lines(change: Change, quote: Callable[[str], str] = _plain) -> list[str]:
    lines = []
    for name, (old, new) in change.fields.items():
        if name == "panels changed":
            lines.append(f"panels changed: {_value(new)}")
        elif name in ("targets", "panels"):
            lines += [f"{name} removed: {_value(old)}"] if old else []
            lines += [f"{name} added: {_value(new)}"] if new else []
        else:
            lines.append(f"{name}: {quote(_value(old))} -> {quote(_value(new))}")
    return lines


def _cost_line(diff: MonitoringDiff) -> str:
    return f"CloudWatch alarm cost: {diff.alarm_cost_delta_usd_per_month():+.2f} USD per month"


def text(diff: MonitoringDiff) -> str:
    if not diff.changes:
        return "no change to the monitoring\n"
    lines = []
    for family in FAMILIES:
        changes = diff.of(family)
        if not changes:
            continue
        lines.append(f"{TITLES[family]}:")
        for change in changes:
            summary = f" ({change.summary})" if change.summary and change.action != "changed" else ""
            lines.append(f"  {_SIGNS[change.action]} {change.key}{summary}")
            lines += [f"      {line}" for line in _field_lines(change)]
    lines.append(_cost_line(diff))
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(diff: MonitoringDiff) -> str:
    if not diff.changes:
        return "### Monitoring changes\n\nNo change to the monitoring.\n"
    counts = diff.counts()
    lines = [
        "### Monitoring changes",
        "",
        "| Family | Added | Removed | Changed |",
        "| --- | ---: | ---: | ---: |",
        *(
            f"| {TITLES[f]} | {counts[f]['added']} | {counts[f]['removed']} | {counts[f]['changed']} |"
            for f in FAMILIES
            if any(counts[f].values())
        ),
        "",
        f"{_cost_line(diff)}.",
    ]
    for family in FAMILIES:
        changes = diff.of(family)
        if not changes:
            continue
        lines += ["", f"<details><summary>{TITLES[family]} ({len(changes)})</summary>", ""]
        lines += ["| | Name | Details |", "| --- | --- | --- |"]
        for change in changes:
            details = "<br>".join(_cell(line) for line in _field_lines(change, _code)) or _cell(
                change.summary
            )
            lines.append(f"| {change.action} | `{_cell(change.key)}` | {details} |")
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def as_json(diff: MonitoringDiff) -> str:
    document = {
        "changed": bool(diff.changes),
        "counts": diff.counts(),
        "cost_delta_usd_per_month": {"alarms": round(diff.alarm_cost_delta_usd_per_month(), 2)},
        "families": {
            family: [
                {
                    "action": change.action,
                    "key": change.key,
                    "summary": change.summary,
                    "fields": {
                        name: {"before": old, "after": new} for name, (old, new) in change.fields.items()
                    },
                }
                for change in diff.of(family)
            ]
            for family in FAMILIES
        },
    }
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


RENDERERS = {"text": text, "markdown": markdown, "json": as_json}
