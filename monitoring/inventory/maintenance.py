"""Maintenance windows (`maintenance:` of a domain or service) Alertmanager would refuse or never
apply: an unknown time zone, a time range that ends before it starts."""

from __future__ import annotations

import zoneinfo

from monitoring.inventory.loader import Document, NodePath, shown, walk_items
from monitoring.problems import Problem

CHECK = "inventory/maintenance-window"
# Alertmanager's order of each ranged field; days of the month compare as numbers of one sign.
_WEEKDAYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)


def _rank(field: str, value: str) -> int:
    if field == "weekdays":
        return _WEEKDAYS.index(value)
    if field == "months" and value in _MONTHS:
        return _MONTHS.index(value) + 1
    return int(value)


def _descending(field: str, entry: str) -> bool:
    start, _, end = entry.partition(":")
    if not end:
        return False
    first, last = _rank(field, start), _rank(field, end)
    return (first < 0) == (last < 0) and first > last


def _window_problems(doc: Document, at: NodePath, window: dict[str, object]) -> list[Problem]:
    problems: list[Problem] = []
    location = window.get("location")
    if isinstance(location, str) and location not in ("UTC", "Local"):
        try:
            zoneinfo.ZoneInfo(location)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            problems.append(
                Problem(
                    doc.value_location((*at, "location")),
                    f"maintenance window: unknown time zone {shown(location)}",
                    "an IANA zone name such as Europe/Berlin or America/New_York",
                    CHECK,
                )
            )
    for field in ("weekdays", "days_of_month", "months", "years"):
        entries = window.get(field, [])
        problems += [
            Problem(
                doc.value_location((*at, field, index)),
                f"maintenance window: {field} range {entry!r} runs backwards",
                "Alertmanager ranges ascend (weeks start on sunday): split it in two, "
                "e.g. saturday:sunday as saturday and sunday",
                CHECK,
            )
            for index, entry in enumerate(entries if isinstance(entries, list) else [])
            if _descending(field, entry)
        ]
    times = window.get("times", [])
    for index, span in enumerate(times if isinstance(times, list) else []):
        if span["start_time"] >= span["end_time"]:
            problems.append(
                Problem(
                    doc.value_location((*at, "times", index, "end_time")),
                    f"maintenance window: end_time {span['end_time']} is not after "
                    f"start_time {span['start_time']}",
                    "a window across midnight is two ranges: start..24:00 and 00:00..end",
                    CHECK,
                )
            )
    return problems


def maintenance_problems(documents: list[Document]) -> list[Problem]:
    problems: list[Problem] = []
    for doc in documents:
        for section in ("domains", "services"):
            for index, item in walk_items(doc.data, section):
                for number, window in enumerate(item.get("maintenance", ())):
                    problems += _window_problems(doc, (section, index, "maintenance", number), window)
    return problems
