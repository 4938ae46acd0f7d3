"""catalog/coverage: metrics of jobs we know nothing about are still in some catalog (house style)."""

from __future__ import annotations

from monitoring.lint.checks.unknown_metric import UnknownMetric


class CatalogCoverage(UnknownMetric):
    id = "catalog/coverage"
    profile = "style"
    summary = "metrics without a job whose exporter we know are in some catalog (monitoring/catalog/)"
    of_known_job = False
