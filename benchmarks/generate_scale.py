"""Time `mac validate` and `mac generate` as whole processes on the bundled and synthetic inventories.

Usage: .venv/bin/python benchmarks/generate_scale.py [--sizes 1000 10000] [--repeat 3] [--shards N]
With --shards N the synthetic inventories scrape with N Prometheus shards remote-writing to a
VictoriaMetrics store (fleet-wide rules split off to vmalert), and the bundled row is left out.
Prints a markdown table: wall time (best of --repeat) and peak resident memory per run, the
10,000/1,000 time ratio, and the in-process time of each generator family for the largest size.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MAC = [sys.executable, "-m", "cli"]
SERVICES_PER_FILE = 250
DOMAINS = ("sales", "operations", "scm", "finance", "platform", "data", "hr")


def synthetic_inventory(root: Path, services: int, shards: int = 1) -> Path:
    """A fleet shaped like the bundled one (40% MySQL, 50% Redis, the rest spread), split over files."""
    root.mkdir(parents=True, exist_ok=True)
    settings = (REPO / "inventory" / "settings.yaml").read_text()
    if shards > 1:
        store = "\n    global_store:\n      type: victoriametrics\n      url: http://victoria-metrics.monitoring.svc:8428"
        settings = settings.replace("    shards: 1", f"    shards: {shards}{store}", 1)
        assert f"shards: {shards}" in settings, "the bundled settings no longer set prometheus.shards"
    domains = "domains:\n" + "".join(
        f"  - name: {d}\n    team: {d}-eng\n    receiver: platform-sre\n" for d in DOMAINS
    )
    (root / "settings.yaml").write_text(settings + "\n" + domains)
    entries = []
    for n in range(services):
        domain = DOMAINS[n % len(DOMAINS)]
        slot = n % 10
        if slot < 4:
            entries.append(
                f"  - kind: mysql\n    name: mysql-{n:05d}\n    domain: {domain}\n"
                f"    endpoint: mysql-{n:05d}.c9akciq32xyz.us-east-1.rds.amazonaws.com:3306\n"
            )
        elif slot < 9:
            entries.append(
                f"  - kind: redis\n    name: redis-{n:05d}\n    domain: {domain}\n"
                f"    endpoint: redis-{n:05d}.x7k2pq.ng.0001.use1.cache.amazonaws.com:6379\n"
                + ("    thresholds:\n      min_hit_ratio: 0.9\n" if n % 50 == 5 else "")
            )
        else:
            entries.append(
                f"  - kind: postgresql\n    name: pg-{n:05d}\n    domain: {domain}\n"
                f"    endpoint: pg-{n:05d}.c9akciq32xyz.us-east-1.rds.amazonaws.com:5432\n"
            )
    for start in range(0, services, SERVICES_PER_FILE):
        chunk = entries[start : start + SERVICES_PER_FILE]
        (root / f"services-{start:05d}.yaml").write_text("services:\n" + "".join(chunk))
    return root


def timed_process(args: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS in MiB of one child process."""
    started = time.perf_counter()
    process = subprocess.Popen(args, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        errors = process.stderr.read().decode() if process.stderr else ""
        raise SystemExit(f"{' '.join(args)} failed: {errors}")
    return elapsed, usage.ru_maxrss / 1024


def best_of(args: list[str], repeat: int) -> tuple[float, float]:
    runs = [timed_process(args) for _ in range(repeat)]
    return min(r[0] for r in runs), max(r[1] for r in runs)


def generator_split(inventory: Path) -> dict[str, float]:
    sys.path.insert(0, str(REPO))
    from monitoring.generate import GENERATORS, generator
    from monitoring.inventory.build import load_inventory

    model = load_inventory(inventory)
    split = {}
    for name in GENERATORS:
        started = time.perf_counter()
        artifacts = generator(name)(model)
        for artifact in artifacts:
            artifact.render()
        split[name] = time.perf_counter() - started
    return split


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--shards", type=int, default=1, help="Prometheus shards of the synthetic fleets")
    options = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        sharded = f" ({options.shards} shards)" if options.shards > 1 else ""
        inventories = [] if sharded else [("bundled (152)", REPO / "inventory")]
        inventories += [
            (f"synthetic {n:,}{sharded}", synthetic_inventory(Path(scratch) / f"inv-{n}", n, options.shards))
            for n in options.sizes
        ]
        times: dict[str, float] = {}
        for label, inventory in inventories:
            validate = best_of([*MAC, "validate", "-i", str(inventory)], options.repeat)
            out = Path(scratch) / f"out-{label.split()[1]}"
            generate = best_of([*MAC, "generate", "-q", "-i", str(inventory), "-o", str(out)], options.repeat)
            # One process does all the work with --serial, so its peak RSS is the whole job's memory
            # (the parallel run's forked worker is not in the parent's rusage).
            serial = best_of(
                [*MAC, "generate", "--serial", "-q", "-i", str(inventory), "-o", str(out)], options.repeat
            )
            files = sum(1 for p in out.rglob("*") if p.is_file())
            times[label] = generate[0]
            rows.append(
                f"| {label} | {validate[0]:.2f} s | {validate[1]:.0f} MiB | {generate[0]:.2f} s "
                f"| {serial[0]:.2f} s | {serial[1]:.0f} MiB | {files} |"
            )
        print(
            "| inventory | validate wall | validate peak RSS | generate wall (2 cores) "
            "| generate --serial wall | generate --serial peak RSS | files |"
        )
        print("|---|---|---|---|---|---|---|")
        print("\n".join(rows))
        if len(options.sizes) >= 2:
            small, large = (f"synthetic {n:,}{sharded}" for n in (options.sizes[0], options.sizes[-1]))
            print(f"\ngenerate time ratio {large} / {small}: {times[large] / times[small]:.1f}")
        largest = inventories[-1][1]
        split = generator_split(largest)
        total = sum(split.values())
        print(f"\nin-process generation split for {inventories[-1][0]} (total {total:.2f} s):")
        for name, seconds in split.items():
            print(f"- {name}: {seconds:.2f} s ({100 * seconds / total:.0f}%)")
        bundled_split = generator_split(REPO / "inventory")
        total = sum(bundled_split.values())
        print(f"\nin-process generation split for the bundled inventory (total {total:.3f} s):")
        for name, seconds in bundled_split.items():
            print(f"- {name}: {seconds:.3f} s ({100 * seconds / total:.0f}%)")


if __name__ == "__main__":
    main()
