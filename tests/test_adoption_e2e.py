"""Adoption end to end, as a user does it from an empty git repository: `mac discover` reads a
fleet from AWS (moto in server mode), `mac init` scaffolds the repository around it, one threshold
is edited, `mac diff` shows exactly that change, then generate, lint, plan and apply, and the
plan after apply is empty. Every step is the installed `mac` console script in a subprocess."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.aws_fixtures import MotoServer
from tests.test_discover import client

pytestmark = pytest.mark.integration

MAC_BIN = Path(sys.executable).with_name("mac")
REGION = "us-east-1"
# The user's edit: page earlier on the billing domain's MySQL CPU (its one database).
EDITED_ALARM = "acme/production/mysql/billing-ledger/cpu-high"
DOMAIN_LINE = "    receiver: billing\n"
DOMAIN_OVERRIDE = (
    "    thresholds:\n      mysql:\n        max_cpu_percent: 70  # month-end batch runs hot: page earlier\n"
)
PLAN_LINE = re.compile(
    r"^Plan: (?P<create>\d+) to create, (?P<update>\d+) to update, (?P<delete>\d+) to delete, "
    r"(?P<retention>\d+) retention policies to set\.",
    re.MULTILINE,
)


def seed_fleet(server: MotoServer) -> None:
    """Two teams: MySQL (one exporting its slow-query log, one read replica, one with no exports),
    a Redis replication group, an OpenSearch domain and the databases' log groups."""
    rds = client(server, "rds", REGION)
    logs = client(server, "logs", REGION)
    for name, team, exports in (
        ("shop-orders", "shop", ["slowquery", "error"]),
        ("billing-ledger", "billing", []),
    ):
        rds.create_db_instance(
            DBInstanceIdentifier=name,
            Engine="mysql",
            DBInstanceClass="db.t3.micro",
            AllocatedStorage=20,
            MasterUsername="admin",
            MasterUserPassword="secret-password",
            EnableCloudwatchLogsExports=exports,
            Tags=[{"Key": "team", "Value": team}],
        )
    rds.create_db_instance_read_replica(
        DBInstanceIdentifier="shop-orders-ro", SourceDBInstanceIdentifier="shop-orders"
    )
    logs.create_log_group(logGroupName="/aws/rds/instance/shop-orders/slowquery")
    logs.put_retention_policy(logGroupName="/aws/rds/instance/shop-orders/slowquery", retentionInDays=14)
    logs.create_log_group(logGroupName="/aws/rds/instance/shop-orders/error")  # never expires
    client(server, "elasticache", REGION).create_replication_group(
        ReplicationGroupId="shop-cart",
        ReplicationGroupDescription="carts",
        Engine="redis",
        CacheNodeType="cache.t3.micro",
        NumCacheClusters=1,
    )
    client(server, "opensearch", REGION).create_domain(DomainName="billing-search")


class Repository:
    """A user's working copy: `mac` and `git` run in it with the caller's environment (moto's
    credentials) and no global git configuration."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.env = {
            **os.environ,
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_AUTHOR_NAME": "adopter",
            "GIT_AUTHOR_EMAIL": "adopter@example.com",
            "GIT_COMMITTER_NAME": "adopter",
            "GIT_COMMITTER_EMAIL": "adopter@example.com",
        }

    def run(self, *argv: str | Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(arg) for arg in argv],
            cwd=self.path,
            env=self.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def mac(self, *args: str | Path, expect: int = 0) -> subprocess.CompletedProcess[str]:
        done = self.run(MAC_BIN, *args)
        command = f"mac {' '.join(map(str, args))}"
        assert done.returncode == expect and "Traceback" not in done.stderr, (
            f"{command}:\n{done.stdout}{done.stderr}"
        )
        return done

    def commit(self, message: str) -> None:
        for argv in (("git", "add", "-A"), ("git", "commit", "-q", "-m", message)):
            done = self.run(*argv)
            assert done.returncode == 0, done.stderr

    def tracked(self) -> set[str]:
        return set(self.run("git", "ls-files").stdout.split())


def live_alarms(server: MotoServer) -> dict[str, dict[str, Any]]:
    pages = client(server, "cloudwatch", REGION).get_paginator("describe_alarms").paginate()
    return {alarm["AlarmName"]: alarm for page in pages for alarm in page["MetricAlarms"]}


def plan_counts(output: str) -> dict[str, int]:
    found = PLAN_LINE.search(output)
    assert found is not None, output
    return {name: int(value) for name, value in found.groupdict().items()}


def test_from_an_empty_repository_to_applied_alarms_and_an_empty_plan(
    moto: MotoServer,
    tmp_path: Path,
) -> None:
    seed_fleet(moto)
    repo = Repository(tmp_path / "acme-monitoring")
    repo.path.mkdir()
    assert repo.run("git", "init", "-q").returncode == 0
    aws = ("--endpoint-url", moto.url)

    found = repo.mac(
        "discover",
        "--organization",
        "acme",
        "--region",
        REGION,
        "--domain-tag",
        "team",
        "--domain-pattern",
        "^(?P<domain>[a-z]+)-",
        *aws,
    )
    assert "5 services added (3 mysql, 1 opensearch, 1 redis)" in found.stdout
    assert {path.name for path in (repo.path / "inventory").iterdir()} == {
        "billing.yaml",
        "shop.yaml",
        "settings.yaml",
    }
    scaffolded = repo.mac("init")
    assert "already holds an inventory: kept as it is" in scaffolded.stderr
    assert "example.yaml" not in scaffolded.stdout
    assert scaffolded.stdout.count(" at inventory.schema.json") == 3
    repo.mac("validate")
    repo.commit("Inventory from mac discover, repository from mac init")
    assert {"Makefile", "inventory.schema.json", ".github/workflows/monitoring.yml"} <= repo.tracked()

    # The edit a user makes in their editor: the file's text, its comments kept.
    billing = repo.path / "inventory" / "billing.yaml"
    before = billing.read_text(encoding="utf-8")
    assert before.count(DOMAIN_LINE) == 1
    assert before.splitlines()[:2] == [
        "# yaml-language-server: $schema=../inventory.schema.json",
        "# Domain billing, started by `mac discover`: review team and receiver.",
    ]
    billing.write_text(before.replace(DOMAIN_LINE, DOMAIN_LINE + DOMAIN_OVERRIDE), encoding="utf-8")

    review = repo.mac("diff", "--format", "markdown", "--exit-code", expect=1).stdout
    table = [line for line in review.splitlines() if line.startswith("| ") and "| ---" not in line]
    assert table[:2] == ["| Family | Added | Removed | Changed |", "| CloudWatch alarms | 0 | 0 | 1 |"]
    assert review.count("<details>") == 1 and "CloudWatch alarm cost: +0.00 USD per month." in review
    changed = [line for line in table[2:] if line != "| | Name | Details |"]
    assert len(changed) == 1 and changed[0].startswith(f"| changed | `{EDITED_ALARM}` | ")
    assert "Threshold: `80` -> `70`" in changed[0]
    assert "`CPU above 80% for 15 minutes." in changed[0] and "`CPU above 70% for 15 minutes." in changed[0]
    repo.commit("billing: page on MySQL CPU at 70%")
    # What a pull request's CI posts: the base branch against the head commit, the same review.
    assert repo.mac("diff", "HEAD~1", "HEAD", "--format", "markdown").stdout == review

    repo.mac("generate")
    repo.mac("lint")
    repo.commit("generated/ for the inventory")
    alarms = json.loads((repo.path / "generated" / "cloudwatch" / "alarms.json").read_text(encoding="utf-8"))
    assert alarms[EDITED_ALARM]["Threshold"] == 70
    assert "generated/cloudwatch/alarms.json" in repo.tracked()

    plan = repo.mac("plan", "cloudwatch", "--detailed-exitcode", *aws, expect=1).stdout
    created = re.findall(r"^  \+ (\S+)$", plan, re.MULTILINE)
    assert sorted(created) == sorted(alarms)
    assert plan_counts(plan) == {"create": len(alarms), "update": 0, "delete": 0, "retention": 0}
    # discover proposed 30 days for the error log that never expires: a shortening, held back.
    assert "/aws/rds/instance/shop-orders/error: never expire -> 30 days" in plan
    assert "1 retention changes held back" in plan

    applied = repo.mac(
        "apply", "cloudwatch", "--yes", "--allow-shorten-retention", "--max-calls-per-second", "50", *aws
    ).stdout
    assert f"Applied {len(alarms) + 1} changes, 0 failed." in applied
    live = live_alarms(moto)
    assert set(live) == set(alarms)
    assert live[EDITED_ALARM]["Threshold"] == 70
    groups = client(moto, "logs", REGION).describe_log_groups()["logGroups"]
    assert {group["logGroupName"]: group.get("retentionInDays") for group in groups} == {
        "/aws/rds/instance/shop-orders/error": 30,
        "/aws/rds/instance/shop-orders/slowquery": 14,
    }

    again = repo.mac("plan", "cloudwatch", "--detailed-exitcode", *aws).stdout
    assert "No changes. CloudWatch matches the inventory." in again
    assert not re.search(r"^  [+~-] ", again, re.MULTILINE)

    # Later, discover again from the inventory's own settings: nothing new, not a byte rewritten.
    rediscovered = repo.mac("discover", *aws)
    assert "0 services added, 5 kept, 0 disappeared" in rediscovered.stdout
    assert repo.run("git", "status", "--porcelain").stdout == ""


@pytest.mark.parametrize(
    "credentials",
    [{"AWS_PROFILE": "missing"}, {"AWS_EC2_METADATA_DISABLED": "true"}],
    ids=["unknown profile", "no credentials"],
)
def test_discover_without_usable_credentials_exits_2_naming_why(
    moto: MotoServer,
    tmp_path: Path,
    credentials: dict[str, str],
) -> None:
    repo = Repository(tmp_path)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        del repo.env[name]
    repo.env.update(credentials)
    done = repo.mac(
        "discover", "--organization", "acme", "--region", REGION, "--endpoint-url", moto.url, expect=2
    )
    reason = "ProfileNotFound" if "AWS_PROFILE" in credentials else "NoCredentialsError"
    assert f"error: cannot read account 'default': {reason}" in done.stderr
    assert not (tmp_path / "inventory").exists()
