"""The ids of the online checks (`mac lint --prometheus`), importable without the HTTP client."""

from __future__ import annotations

from monitoring.problems import Severity

ONLINE_CHECKS: tuple[tuple[str, str, Severity], ...] = (
    (
        "online/series",
        "--prometheus: every metric a rule selects has series now (or: when it vanished)",
        "warning",
    ),
    (
        "online/label",
        "--prometheus: every label a selector matches on is on some series of its metric",
        "warning",
    ),
    ("online/label-value", "--prometheus: label values matched exist on the metric's series", "warning"),
    (
        "online/rate-window",
        "--prometheus: rate() and co. windows are at least 2x the scrape interval",
        "warning",
    ),
    (
        "online/recording-rule",
        "--prometheus: a recording rule's series used is recorded by a linted file or the server",
        "error",
    ),
)
ONLINE_CHECK_IDS: frozenset[str] = frozenset(check for check, _summary, _severity in ONLINE_CHECKS)
