"""`mac discover` over real HTTP against moto in server mode, seeded with a generated fleet, and its
pure parts (names, domains, log families) on their own."""

from __future__ import annotations

import functools
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import boto3
from click.testing import CliRunner, Result
from ruamel.yaml import YAML

from cli.main import cli
from monitoring.discover.build import DomainRules, glob_matches, log_family, plain_name, retention_changes
from monitoring.discover.found import FoundLogGroup
from monitoring.inventory.build import load_inventory
from tests.aws_fixtures import MotoServer
from tests.fault_proxy import FaultProxy

DOMAINS = ("sales", "ops", "finance")
OTHER_ACCOUNT = "222233334444"
OTHER_ROLE = f"arn:aws:iam::{OTHER_ACCOUNT}:role/mac-discover"
PATTERN = "^(?P<domain>[a-z]+)-"
# One of moto's own AMIs: listing them (DescribeImages) takes moto most of a minute.
MOTO_AMI = "ami-12c6146b"


def mac(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@functools.cache
def _seeding_session() -> Any:
    """One boto3 session for all seeding: a session parses each service's model once, and a new
    session per client would parse them again (most of a second per client)."""
    return boto3.session.Session()


@functools.cache
def _client(url: str, service: str, region: str, credentials: tuple[tuple[str, str], ...]) -> Any:
    return _seeding_session().client(service, region_name=region, endpoint_url=url, **dict(credentials))


def client(server: MotoServer, service: str, region: str, **credentials: str) -> Any:
    """A client on the environment's credentials (the `moto` fixture's), or on the ones given."""
    return _client(server.url, service, region, tuple(sorted(credentials.items())))


def role_credentials(server: MotoServer, role_arn: str) -> dict[str, str]:
    answer = client(server, "sts", "us-east-1").assume_role(RoleArn=role_arn, RoleSessionName="seed")
    credentials = answer["Credentials"]
    return {
        "aws_access_key_id": credentials["AccessKeyId"],
        "aws_secret_access_key": credentials["SecretAccessKey"],
        "aws_session_token": credentials["SessionToken"],
    }


def seed_databases(server: MotoServer, region: str, count: int, **credentials: str) -> list[str]:
    rds = client(server, "rds", region, **credentials)
    logs = client(server, "logs", region, **credentials)
    names = []
    for index in range(count):
        domain = DOMAINS[index % len(DOMAINS)]
        name = f"{domain}-orders{index:02d}-rw"
        engine = "postgres" if index % 5 == 4 else "mysql"
        rds.create_db_instance(
            DBInstanceIdentifier=name,
            Engine=engine,
            DBInstanceClass="db.t3.micro",
            AllocatedStorage=20,
            MasterUsername="admin",
            MasterUserPassword="secret-password",
            EnableCloudwatchLogsExports=["slowquery", "error"] if engine == "mysql" else ["postgresql"],
            Tags=[{"Key": "team", "Value": domain}],
        )
        names.append(name)
        if engine == "mysql":
            group = f"/aws/rds/instance/{name}/slowquery"
            logs.create_log_group(logGroupName=group)
            if index % 2:
                logs.put_retention_policy(logGroupName=group, retentionInDays=14)
            logs.create_log_group(logGroupName=f"/aws/rds/instance/{name}/error")
    return names


def seed_caches(server: MotoServer, region: str, count: int, **credentials: str) -> list[str]:
    elasticache = client(server, "elasticache", region, **credentials)
    names = []
    for index in range(count):
        name = f"{DOMAINS[index % len(DOMAINS)]}-cache{index:02d}"
        elasticache.create_replication_group(
            ReplicationGroupId=name,
            ReplicationGroupDescription="seeded",
            Engine="redis",
            CacheNodeType="cache.t3.micro",
            NumCacheClusters=2,
        )
        names.append(name)
    return names


def seed_fleet(server: MotoServer) -> dict[str, Any]:
    """The shape of the fleet report in us-east-1: dozens of databases and caches, their log
    groups, an Aurora cluster, OpenSearch, EKS, Lambda, API Gateway and EC2."""
    region = "us-east-1"
    databases = seed_databases(server, region, 30)
    caches = seed_caches(server, region, 24)
    client(server, "elasticache", region).create_replication_group(
        ReplicationGroupId="ops-sharded",
        ReplicationGroupDescription="seeded",
        Engine="redis",
        CacheNodeType="cache.t3.micro",
        ClusterMode="enabled",
        NumNodeGroups=3,
        ReplicasPerNodeGroup=1,
    )
    rds = client(server, "rds", region)
    rds.create_db_instance_read_replica(
        DBInstanceIdentifier="sales-orders00-ro", SourceDBInstanceIdentifier=databases[0]
    )
    rds.create_db_cluster(
        DBClusterIdentifier="ops-ledger",
        Engine="aurora-mysql",
        MasterUsername="admin",
        MasterUserPassword="secret-password",
        EnableCloudwatchLogsExports=["slowquery"],
    )
    for member in ("ops-ledger-1", "ops-ledger-2"):
        rds.create_db_instance(
            DBInstanceIdentifier=member,
            DBClusterIdentifier="ops-ledger",
            Engine="aurora-mysql",
            DBInstanceClass="db.r6g.large",
        )
    client(server, "opensearch", region).create_domain(DomainName="ops-search")
    iam = client(server, "iam", region)
    role = iam.create_role(RoleName="lambda-run", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("handler.py", "def handle(event, context):\n    return event\n")
    logs = client(server, "logs", region)
    for index in range(6):
        function = f"sales-Resize_{index}"
        client(server, "lambda", region).create_function(
            FunctionName=function,
            Runtime="python3.12",
            Role=role,
            Handler="handler.handle",
            Code={"ZipFile": archive.getvalue()},
            Timeout=30,
        )
        logs.create_log_group(logGroupName=f"/aws/lambda/{function}")
    logs.create_log_group(logGroupName="/custom/batch-jobs")
    apigateway = client(server, "apigateway", region)
    api = apigateway.create_rest_api(name="sales-storefront")["id"]
    root = apigateway.get_resources(restApiId=api)["items"][0]["id"]
    apigateway.put_method(restApiId=api, resourceId=root, httpMethod="GET", authorizationType="NONE")
    apigateway.put_integration(restApiId=api, resourceId=root, httpMethod="GET", type="MOCK")
    apigateway.create_deployment(restApiId=api, stageName="prod")
    eks = client(server, "eks", region)
    eks.create_cluster(name="ops-k8s", roleArn=role, resourcesVpcConfig={})
    eks.create_nodegroup(
        clusterName="ops-k8s",
        nodegroupName="workers",
        nodeRole=role,
        subnets=["subnet-1"],
        scalingConfig={"minSize": 1, "maxSize": 9, "desiredSize": 5},
    )
    ec2 = client(server, "ec2", region)
    for domain in ("sales", "ops"):
        ec2.run_instances(
            ImageId=MOTO_AMI,
            MinCount=3,
            MaxCount=3,
            TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "team", "Value": domain}]}],
        )
    return {"databases": databases, "caches": caches}


def discover(inventory: Path, server: MotoServer, *extra: str) -> Result:
    return mac(
        "discover",
        "-i",
        inventory,
        "--endpoint-url",
        server.url,
        "--domain-tag",
        "team",
        "--domain-pattern",
        PATTERN,
        *extra,
    )


def services(inventory: Path) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(inventory.glob("*.yaml")):
        for entry in YAML(typ="safe").load(path.read_text()).get("services", []):
            found[entry["name"]] = entry
    return found


def test_discovers_a_fleet_into_an_inventory_that_validates(moto: MotoServer, tmp_path: Path) -> None:
    fleet = seed_fleet(moto)
    inventory = tmp_path / "inventory"
    result = discover(inventory, moto, "--organization", "acme", "--region", "us-east-1")
    assert result.exit_code == 0, result.output
    assert mac("validate", "-i", inventory).exit_code == 0
    found = services(inventory)
    kinds = {entry["kind"] for entry in found.values()}
    assert {"mysql", "postgresql", "redis", "aurora_mysql", "opensearch"} <= kinds
    assert {"kubernetes", "lambda", "apigateway", "node"} <= kinds
    assert set(fleet["databases"]) | set(fleet["caches"]) <= set(found)
    assert found["sales-orders00-ro"]["replica_of"] == "sales-orders00-rw"
    assert found["sales-orders00-rw"]["slow_query_log"] is True
    assert found["ops-ledger"] | {"writer_endpoint": ""} == {
        "kind": "aurora_mysql",
        "name": "ops-ledger",
        "domain": "ops",
        "writer_endpoint": "",
        "readers": 1,
        "slow_query_log": True,
    }
    # moto lists one member cluster whatever NumCacheClusters says: the count is what AWS reports.
    members = client(moto, "elasticache", "us-east-1").describe_replication_groups(
        ReplicationGroupId=fleet["caches"][0]
    )
    assert found[fleet["caches"][0]]["node_count"] == len(members["ReplicationGroups"][0]["MemberClusters"])
    assert found["ops-sharded"] | {"endpoint": ""} == {
        "kind": "redis",
        "name": "ops-sharded",
        "domain": "ops",
        "endpoint": "",
        "cluster_mode": True,
        "shards": 3,
        "replicas_per_shard": 1,
    }
    assert found["ops-k8s"]["node_count"] == 5
    # Lambda names are not inventory names: the service is renamed, the function keeps its name.
    assert found["sales-resize_0"] | {"domain": "sales"} == found["sales-resize_0"]
    assert found["sales-resize_0"]["function_name"] == "sales-Resize_0"
    assert found["sales-resize_0"]["timeout_seconds"] == 30
    assert found["sales-storefront-prod"]["stage"] == "prod"
    rules = {entry["name"]: entry["ec2_tag_filters"] for entry in found.values() if entry["kind"] == "node"}
    assert rules == {"ec2-ops": {"team": ["ops"]}, "ec2-sales": {"team": ["sales"]}}
    # Domains come from the team tag (RDS, EC2) or the name pattern (the rest).
    assert {entry["domain"] for entry in found.values()} == set(DOMAINS)
    settings = YAML(typ="safe").load((inventory / "settings.yaml").read_text())
    retention = {rule["pattern"]: rule for rule in settings["log_retention"]["rules"]}
    assert retention["/aws/rds/instance/*/slowquery"]["days"] == 14
    assert retention["/aws/rds/instance/*/slowquery"]["count"] == 24
    assert retention["/aws/lambda/*"]["days"] == 30
    # 55 log groups: more than one page of DescribeLogGroups (50).
    assert retention["/aws/rds/instance/*/error"]["count"] == 24
    assert "/custom/" not in str(settings["log_retention"])
    assert "1 log groups of no known family left unclaimed" in result.stdout
    assert re.search(r"discover: default/us-east-1 rds: \d+ databases", result.stderr)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_rediscover_keeps_edits_adds_new_and_reports_gone(moto: MotoServer, tmp_path: Path) -> None:
    databases = seed_databases(moto, "us-east-1", 9)
    caches = seed_caches(moto, "us-east-1", 6)
    inventory = tmp_path / "inventory"
    assert discover(inventory, moto, "--organization", "acme", "--region", "us-east-1").exit_code == 0
    sales = inventory / "sales.yaml"
    # The user's edits: a comment, a threshold, and the first two services swapped.
    first, second = [entry["name"] for entry in YAML(typ="safe").load(sales.read_text())["services"][:2]]
    edit(
        sales,
        f"    name: {first}\n",
        f"    name: {first}\n    # Orders peak at noon: the pool is sized for it.\n"
        "    thresholds:\n      max_connection_use_ratio: 0.95\n",
    )
    text = sales.read_text()
    blocks = text.split("  - kind: ")
    blocks[1], blocks[2] = blocks[2], blocks[1]
    sales.write_text("  - kind: ".join(blocks))
    edited_order = [entry["name"] for entry in YAML(typ="safe").load(sales.read_text())["services"]]
    assert edited_order[:2] == [second, first]

    rds = client(moto, "rds", "us-east-1")
    rds.delete_db_instance(DBInstanceIdentifier=databases[3], SkipFinalSnapshot=True)
    client(moto, "elasticache", "us-east-1").create_replication_group(
        ReplicationGroupId="sales-cart", ReplicationGroupDescription="new", Engine="redis", NumCacheClusters=1
    )
    result = discover(inventory, moto)
    assert result.exit_code == 0, result.output
    text = sales.read_text()
    assert "# Orders peak at noon: the pool is sized for it." in text
    after = YAML(typ="safe").load(text)["services"]
    assert [entry["name"] for entry in after][: len(edited_order)] == edited_order
    assert after[edited_order.index(first)]["thresholds"] == {"max_connection_use_ratio": 0.95}
    assert after[-1]["name"] == "sales-cart"
    gone = [line for line in result.stdout.splitlines() if "[discover/disappeared]" in line]
    assert len(gone) == 1 and f": warning: mysql {databases[3]} is no longer in default/us-east-1" in gone[0]
    where = re.match(r"(.+):(\d+):\d+: ", gone[0])
    assert where is not None
    assert Path(where[1]).read_text().splitlines()[int(where[2]) - 1].strip() == "- kind: mysql"
    assert databases[3] in services(inventory)
    assert "1 services added (1 redis), 14 kept, 1 disappeared" in result.stdout
    assert mac("validate", "-i", inventory).exit_code == 0
    # A third run finds nothing new and rewrites nothing; the one still gone is in the JSON report.
    before = {path: path.read_text() for path in inventory.glob("*.yaml")}
    again = discover(inventory, moto, "--format", "json")
    assert again.exit_code == 0, again.output
    assert [(p["check"], p["file"], p["line"]) for p in json.loads(again.stdout)] == [
        ("discover/disappeared", where[1], int(where[2]))
    ]
    assert "0 services added" in again.stderr and "wrote" not in again.output
    assert before == {path: path.read_text() for path in inventory.glob("*.yaml")}
    assert caches[0] in services(inventory)


def test_discovers_two_accounts_in_two_regions(moto: MotoServer, tmp_path: Path) -> None:
    other = role_credentials(moto, OTHER_ROLE)
    seed_databases(moto, "us-east-1", 5)
    seed_caches(moto, "eu-west-1", 3)
    seed_databases(moto, "eu-west-1", 3, **other)
    seed_caches(moto, "us-east-1", 2, **other)
    main_id = client(moto, "sts", "us-east-1").get_caller_identity()["Account"]
    inventory = tmp_path / "inventory"
    result = discover(
        inventory,
        moto,
        "--organization",
        "acme",
        "--region",
        "us-east-1",
        "--region",
        "eu-west-1",
        "--account",
        f"main={main_id}",
        "--account",
        f"other={OTHER_ROLE}",
    )
    assert result.exit_code == 0, result.output
    for placement in ("main/us-east-1", "main/eu-west-1", "other/us-east-1", "other/eu-west-1"):
        assert f"discover: {placement} rds:" in result.stderr
    model = load_inventory(inventory)
    placed = sorted({(s.account.name, s.account.account_id, s.region, s.kind) for s in model.services})
    assert placed == [
        ("main", main_id, "eu-west-1", "redis"),
        ("main", main_id, "us-east-1", "mysql"),
        ("main", main_id, "us-east-1", "postgresql"),
        ("other", OTHER_ACCOUNT, "eu-west-1", "mysql"),
        ("other", OTHER_ACCOUNT, "us-east-1", "redis"),
    ]
    # The same ids in two accounts: the later one is told apart by its region.
    assert len(model.services) == 5 + 3 + 3 + 2
    names = {(s.name, s.account.name) for s in model.services}
    assert {("sales-orders00-rw", "main"), ("sales-orders00-rw-eu-west-1", "other")} <= names
    assert {("sales-cache00", "main"), ("sales-cache00-us-east-1", "other")} <= names
    assert {a.role_arn for a in model.settings.accounts} == {"", OTHER_ROLE}
    # Re-read from the inventory's own accounts and regions: nothing new, nothing gone.
    again = discover(inventory, moto)
    assert again.exit_code == 0, again.output
    assert "0 services added" in again.stdout and "0 disappeared" in again.stdout


def test_server_errors_are_retried(moto: MotoServer, tmp_path: Path) -> None:
    seed_databases(moto, "us-east-1", 6)
    # Seeded so that the first DescribeLogGroups answers 500 or 503 and a later one gets through.
    weather = FaultProxy(
        moto.url, server_error_share=0.5, seed=4, weather_operations=frozenset({"DescribeLogGroups"})
    )
    weather.start()
    try:
        result = discover(
            tmp_path / "inventory",
            MotoServer(weather.url),
            "--organization",
            "acme",
            "--region",
            "us-east-1",
            "--only",
            "rds",
            "--only",
            "logs",
        )
    finally:
        weather.stop()
    assert result.exit_code == 0, result.output
    assert weather.server_errors["DescribeLogGroups"] > 0
    assert "default/us-east-1 logs: 10 log groups" in result.stderr


def test_bad_input_exits_2(moto: MotoServer, tmp_path: Path) -> None:
    no_group = discover(
        tmp_path / "a", moto, "--organization", "acme", "--region", "us-east-1", "--domain-pattern", "^x"
    )
    assert no_group.exit_code == 2 and "(?P<domain>...)" in no_group.output
    assert mac("discover", "-i", tmp_path / "b", "--region", "us-east-1").exit_code == 2
    empty = discover(tmp_path / "c", moto, "--organization", "acme", "--region", "us-east-1")
    assert empty.exit_code == 2 and "found nothing to monitor" in empty.output
    assert not (tmp_path / "c").exists()
    elsewhere = discover(
        tmp_path / "d",
        moto,
        "--organization",
        "acme",
        "--region",
        "us-east-1",
        "--account",
        "prod=111111111111",
    )
    assert elsewhere.exit_code == 2 and "the credentials are account" in elsewhere.output
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "settings.yaml").write_text(
        "settings:\n  organization: acme\n  environment: prod\n  region: nowhere\n"
    )
    result = mac("discover", "-i", broken, "--endpoint-url", moto.url)
    assert result.exit_code == 2
    assert "settings.yaml:4:" in result.output


def test_names_and_domains() -> None:
    assert plain_name("Sales_Resize Image!") == "sales_resize-image"
    rules = DomainRules(("team",), (re.compile(PATTERN),), "unassigned")
    assert rules.domain_of("ops-db", {"team": "Finance"}) == "finance"
    assert rules.domain_of("ops-db", {}) == "ops"
    assert rules.domain_of("OPS", {}) == "unassigned"


def test_log_families_and_retention_rules() -> None:
    assert log_family("/aws/rds/instance/db-1/slowquery") == (
        "/aws/rds/instance/",
        "/aws/rds/instance/*/slowquery",
    )
    assert log_family("API-Gateway-Execution-Logs_abc/prod") == (
        "API-Gateway-Execution-Logs_",
        "API-Gateway-Execution-Logs_*",
    )
    assert log_family("/custom/thing") is None
    assert glob_matches("/aws/rds/instance/*", "/aws/rds/instance/a/error")
    groups = [
        FoundLogGroup("/aws/rds/instance/a/error", "default", "us-east-1", 7, 2_000_000),
        FoundLogGroup("/aws/rds/instance/b/error", "default", "us-east-1", None, 0),
        FoundLogGroup("/aws/lambda/f", "default", "us-east-1", None, 0),
    ]
    changes = retention_changes(groups, ["/aws/rds/"], ["/aws/lambda/*"], 30)
    assert changes.prefixes == []
    assert changes.rules == [
        {
            "pattern": "/aws/rds/instance/*/error",
            "days": 7,
            "count": 2,
            "description": "Discovered: 2.0 MB stored; retention found: 7 days x1, never x1.",
        }
    ]
    assert changes.unclaimed == 0
