"""`mac lint`'s PR mode (--changed-since) and online mode (--prometheus), applied to the offline findings."""

from __future__ import annotations

import sys

from cli import exit_codes
from cli.reporters import echo

TYPE_CHECKING = False
if TYPE_CHECKING:
    from monitoring.lint.config import LintSettings
    from monitoring.lint.runner import LintRun
    from monitoring.problems import Problem

CHANGED_SINCE_HELP = (
    "PR mode: report findings only on rules added or changed since git ref REF (working tree against "
    "REF, renames followed; a rule is changed when any of its lines is). Every file given is still "
    "read, so series recorded and duplicates elsewhere are known."
)
PROMETHEUS_HELP = (
    "Online mode: check every selector against the Prometheus at URL: metric present (or when it "
    "disappeared), label names and values that exist, rate() windows against the scrape interval, "
    "recording rules used (online/* checks). Unreachable: exit 3."
)
PROMETHEUS_TIMEOUT_HELP = "Seconds to wait for each Prometheus API call."


def apply_modes(
    run: LintRun,
    changed_since: str | None,
    prometheus: str | None,
    timeout_s: float,
    disabled: frozenset[str],
    settings: LintSettings | None = None,
) -> list[Problem]:
    """Offline plus online findings for the files linted, then only those on changed rules; exits 2
    or 3 on failure."""
    if changed_since is None and prometheus is None:
        return list(run.findings)
    texts = {file.path: file.text for file in run.files}
    changes = None
    if changed_since is not None:
        from pathlib import Path

        from monitoring.lint.changes import ChangesError, changes_since

        try:
            changes = changes_since(changed_since, [Path(path) for path in texts])
        except ChangesError as error:
            echo(f"error: {error}", err=True)
            sys.exit(exit_codes.BAD_INPUT)
    result = list(run.findings)
    if prometheus is not None:
        from monitoring.lint.online import PrometheusError, online_findings

        if not prometheus.startswith(("http://", "https://")):
            echo(f"error: --prometheus {prometheus!r} is not an http:// or https:// URL", err=True)
            sys.exit(exit_codes.BAD_INPUT)
        try:
            result = online_findings(run.files, result, prometheus, timeout_s, disabled, settings)
        except PrometheusError as error:
            echo(f"error: {error}", err=True)
            sys.exit(exit_codes.ENVIRONMENT)
    if changes is not None:
        from monitoring.lint.changes import only_changed

        result = only_changed(result, changes, texts)
    return sorted(result)
