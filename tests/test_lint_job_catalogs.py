"""The lint's job -> catalogs table (monitoring/lint/job_catalogs.py) is what the kinds declare."""

from __future__ import annotations

from monitoring.kinds import KINDS
from monitoring.lint.context import job_catalogs
from monitoring.lint.job_catalogs import JOB_CATALOGS


def test_the_table_is_every_kinds_scrape_job_with_its_catalogs() -> None:
    from_kinds = {job: kind.catalogs for kind in KINDS.values() for job in kind.jobs}
    table = "\n".join(f"    {job!r}: {catalogs!r}," for job, catalogs in sorted(from_kinds.items()))
    assert from_kinds == JOB_CATALOGS, f"set JOB_CATALOGS in monitoring/lint/job_catalogs.py to:\n{table}"


def test_the_lint_reads_the_table_as_a_copy() -> None:
    catalogs = job_catalogs()
    assert catalogs == JOB_CATALOGS
    catalogs["extra"] = ("node_exporter",)
    assert "extra" not in JOB_CATALOGS
