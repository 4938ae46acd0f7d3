"""Print how an inventory's generated rules split between the shards and the global ruler, as if it
ran N shards remote-writing to a VictoriaMetrics store (the inventory's own topology is ignored).

Usage: .venv/bin/python scripts/rules_split.py [INVENTORY] [--shards 4]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    sys.path.insert(0, str(REPO))
    from monitoring.generate.rule_placement import place_rules
    from monitoring.generate.rules import rule_files
    from monitoring.inventory.build import load_inventory
    from monitoring.inventory.topology import global_store

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inventory", nargs="?", type=Path, default=REPO / "inventory")
    parser.add_argument("--shards", type=int, default=4)
    options = parser.parse_args()
    inventory = load_inventory(options.inventory)
    store = global_store({"type": "victoriametrics", "url": "http://victoria-metrics:8428"})
    prometheus = dataclasses.replace(inventory.settings.prometheus, shards=options.shards, global_store=store)
    sharded = dataclasses.replace(
        inventory, settings=dataclasses.replace(inventory.settings, prometheus=prometheus)
    )
    print("| rule file | on the shards (alerts + records) | on the global ruler | why global |")
    print("|---|---|---|---|")
    totals: Counter[str] = Counter()
    for artifact in rule_files(inventory):
        if not artifact.path.startswith("prometheus/rules/"):
            continue
        rules = [rule for group in artifact.data["groups"] for rule in group["rules"]]
        placed = place_rules(rules)
        shard = [r for r, p in zip(rules, placed, strict=True) if p.placement == "shard"]
        reasons = Counter(p.reason for p in placed if p.placement == "global")
        alerts = sum("alert" in r for r in shard)
        totals.update(
            shard=len(shard), alerts=alerts, records=len(shard) - alerts, ruler=sum(reasons.values())
        )
        why = "; ".join(f"{n} x {reason}" for reason, n in sorted(reasons.items())) or "-"
        print(
            f"| {artifact.path.rsplit('/', 1)[1]} | {len(shard)} ({alerts} + {len(shard) - alerts}) "
            f"| {sum(reasons.values())} | {why} |"
        )
    on_shards = f"**{totals['shard']}** ({totals['alerts']} + {totals['records']})"
    print(f"| **total** | {on_shards} | **{totals['ruler']}** | |")
    ruler_files = [a.path for a in rule_files(sharded) if a.path.startswith("vmalert/rules/")]
    print(f"\nwith {options.shards} shards the generator writes {len(ruler_files)} vmalert rule files")


if __name__ == "__main__":
    main()
