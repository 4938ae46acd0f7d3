"""settings.prometheus.scrape_interval_seconds: every rate window of the rule packs follows it
(monitoring/rate_window.py), but the packs' fixed hour-long windows cannot, so a slower scrape
would leave them fewer than four samples: refused where it is set."""

from __future__ import annotations

from typing import TYPE_CHECKING

from monitoring.problems import Problem
from monitoring.rate_window import MAX_SCRAPE_INTERVAL_SECONDS, RATE_WINDOW_SCRAPES, duration

if TYPE_CHECKING:
    from monitoring.inventory.loader import Document

_PATH = ("settings", "prometheus", "scrape_interval_seconds")


def scrape_interval_problems(documents: list[Document]) -> list[Problem]:
    problems: list[Problem] = []
    for doc in documents:
        interval = doc.data.get("settings", {}).get("prometheus", {}).get("scrape_interval_seconds")
        if not isinstance(interval, int) or interval <= MAX_SCRAPE_INTERVAL_SECONDS:
            continue
        longest = duration(MAX_SCRAPE_INTERVAL_SECONDS // 60)
        problems.append(
            Problem(
                doc.value_location(_PATH),
                f"settings.prometheus.scrape_interval_seconds: {interval} s is longer than {longest}:"
                f" the rule packs' hour-long windows (a target up in the last hour, restarts per hour)"
                f" would hold fewer than {RATE_WINDOW_SCRAPES} scrapes",
                f"set {MAX_SCRAPE_INTERVAL_SECONDS} ({longest}) or less; rate windows follow the interval"
                f" by themselves ({RATE_WINDOW_SCRAPES} scrapes, at least the pack's window)",
                "inventory/scrape-interval",
            )
        )
    return problems
