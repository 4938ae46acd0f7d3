"""Evaluation and check time of a monitoring mixin of 100 alerts and 10 dashboards.

    .venv/bin/python benchmarks/mixin_eval.py [--repeat N] [--alerts N] [--dashboards N]

Writes the mixin (jsonnet, with a vendored helper library the alerts and panels are built with) and
a one-domain inventory naming it into a temp folder, then measures, best of N: the jsonnet
evaluation alone (`_jsonnet` through our import callback); loading the inventory with the mixin;
the mixin's artifacts generated; their checks (the rule file's lint, the boards' checks); and the
whole `mac generate` process.
"""

from __future__ import annotations

import argparse
import resource
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
from monitoring.generate.mixins import mixin_dashboards, mixin_rule_files  # noqa: E402
from monitoring.inventory.build import load_inventory  # noqa: E402
from monitoring.inventory.mixins import evaluate  # noqa: E402

INVENTORY = """\
settings:
  organization: bench
  environment: test
  region: us-east-1
  grafana:
    datasources:
      - {name: prometheus, uid: prom, type: prometheus, url: "http://prometheus:9090", is_default: true}
domains:
  - name: shop
    team: shop-eng
    receiver: shop-eng
    mixins:
      - name: bench
        path: bench
        config: {selector: 'job="node"', threshold: 90}
services:
  - {kind: node, name: ec2-shop, domain: shop, ec2_tag_filters: {Domain: [shop]}}
  - {kind: redis, name: cache-a, domain: shop, endpoint: "cache-a.example.internal:6379"}
"""

LIBRARY = """\
{
  alert(name, expr, severity):: {
    alert: name, expr: expr, 'for': '5m', labels: { severity: severity },
    annotations: { summary: name + ' on {{ $labels.instance }}', description: 'value {{ $value }}' },
  },
  panel(id, title, expr, y):: {
    id: id, type: 'timeseries', title: title, gridPos: { x: 0, y: y, w: 24, h: 8 },
    datasource: { type: 'prometheus', uid: '${datasource}' },
    fieldConfig: {
      defaults: { unit: 'short', thresholds: { mode: 'absolute', steps: [{ color: 'green', value: null }] } },
    },
    targets: [{ refId: 'A', expr: expr, datasource: { type: 'prometheus', uid: '${datasource}' } }],
  },
}
"""

MIXIN = """\
local lib = import 'benchlib/lib.libsonnet';
local metrics = [
  'node_load1', 'node_load5', 'node_load15', 'node_memory_MemAvailable_bytes', 'node_procs_running',
];
{
  _config+:: { selector: 'job="node-exporter"', threshold: 95 },
  prometheusAlerts+:: {
    groups: [{
      name: 'bench-%d' % g,
      rules: [
        lib.alert(
          'Bench%dAlert%d' % [g, i],
          '%s{%s} > %d' % [metrics[i % 5], $._config.selector, $._config.threshold + i],
          if i % 2 == 0 then 'warning' else 'critical',
        )
        for i in std.range(0, 9)
      ],
    } for g in std.range(0, GROUPS - 1)],
  },
  grafanaDashboards+:: {
    ['bench-%d.json' % d]: {
      title: 'Bench %d' % d, tags: [], schemaVersion: 41, time: { from: 'now-6h', to: 'now' }, links: [],
      templating: { list: [{ name: 'datasource', type: 'datasource', query: 'prometheus' }] },
      panels: [lib.panel(p + 1, 'Panel %d' % p, '%s{%s}' % [metrics[p % 5], $._config.selector], p * 8)
               for p in std.range(0, 5)],
    }
    for d in std.range(1, DASHBOARDS)
  },
}
"""


def best_of(repeat: int, work: Callable[[], object]) -> tuple[float, float]:
    """Best wall time and best CPU time (this process and its children) of `repeat` runs: on a
    shared machine the CPU time is the steadier figure."""
    walls, cpus = [], []
    for _ in range(repeat):
        started, cpu = time.perf_counter(), _cpu()
        work()
        walls.append(time.perf_counter() - started)
        cpus.append(_cpu() - cpu)
    return min(walls), min(cpus)


def _cpu() -> float:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def write_inventory(root: Path, alerts: int, dashboards: int) -> Path:
    mixin = root / "bench"
    (mixin / "vendor" / "benchlib").mkdir(parents=True)
    (mixin / "vendor" / "benchlib" / "lib.libsonnet").write_text(LIBRARY)
    text = MIXIN.replace("GROUPS", str(alerts // 10)).replace("DASHBOARDS", str(dashboards))
    (mixin / "mixin.libsonnet").write_text(text)
    (root / "inventory.yaml").write_text(INVENTORY)
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--alerts", type=int, default=100, help="a multiple of 10 (groups of 10)")
    parser.add_argument("--dashboards", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        root = write_inventory(Path(temp) / "inventory", args.alerts, args.dashboards)
        folder = str(root / "bench")
        vendor = [str(root / "bench" / "vendor")]
        config = {"selector": 'job="node"', "threshold": 90}
        inventory = load_inventory(root)
        [mixin] = inventory.mixins
        alerts = sum(len(group["rules"]) for group in mixin.alert_groups)
        produced = mixin_rule_files(inventory) + mixin_dashboards(inventory)
        run = [a for family in generate_all(inventory).values() for a in family]
        command = [
            str(REPO / ".venv" / "bin" / "mac"),
            "generate",
            "-q",
            "-i",
            str(root),
            "-o",
            f"{temp}/out",
        ]
        rows = [
            (
                f"jsonnet evaluation ({alerts} alerts, {len(mixin.dashboards)} dashboards)",
                best_of(args.repeat, lambda: evaluate(folder, vendor, config)),
            ),
            ("load inventory with the mixin", best_of(args.repeat, lambda: load_inventory(root))),
            (
                f"mixin artifacts generated ({len(produced)} files)",
                best_of(args.repeat, lambda: mixin_rule_files(inventory) + mixin_dashboards(inventory)),
            ),
            (
                "their checks (lint, dashboard checks)",
                best_of(args.repeat, lambda: check_artifacts(produced, run)),
            ),
            ("`mac generate` process", best_of(args.repeat, lambda: subprocess.run(command, check=True))),
        ]
    print("| step | wall | CPU |\n|---|---|---|")
    for name, (wall, cpu) in rows:
        print(f"| {name} | {wall * 1000:.0f} ms | {cpu * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
