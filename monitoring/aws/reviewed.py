"""What `mac plan/apply cloudwatch` apply: the generated, reviewed files, refused when stale.

The alarms, the retention policy and where each goes come from <out>/cloudwatch/alarms.json,
log-retention.json and placements.json, the files `mac generate` wrote and review and
`generate --check` saw. Before using them the cloudwatch family is generated again in memory, by
the same generator, and compared byte for byte: an inventory edited since (or a hand-edited file)
is refused rather than applied half-way. Comparing bytes, not a hash recorded in the file, keeps
the artifact free of bookkeeping and catches every difference `generate --check` would report.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from monitoring.aws.retention import RetentionPolicy
from monitoring.generate import generate_all
from monitoring.generate.cloudwatch import ALARMS_PATH, PLACEMENTS_PATH, RETENTION_PATH
from monitoring.model import Inventory, RetentionRule

FAMILY = "cloudwatch"


class StaleArtifact(Exception):
    """The generated CloudWatch files are missing, unreadable or differ from the inventory's."""


@dataclass(frozen=True)
class Reviewed:
    alarms: dict[str, dict[str, Any]]
    policy: RetentionPolicy
    # "<account>/<region>" -> account, account_id, role_arn, region, services, alarms, log_groups.
    placements: dict[str, dict[str, Any]]


def retention_from_document(document: dict[str, Any]) -> RetentionPolicy:
    """The policy log-retention.json describes (monitoring.aws.retention.retention_document's inverse)."""
    rules = tuple(
        RetentionRule(rule["pattern"], rule["days"], rule["description"], None, rule["allow_shorten"])
        for rule in document["rules"]
    )
    return RetentionPolicy(
        dict(document["log_groups"]), rules, document["default_days"], tuple(document["claimed_prefixes"])
    )


def load_reviewed(inventory: Inventory, out: Path) -> Reviewed:
    stale: list[str] = []
    files: dict[str, bytes] = {}
    for artifact in generate_all(inventory, [FAMILY])[FAMILY]:
        path = out / artifact.path
        try:
            files[artifact.path] = path.read_bytes()
        except FileNotFoundError:
            stale.append(f"missing: {path}")
            continue
        except OSError as error:
            raise StaleArtifact(f"cannot read {path}: {error.strerror or error}") from None
        if files[artifact.path] != artifact.render():
            stale.append(f"changed: {path}")
    if stale:
        raise StaleArtifact(
            f"{out / FAMILY} does not match the inventory ({'; '.join(stale)}): run `mac generate -o {out}`, "
            "review the difference, then plan again"
        )
    return Reviewed(
        json.loads(files[ALARMS_PATH]),
        retention_from_document(json.loads(files[RETENTION_PATH])),
        json.loads(files[PLACEMENTS_PATH]),
    )
