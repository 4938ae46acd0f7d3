"""The coverage model as markdown (COVERAGE.md), plain text and JSON (`mac coverage`)."""

from __future__ import annotations

import json
from typing import Any

from monitoring.coverage.debt import DebtRow, shown_range
from monitoring.coverage.model import FORMULA, CoverageModel, SystemRow
from monitoring.inventory.coverage_settings import SIGNALS

LEVEL_MEANING = (
    "yes: every service of the system is covered; partial: some are; no: none is "
    "(covered/services). FULL: all four signals yes; NONE: all no; else PARTIAL."
)
SIGNAL_MEANING = (
    "metrics: scraped by Prometheus or read by a CloudWatch alarm; logs: a log group it writes is "
    "under the managed retention; alerts: a CloudWatch alarm, or Prometheus alert rules of its kind "
    "and a scrape; dashboards: a board of its kind shows its domain."
)


def before_text(system: SystemRow) -> str:
    if system.before is None:
        return "-"
    levels = ", ".join(f"{signal} {system.before.levels[signal]}" for signal in SIGNALS)
    note = f"; {system.before.note}" if system.before.note else ""
    return f"{system.before_coverage}: {levels}{note}"


def fleet_line(model: CoverageModel) -> str:
    return (
        f"Fleet coverage: {model.fleet_percent:.1f}% ({model.covered_cells} of {model.total_cells} "
        "(service, signal) pairs covered)"
    )


def _cell(system: SystemRow, signal: str) -> str:
    cell = next(c for c in system.cells if c.signal == signal)
    return f"{cell.level} {cell.covered}/{cell.services}"


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def _debt_before(row: DebtRow) -> str:
    return "-" if row.before is None else str(row.before)


def markdown(model: CoverageModel) -> str:
    lines = [
        "# Monitoring coverage",
        "",
        "What the generated configuration covers, per kind of system in the inventory.",
        "",
        f"**{fleet_line(model)}.** {FORMULA}.",
        "",
        "## Coverage matrix",
        "",
        "| system | services | metrics | logs | alerts | dashboards | coverage | before |",
        "|---|---:|---|---|---|---|---|---|",
    ]
    for system in model.systems:
        cells = " | ".join(_cell(system, signal) for signal in SIGNALS)
        lines.append(
            f"| {system.title} | {system.services} | {cells} | {system.coverage} "
            f"| {_md(before_text(system))} |"
        )
    lines += ["", LEVEL_MEANING, SIGNAL_MEANING]
    lines += [
        "",
        "## What is generated, per system",
        "",
        "| system | services | Prometheus targets | alert rules | recording rules | CloudWatch alarms "
        "| dashboards showing it |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for system in model.systems:
        counts = system.counts
        targets = "discovered" if counts.discovered else str(counts.targets)
        lines.append(
            f"| {system.title} | {system.services} | {targets} | {counts.alert_rules} "
            f"| {counts.recording_rules} | {counts.alarms} | {counts.boards} |"
        )
    lines.append(
        f"| **total** | {sum(s.services for s in model.systems)} | {model.total_targets} + discovered "
        f"| {model.total_alert_rules} | {model.total_recording_rules} | {model.total_alarms} "
        f"| {model.total_boards} |"
    )
    if model.passthrough:
        lines += ["", model.passthrough]
    if model.mixins:
        lines += ["", "Mixins (domains[].mixins; their rules are not counted above, their dashboards are):"]
        lines += [f"- {line}" for line in model.mixins]
    lines += [
        "",
        "## Monitoring debt",
        "",
        "| dimension | current (before) | recommended minimum | generated | gap left |",
        "|---|---:|---:|---:|---:|",
    ]
    for row in model.debt:
        lines.append(
            f"| {row.title} | {_debt_before(row)} | {shown_range(row.recommended)} | {row.generated} "
            f"| {row.gap} |"
        )
    lines.append("")
    lines += [f"- {_md(note)}" for note in debt_notes(model)]
    lines += _logs(model)
    return "\n".join(lines) + "\n"


def debt_notes(model: CoverageModel) -> list[str]:
    notes = []
    for row in model.debt:
        parts = []
        if row.before_note:
            parts.append(f"before: {row.before_note}")
        if row.generated_note:
            parts.append(f"generated: {row.generated_note}")
        if row.recommended_from and row.recommended_from != "inventory":
            parts.append(f"minimum by default: {row.recommended_from}")
        if parts:
            notes.append(f"{row.title}: {'; '.join(parts)}.")
    notes.append(
        f"Before: {model.source}."
        if model.source
        else "Before: settings.coverage.baseline gives no figures (shown as -)."
    )
    return notes


def _logs(model: CoverageModel) -> list[str]:
    if model.retention is None:
        return ["", "## Logs", "", "No log retention is managed: the inventory has no `log_retention`."]
    lines = [
        "",
        "## Logs (CloudWatch Logs retention)",
        "",
        "| log groups | retention | expected groups |",
        "|---|---:|---:|",
    ]
    for rule in model.retention:
        lines.append(
            f"| `{rule.pattern}` | {rule.days} days | {rule.count if rule.count is not None else '-'} |"
        )
    lines.append(f"| any other group without a policy | {model.retention_default_days} days | - |")
    lines += [
        "",
        f"{model.named_log_groups} log groups are named explicitly (the RDS slow-query and Lambda "
        "groups of the inventory's services).",
    ]
    return lines


def text(model: CoverageModel) -> str:
    header = ["system", "services", *SIGNALS, "coverage", "before"]
    rows = [
        [
            system.title,
            str(system.services),
            *(_cell(system, signal) for signal in SIGNALS),
            system.coverage,
            system.before_coverage or "-",
        ]
        for system in model.systems
    ]
    debt_header = ["dimension", "before", "recommended", "generated", "gap left"]
    debt = [
        [row.title, _debt_before(row), shown_range(row.recommended), str(row.generated), row.gap]
        for row in model.debt
    ]
    return (
        "\n".join([*_columns([header, *rows]), "", fleet_line(model), "", *_columns([debt_header, *debt])])
        + "\n"
    )


def _columns(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def as_json(model: CoverageModel) -> dict[str, Any]:
    return {
        "fleet": {
            "percent": model.fleet_percent,
            "covered_cells": model.covered_cells,
            "total_cells": model.total_cells,
            "formula": FORMULA,
        },
        "systems": [
            {
                "kind": system.kind,
                "title": system.title,
                "services": system.services,
                "coverage": system.coverage,
                "signals": {
                    cell.signal: {
                        "level": cell.level,
                        "covered": cell.covered,
                        "services": cell.services,
                        "details": dict(cell.details),
                    }
                    for cell in system.cells
                },
                "before": None
                if system.before is None
                else {
                    "coverage": system.before_coverage,
                    **dict(system.before.levels),
                    "note": system.before.note,
                },
                "boards": [{"title": link.label, "href": link.href} for link in system.boards],
                "rule_files": [link.href for link in system.rule_files],
            }
            for system in model.systems
        ],
        "debt": [
            {
                "dimension": row.dimension,
                "title": row.title,
                "before": row.before,
                "before_note": row.before_note,
                "recommended": None
                if row.recommended is None
                else {"min": row.recommended.min, "max": row.recommended.max},
                "recommended_from": row.recommended_from,
                "generated": row.generated,
                "generated_note": row.generated_note,
                "gap": row.gap,
            }
            for row in model.debt
        ],
        "source": model.source,
    }


def json_text(model: CoverageModel) -> str:
    return json.dumps(as_json(model), indent=2, sort_keys=True) + "\n"
