"""load -> validate -> model -> generate -> check, as one call for the CLI and the tests."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from monitoring.artifacts import Artifact
from monitoring.checks import RUN_CHECKS, check_artifacts
from monitoring.coverage import coverage_artifacts
from monitoring.generate import GENERATORS, generate_all, generator
from monitoring.inventory.build import load_inventory
from monitoring.lazy import resolve
from monitoring.model import Inventory
from monitoring.problems import Problem
from monitoring.writer import marker_artifact

# With two cores these families are generated and checked in a forked worker while the parent
# does the rest. The split balances measured cost (benchmarks/README.md): for a small inventory
# grafanalib's import and the dashboard checks weigh about as much as every other family together;
# at 10,000 services CloudWatch's alarms (generated, rendered, checked) are most of the work, and
# Prometheus' scrape config (YAML rendering, a fifth of the work) is better off in the worker.
WORKER_FAMILIES = frozenset({"grafana", "prometheus"})
# Families whose artifacts the worker's checks read.
READ_BY_WORKER = frozenset({"rules"})

Families = dict[str, list[Artifact]]


class OutputCheckError(Exception):
    """Generated output failed validation: a bug or an impossible threshold, never written."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(map(str, self.problems)))


def _generate_and_check(
    inventory: Inventory, names: tuple[str, ...], generated: Families | None = None
) -> tuple[Families, list[Problem]]:
    """The `names` families (taken from `generated` when there), checked; checks that read other
    artifacts of the run (RUN_CHECKS) also see every family of `generated`."""
    given = generated or {}
    families = {
        **{name: given[name] for name in names if name in given},
        **generate_all(inventory, [name for name in names if name not in given]),
    }
    run = [a for family in {**given, **families}.values() for a in family]
    return families, check_artifacts([a for name in names for a in families[name]], run)


def _prepare_worker(names: tuple[str, ...]) -> None:
    """Imports what the worker runs (grafanalib alone takes a tenth of a second) before it has work."""
    for name in names:
        generator(name)
    for checks in RUN_CHECKS.values():
        for check in checks:
            resolve(check)


def _in_two_processes(
    inventory_root: Path, names: tuple[str, ...]
) -> tuple[Inventory, Families, list[Problem]]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    in_worker = tuple(n for n in names if n in WORKER_FAMILIES)
    here = tuple(n for n in names if n not in WORKER_FAMILIES)
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork")) as pool:
        # Forked before the inventory is loaded, so its imports overlap the load; it gets the
        # inventory the parent loaded (pickled: about 1 ms for the bundled one, 0.1 s for 10,000
        # services), so both processes generate from the same read of the files.
        pool.submit(_prepare_worker, in_worker)
        inventory = load_inventory(inventory_root)
        # The worker's dashboard checks read the run's rule files: sent with the inventory (~20 ms).
        read = generate_all(inventory, [n for n in here if n in READ_BY_WORKER])
        theirs = pool.submit(_generate_and_check, inventory, in_worker, read)
        families, findings = _generate_and_check(inventory, here, read)
        their_families, their_findings = theirs.result()
    return inventory, {**families, **their_families}, findings + their_findings


def build_artifacts(inventory_root: Path, parallel: bool = False, disabled: Iterable[str] = ()) -> Families:
    """Every output family for the inventory, checked; `parallel` uses a second core if there is one.

    Problems of the `disabled` checks (ids of monitoring/check_registry.py) do not stop it.
    """
    names = tuple(GENERATORS)
    if parallel and (os.cpu_count() or 1) > 1:
        inventory, families, findings = _in_two_processes(inventory_root, names)
    else:
        inventory = load_inventory(inventory_root)
        families, findings = _generate_and_check(inventory, names)
    # Coverage summarises the other families, so it is derived from their artifacts.
    coverage = coverage_artifacts(inventory, families)
    findings += check_artifacts(coverage)
    off = frozenset(disabled)
    findings = [problem for problem in findings if problem.check not in off]
    if findings:
        raise OutputCheckError(findings)
    return {**{name: families[name] for name in names}, "coverage": coverage, "marker": [marker_artifact()]}
