"""The window of a rate over scraped series: `${rate_window}` in rule packs, the SLOs' shortest
window, and every name or query that embeds one.

A window spans at least four scrapes (the common rule): a late or missed scrape still leaves
rate() two samples. Imports nothing of the project, so the inventory model can use it.
"""

from __future__ import annotations

import re

RATE_WINDOW_SCRAPES = 4
DEFAULT_RATE_WINDOW = "5m"
# The shortest fixed window of the packs is an hour (up in the last hour, restarts per hour): a
# slower scrape leaves it fewer than four samples.
MAX_SCRAPE_INTERVAL_SECONDS = 900
_WINDOW = re.compile(r"([1-9][0-9]*)([mh])")
_UNIT_MINUTES = {"m": 1, "h": 60}
_DURATION_PART = re.compile(r"([0-9]+)(ms|[smhdwy])")
_WORDS = ((24 * 60, "day"), (60, "hour"), (1, "minute"))
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "y": 365 * 86400}


def duration(minutes: int) -> str:
    """Minutes as a Prometheus duration in its largest whole unit (5m, 2h, 3d)."""
    for unit, size in (("d", 24 * 60), ("h", 60)):
        if minutes % size == 0:
            return f"{minutes // size}{unit}"
    return f"{minutes}m"


def window_minutes(text: str) -> int | None:
    """Minutes in a window a pack may name (`10m`, `1h`); None when it is not one."""
    match = _WINDOW.fullmatch(text)
    return int(match.group(1)) * _UNIT_MINUTES[match.group(2)] if match else None


def duration_seconds(text: str) -> float | None:
    """Seconds in any Prometheus duration (`1h30m`); None when the text is not one."""
    parts = _DURATION_PART.findall(text)
    if not parts or "".join(amount + unit for amount, unit in parts) != text:
        return None
    return sum(int(amount) * _UNIT_SECONDS[unit] for amount, unit in parts)


def rate_window_minutes(scrape_interval_seconds: int, least_minutes: int) -> int:
    """`least_minutes`, or four scrapes rounded up to whole minutes when that is longer."""
    return max(least_minutes, -(-RATE_WINDOW_SCRAPES * scrape_interval_seconds // 60))


def rate_window(scrape_interval_seconds: int, least: str = DEFAULT_RATE_WINDOW) -> str:
    """The window of a rate over series scraped every `scrape_interval_seconds`, at least `least`."""
    minutes = window_minutes(least)
    if minutes is None:
        raise ValueError(f"not a window of whole minutes or hours: {least!r}")
    return duration(rate_window_minutes(scrape_interval_seconds, minutes))


def rate_window_words(window: str) -> str:
    """A window for alert texts: `10m` -> `10 minutes`, `1h` -> `1 hour`, `1d` -> `1 day`."""
    seconds = duration_seconds(window)
    if seconds is None or seconds < 60 or seconds % 60:
        raise ValueError(f"not a window of whole minutes: {window!r}")
    minutes = int(seconds // 60)
    size, unit = next((size, unit) for size, unit in _WORDS if minutes % size == 0)
    amount = minutes // size
    return f"{amount} {unit}{'' if amount == 1 else 's'}"
