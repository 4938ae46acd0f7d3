"""Shards plus a global store: fleet-wide rules leave the shards' rule files for the global ruler.

Each generated rule file is split by monitoring/generate/rule_placement.py: per-target rules stay in
prometheus/rules/ (every shard loads them, marked for `placement/fleet-rule-on-shard`), the others go to
<ruler>/rules/ with the same group names, and the ruler's flags point it at the store and Alertmanager.
The promtool tests of a kind load both files, so every alert keeps a test.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from pathlib import PurePosixPath
from typing import Any

from monitoring.artifacts import Artifact
from monitoring.generate.rule_placement import place_rules
from monitoring.model import GlobalStore, Inventory, PrometheusSettings

SHARD_MARKER = "mac-lint file/placement shard"
RULE_GLOB = "rules/*.rules.yml"
_RULES_PREFIX = "prometheus/rules/"
_FILE_DISABLE = re.compile(r"mac-lint\s+file/disable\b")
_TESTS_PREFIX = "prometheus/tests/"


def ruler_rules_dir(store: GlobalStore) -> str:
    return f"{store.ruler}/rules"


def split_rule_files(artifacts: Sequence[Artifact], inventory: Inventory) -> list[Artifact]:
    """The generated rule files (packs, SLOs) and their tests, split between the shards and the global
    ruler when the topology has both; unchanged otherwise."""
    prometheus = inventory.settings.prometheus
    store = prometheus.global_store
    if not prometheus.split_rules or store is None:
        return list(artifacts)
    split: list[Artifact] = []
    with_global: set[str] = set()
    for artifact in artifacts:
        if not artifact.path.startswith(_RULES_PREFIX):
            continue
        shard_groups, global_groups = split_groups(artifact.data["groups"])
        shard_comments = (*artifact.comments, SHARD_MARKER)
        split.append(dataclasses.replace(artifact, data={"groups": shard_groups}, comments=shard_comments))
        if global_groups:
            name = PurePosixPath(artifact.path).name
            with_global.add(name)
            path = f"{ruler_rules_dir(store)}/{name}"
            # The file's lint disables were written for the rules it had: the shard side keeps them.
            kept = tuple(c for c in artifact.comments if not _FILE_DISABLE.match(c))
            split.append(
                dataclasses.replace(artifact, path=path, data={"groups": global_groups}, comments=kept)
            )
    for artifact in artifacts:
        if artifact.path.startswith(_TESTS_PREFIX):
            split.append(_tests_loading_both(artifact, with_global, store))
    return [*split, ruler_flags(prometheus, store)]


def split_groups(
    groups: Sequence[Mapping[str, Any]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Each group's rules placed on the shards or on the global ruler; groups left empty are dropped."""
    rules = [rule for group in groups for rule in group["rules"]]
    placed = iter(place_rules(rules))
    shard_groups: list[dict[str, Any]] = []
    global_groups: list[dict[str, Any]] = []
    for group in groups:
        on_shard: list[Mapping[str, Any]] = []
        on_ruler: list[Mapping[str, Any]] = []
        for rule in group["rules"]:
            (on_ruler if next(placed).placement == "global" else on_shard).append(rule)
        for target, chosen in ((shard_groups, on_shard), (global_groups, on_ruler)):
            if chosen:
                target.append({**group, "rules": chosen})
    return shard_groups, global_groups


def _tests_loading_both(artifact: Artifact, with_global: set[str], store: GlobalStore) -> Artifact:
    files = list(artifact.data["rule_files"])
    extra = [
        f"../../{ruler_rules_dir(store)}/{PurePosixPath(f).name}"
        for f in files
        if PurePosixPath(f).name in with_global
    ]
    return dataclasses.replace(artifact, data={**artifact.data, "rule_files": files + extra})


def ruler_flags(prometheus: PrometheusSettings, store: GlobalStore) -> Artifact:
    """The global ruler's command-line flags, one a line, rule paths relative to the ruler's folder."""
    interval = f"{prometheus.evaluation_interval_seconds}s"
    alertmanagers = [f"http://{address}" for address in prometheus.alertmanagers]
    if store.ruler == "thanos":
        lines = [
            f"--query={store.read_url}",
            *(f"--alertmanagers.url={url}" for url in alertmanagers),
            f"--rule-file={RULE_GLOB}",
            f'--label=prometheus_cluster="{prometheus.cluster}"',
            '--label=ruler="global"',
            f"--eval-interval={interval}",
        ]
        return Artifact("thanos/thanos-rule.flags", "\n".join(lines), "text")
    lines = [
        f"-datasource.url={store.read_url}",
        f"-remoteWrite.url={store.ruler_write_url}",
        # A generic receiver's write URL is complete (Mimir: /api/v1/push); VictoriaMetrics' is a base.
        *(["-remoteWrite.disablePathAppend"] if store.type == "remote-write" else []),
        f"-remoteRead.url={store.read_url}",
        *(f"-notifier.url={url}" for url in alertmanagers),
        f"-external.label=prometheus_cluster={prometheus.cluster}",
        "-external.label=ruler=global",
        f"-evaluationInterval={interval}",
        f"-rule={RULE_GLOB}",
    ]
    return Artifact("vmalert/vmalert.flags", "\n".join(lines), "text")
