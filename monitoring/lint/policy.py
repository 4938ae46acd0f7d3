"""The house conventions the style checks enforce, and which catalogs apply to which job; both can be
set in the lint config file (monitoring/lint/config.py)."""

from __future__ import annotations

import re
from collections.abc import Mapping

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

# The lint config's keys (monitoring/lint/config.py), for `mac lint --help` without importing the checks.
KEYS: dict[str, str] = {
    "profile": "correctness (checks that prove a rule broken) or house (also our conventions)",
    "disable": "check ids never run, e.g. [rule/for]",
    "severity": "check id -> error, warning or info, e.g. {rule/duplicate: warning}",
    "path_disable": "glob (relative to the config's folder) -> check ids skipped in matching files",
    "catalogs": "list of {job: NAME or job_regex: REGEX, catalogs: [NAME or path/FILE.txt, ...]}: "
    "the catalogs a job's metrics are in (catalog/unknown-metric)",
    "required_labels": "labels alerts must keep for routing (rule/labels); default team, domain, service",
    "severities": "values the severity label may take (rule/labels); default critical, warning, info",
    "runbook_annotation": "the annotation that links the runbook (rule/annotations); default runbook_url",
    "scrape_interval": "the scrape interval of the Prometheus the rules run on, e.g. 30s "
    "(promql/rate-window); default 60s, and for the generated rules (no FILES) the one of "
    "<out>/prometheus/prometheus.yml",
}
# Prometheus' own default global scrape interval.
DEFAULT_SCRAPE_INTERVAL_S = 60.0


class HousePolicy:
    __slots__ = ("required_labels", "runbook_annotation", "severities")

    def __init__(
        self,
        required_labels: frozenset[str] = frozenset({"team", "domain", "service"}),
        severities: tuple[str, ...] = ("critical", "warning", "info"),
        runbook_annotation: str = "runbook_url",
    ) -> None:
        self.required_labels = required_labels
        self.severities = severities
        self.runbook_annotation = runbook_annotation


class JobCatalogs(Mapping[str, tuple[str, ...]]):
    """Catalogs per job name: exact names first, then the first regex (anchored) that matches."""

    def __init__(
        self,
        exact: Mapping[str, tuple[str, ...]],
        patterns: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...],
    ) -> None:
        self._exact = dict(exact)
        self._patterns = patterns

    def __getitem__(self, job: str) -> tuple[str, ...]:
        found = self._exact.get(job)
        if found is not None:
            return found
        for pattern, catalogs in self._patterns:
            if pattern.fullmatch(job):
                return catalogs
        raise KeyError(job)

    def __iter__(self) -> Iterator[str]:
        return iter(self._exact)

    def __len__(self) -> int:
        return len(self._exact)
