"""What checks know beyond one rule: which metric catalogs a selector's job reads, and every series the
linted files record.

Catalogs apply by job: `catalogs_by_job` maps a job name to the catalogs its exporter's metrics are in
(the kinds' scrape jobs by default; any Mapping, so a config can add regex job selectors). A selector
whose job is not in it reads no catalog: we do not know its exporter, so no metric of it is unknown.
"""

from __future__ import annotations

import functools
import re

from monitoring.lint.policy import HousePolicy
from monitoring.metric_catalog import SYNTHETIC_CATALOG, available_catalogs, load_catalog, parse_catalog

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from monitoring.lint.promql import Selector
    from monitoring.metric_catalog import CatalogEntry

# A job regex of plain alternatives ("a|b|c"): each alternative names one job.
_LITERAL_ALTERNATIVES = re.compile(r"[\w\-:/. ]+(?:\|[\w\-:/. ]+)*")


@functools.cache
def catalog_entries(catalog: str) -> Mapping[str, CatalogEntry]:
    """A bundled catalog by name (monitoring/catalog/<name>.txt), or a catalog file of the same format by
    path; ValueError naming it when it is neither."""
    if "/" not in catalog and not catalog.endswith(".txt"):
        return load_catalog(catalog)
    try:
        with open(catalog, encoding="utf-8") as lines:
            text = lines.read()
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"cannot read metric catalog {catalog}: {error}") from error
    return parse_catalog(text, catalog)


@functools.cache
def merged_catalog(catalogs: tuple[str, ...]) -> Mapping[str, CatalogEntry]:
    merged: dict[str, CatalogEntry] = {}
    for catalog in (*catalogs, SYNTHETIC_CATALOG):
        for name, entry in catalog_entries(catalog).items():
            merged.setdefault(name, entry)
    return merged


def job_catalogs() -> dict[str, tuple[str, ...]]:
    """The scrape jobs of our kinds, each reading its kind's catalogs."""
    from monitoring.lint.job_catalogs import JOB_CATALOGS

    return dict(JOB_CATALOGS)


def all_catalogs(extra: Iterable[str] = ()) -> Mapping[str, CatalogEntry]:
    """Every metric of the bundled catalogs and of `extra` ones (names or paths)."""
    return merged_catalog(tuple(dict.fromkeys([*available_catalogs(), *extra])))


def selector_jobs(target: Selector) -> tuple[str, ...] | None:
    """The jobs a selector can match when its matchers name them (`job="a"`, `job=~"a|b"`), else None."""
    equal = target.equal("job")
    if equal is not None:
        return (equal,)
    for matcher in target.matchers:
        if matcher.name == "job" and matcher.op == "=~" and _LITERAL_ALTERNATIVES.fullmatch(matcher.value):
            return tuple(matcher.value.split("|"))
    return None


class JobScope:
    """The catalogs a selector's job reads, merged with the series Prometheus adds to every target."""

    __slots__ = ("catalogs", "job", "metrics")

    def __init__(self, job: str, catalogs: tuple[str, ...], metrics: Mapping[str, CatalogEntry]) -> None:
        self.job, self.catalogs, self.metrics = job, catalogs, metrics


class LintContext:
    """scrape_interval_seconds defaults to Prometheus' own, for rules whose interval is not configured."""

    __slots__ = ("_scopes", "catalogs_by_job", "everything", "policy", "recorded", "scrape_interval_seconds")

    def __init__(
        self,
        recorded: frozenset[str],
        catalogs_by_job: Mapping[str, tuple[str, ...]],
        everything: Mapping[str, CatalogEntry],
        scrape_interval_seconds: float = 60.0,
        policy: HousePolicy | None = None,
    ) -> None:
        self.recorded, self.catalogs_by_job, self.everything = recorded, catalogs_by_job, everything
        self.scrape_interval_seconds = scrape_interval_seconds
        self.policy = HousePolicy() if policy is None else policy
        self._scopes: dict[tuple[str, ...], JobScope | None] = {}

    def job_scope(self, target: Selector) -> JobScope | None:
        """What the selector's job reads; None when it names no job, or one we know nothing about."""
        jobs = selector_jobs(target)
        if jobs is None:
            return None
        if jobs not in self._scopes:
            found = [self.catalogs_by_job.get(job) for job in jobs]
            catalogs = tuple(dict.fromkeys(c for each in found if each is not None for c in each))
            known = all(each is not None for each in found)
            self._scopes[jobs] = (
                JobScope("|".join(jobs), catalogs, merged_catalog(catalogs)) if known else None
            )
        return self._scopes[jobs]

    def catalog_scope(self, target: Selector) -> tuple[str | None, Mapping[str, CatalogEntry]]:
        """The job a selector names (None if unknown) and the metrics its job emits (all we know if None)."""
        scope = self.job_scope(target)
        return (scope.job, scope.metrics) if scope is not None else (None, self.everything)
