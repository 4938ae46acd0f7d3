"""What checks know beyond one rule: metric catalogs per job, and every series the linted files record."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

from monitoring.kinds import KINDS
from monitoring.lint.promql import Selector
from monitoring.metric_catalog import SYNTHETIC_CATALOG, CatalogEntry, available_catalogs, load_catalog


@functools.cache
def merged_catalog(exporters: tuple[str, ...]) -> Mapping[str, CatalogEntry]:
    merged: dict[str, CatalogEntry] = {}
    for exporter in (*exporters, SYNTHETIC_CATALOG):
        for name, entry in load_catalog(exporter).items():
            merged.setdefault(name, entry)
    return merged


def job_catalogs() -> dict[str, tuple[str, ...]]:
    return {job: kind.catalogs for kind in KINDS.values() for job in kind.jobs}


def all_catalogs() -> Mapping[str, CatalogEntry]:
    return merged_catalog(tuple(available_catalogs()))


@dataclass(frozen=True)
class LintContext:
    recorded: frozenset[str]
    catalogs_by_job: Mapping[str, tuple[str, ...]]
    everything: Mapping[str, CatalogEntry]

    def catalog_scope(self, selector: Selector) -> tuple[str | None, Mapping[str, CatalogEntry]]:
        """The job a selector names (None if unknown) and the catalog its metric must be in."""
        job = selector.equal("job")
        if job is not None and job in self.catalogs_by_job:
            return job, merged_catalog(self.catalogs_by_job[job])
        return None, self.everything
