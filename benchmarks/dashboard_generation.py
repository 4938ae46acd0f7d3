"""Dashboard generation time for the bundled inventory, against the whole `mac generate`.

    .venv/bin/python benchmarks/dashboard_generation.py [--repeat N]

Measures, best of N: loading the inventory; the grafana generator alone (grafanalib builders plus
JSON conversion, pure functions); the dashboard checks on its artifacts; every generator; and the
whole `mac generate` process (interpreter start, imports, checks and writing) into a temp folder.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from monitoring.checks import check_artifacts  # noqa: E402
from monitoring.generate import generate_all  # noqa: E402
from monitoring.generate.grafana import grafana_config  # noqa: E402
from monitoring.inventory.build import load_inventory  # noqa: E402


def best_of(repeat: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    repeat = parser.parse_args().repeat
    inventory_dir = REPO / "inventory"
    inventory = load_inventory(inventory_dir)
    grafana = grafana_config(inventory)
    every = [a for family in generate_all(inventory).values() for a in family]
    with tempfile.TemporaryDirectory() as out:
        command = [str(REPO / ".venv" / "bin" / "mac"), "generate", "-q", "-i", str(inventory_dir), "-o", out]
        process = best_of(repeat, lambda: subprocess.run(command, check=True))
    rows = [
        ("load inventory", best_of(repeat, lambda: load_inventory(inventory_dir))),
        (f"grafana generator ({len(grafana)} files)", best_of(repeat, lambda: grafana_config(inventory))),
        ("dashboard checks", best_of(repeat, lambda: check_artifacts(grafana, every))),
        (f"all generators ({len(every)} files)", best_of(repeat, lambda: generate_all(inventory))),
        ("all artifact checks", best_of(repeat, lambda: check_artifacts(every))),
        ("`mac generate` process", process),
    ]
    for name, seconds in rows:
        print(f"| {name} | {seconds * 1000:.0f} ms | {seconds / process:.0%} |")


if __name__ == "__main__":
    main()
