"""Reading the fleet from AWS: one boto3 session per account (its role assumed when given), every
list paginated, botocore's adaptive retry mode pacing the calls when AWS throttles."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from monitoring.aws.calls import AwsUnreachable, Backoff, error_text
from monitoring.aws.session import new_session, role_session
from monitoring.discover.found import Found, FoundInstance, FoundLogGroup, Scan, Skipped

CONNECT_TIMEOUT_SECONDS = 10
READ_TIMEOUT_SECONDS = 60
MAX_ATTEMPTS = 10
ROLE_SESSION_NAME = "mac-discover"

RDS_KINDS = {"mysql": "mysql", "mariadb": "mysql", "postgres": "postgresql"}
CLUSTER_KINDS = {
    "aurora": "aurora_mysql",
    "aurora-mysql": "aurora_mysql",
    "aurora-postgresql": "aurora_postgresql",
    "docdb": "documentdb",
}
EC2_STATES = ["pending", "running", "stopping", "stopped"]
# The stage names the inventory's apigateway kind takes.
STAGE_NAME = re.compile(r"^[a-zA-Z0-9_]{1,128}$")


@dataclass(frozen=True)
class Target:
    """An account to read: its name in the inventory, its id (asked of STS when empty), its role."""

    name: str
    account_id: str = ""
    role_arn: str = ""


Progress = Callable[[str], None]


class WrongAccount(Exception):
    """The caller's credentials are another account's than the one to read without a role."""

    def __init__(self, target: Target, caller: str) -> None:
        super().__init__(
            f"account {target.name!r} is {target.account_id} but the credentials are account {caller}: "
            "use credentials of that account or give its role (NAME=ROLE_ARN)"
        )


class AccountUnreadable(Exception):
    """An account's session cannot be had: no credentials, an unknown profile, a role refused."""

    def __init__(self, target: Target, reason: str) -> None:
        super().__init__(
            f"cannot read account {target.name!r}: {reason} (check the credentials, AWS_PROFILE and role)"
        )


class Placement:
    """Clients of one account and region, and the tags switch (tags cost one call per resource)."""

    def __init__(self, session: Any, region: str, endpoint_url: str | None, want_tags: bool) -> None:
        from botocore.config import Config

        self.session, self.region, self.endpoint_url, self.want_tags = (
            session,
            region,
            endpoint_url,
            want_tags,
        )
        self.config = Config(
            retries={"mode": "adaptive", "max_attempts": MAX_ATTEMPTS},
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
            read_timeout=READ_TIMEOUT_SECONDS,
        )
        self._clients: dict[str, Any] = {}

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self.session.client(
                service, region_name=self.region, endpoint_url=self.endpoint_url, config=self.config
            )
        return self._clients[service]


def pages(client: Any, operation: str, key: str, **parameters: Any) -> Iterator[Any]:
    for page in client.get_paginator(operation).paginate(**parameters):
        yield from page.get(key, [])


def _tag_dict(tags: Sequence[dict[str, str]] | None) -> dict[str, str]:
    return {tag["Key"]: tag.get("Value", "") for tag in tags or []}


def _rds(placement: Placement, account: str) -> tuple[list[Found], str]:
    rds = placement.client("rds")
    found: list[Found] = []
    other = 0
    for instance in pages(rds, "describe_db_instances", "DBInstances"):
        kind = RDS_KINDS.get(instance["Engine"])
        endpoint = instance.get("Endpoint")
        if instance.get("DBClusterIdentifier"):
            continue  # an Aurora or DocumentDB member: its cluster is the service
        if kind is None or not endpoint:
            other += 1
            continue
        fields: dict[str, Any] = {"endpoint": f"{endpoint['Address']}:{endpoint['Port']}"}
        if kind == "mysql" and "slowquery" in instance.get("EnabledCloudwatchLogsExports", []):
            fields["slow_query_log"] = True
        source = instance.get("ReadReplicaSourceDBInstanceIdentifier", "")
        found.append(
            Found(
                kind,
                instance["DBInstanceIdentifier"],
                account,
                placement.region,
                fields,
                _tag_dict(instance.get("TagList")),
                replica_source=source.rsplit(":", 1)[-1],
            )
        )
    for cluster in pages(rds, "describe_db_clusters", "DBClusters"):
        kind = CLUSTER_KINDS.get(cluster["Engine"])
        members = cluster.get("DBClusterMembers", [])
        if kind is None or (kind == "documentdb" and not members):
            other += 1
            continue
        if kind == "documentdb":
            fields = {
                "cluster_id": cluster["DBClusterIdentifier"],
                "instance_ids": sorted(member["DBInstanceIdentifier"] for member in members),
            }
        else:
            fields = {
                "writer_endpoint": f"{cluster['Endpoint']}:{cluster['Port']}",
                "readers": sum(1 for member in members if not member.get("IsClusterWriter")),
            }
            if kind == "aurora_mysql" and "slowquery" in cluster.get("EnabledCloudwatchLogsExports", []):
                fields["slow_query_log"] = True
        found.append(
            Found(
                kind,
                cluster["DBClusterIdentifier"],
                account,
                placement.region,
                fields,
                _tag_dict(cluster.get("TagList")),
            )
        )
    return found, f", {other} of other engines or not yet available" if other else ""


def _host_port(endpoint: dict[str, Any]) -> str:
    return f"{endpoint['Address']}:{endpoint['Port']}"


def _elasticache(placement: Placement, account: str) -> tuple[list[Found], str]:
    elasticache = placement.client("elasticache")

    def tags(arn: str | None) -> dict[str, str]:
        if not placement.want_tags or not arn:
            return {}
        return _tag_dict(elasticache.list_tags_for_resource(ResourceName=arn).get("TagList"))

    found: list[Found] = []
    for group in pages(elasticache, "describe_replication_groups", "ReplicationGroups"):
        node_groups = group.get("NodeGroups", [])
        members = group.get("MemberClusters", [])
        fields: dict[str, Any]
        if group.get("ClusterEnabled") and group.get("ConfigurationEndpoint"):
            shards = max(len(node_groups), 1)
            fields = {
                "endpoint": _host_port(group["ConfigurationEndpoint"]),
                "cluster_mode": True,
                "shards": shards,
                "replicas_per_shard": max(len(node_groups[0].get("NodeGroupMembers", [])) - 1, 0)
                if node_groups
                else max(len(members) // shards - 1, 0),
            }
        elif node_groups and node_groups[0].get("PrimaryEndpoint"):
            fields = {
                "endpoint": _host_port(node_groups[0]["PrimaryEndpoint"]),
                "node_count": max(len(members), 1),
            }
        else:
            continue
        found.append(
            Found(
                "redis",
                group["ReplicationGroupId"],
                account,
                placement.region,
                fields,
                tags(group.get("ARN")),
            )
        )
    standalone = nodeless = 0
    for cluster in pages(elasticache, "describe_cache_clusters", "CacheClusters", ShowCacheNodeInfo=True):
        if cluster.get("Engine") != "memcached":
            standalone += 0 if cluster.get("ReplicationGroupId") else 1
            continue
        nodes = sorted(cluster.get("CacheNodes", []), key=lambda node: node["CacheNodeId"])
        endpoints = [_host_port(node["Endpoint"]) for node in nodes if node.get("Endpoint")]
        nodeless += 0 if endpoints else 1
        if endpoints:
            found.append(
                Found(
                    "memcached",
                    cluster["CacheClusterId"],
                    account,
                    placement.region,
                    {"nodes": endpoints},
                    tags(cluster.get("ARN")),
                )
            )
    notes = [
        *([f"{standalone} Redis nodes outside a replication group"] if standalone else []),
        *([f"{nodeless} Memcached clusters without node endpoints"] if nodeless else []),
    ]
    return found, f", left out: {', '.join(notes)}" if notes else ""


def _opensearch(placement: Placement, account: str) -> tuple[list[Found], str]:
    opensearch = placement.client("opensearch")
    names = [domain["DomainName"] for domain in opensearch.list_domain_names().get("DomainNames", [])]
    found = []
    for start in range(0, len(names), 5):  # DescribeDomains takes at most 5 names
        for status in opensearch.describe_domains(DomainNames=names[start : start + 5])["DomainStatusList"]:
            tags = (
                _tag_dict(opensearch.list_tags(ARN=status["ARN"]).get("TagList"))
                if placement.want_tags
                else {}
            )
            found.append(Found("opensearch", status["DomainName"], account, placement.region, {}, tags))
    return found, ""


def _msk(placement: Placement, account: str) -> tuple[list[Found], str]:
    kafka = placement.client("kafka")
    found = []
    closed = 0
    for cluster in pages(kafka, "list_clusters", "ClusterInfoList"):
        nodes = sorted(
            pages(kafka, "list_nodes", "NodeInfoList", ClusterArn=cluster["ClusterArn"]),
            key=lambda node: node.get("BrokerNodeInfo", {}).get("BrokerId", 0),
        )
        brokers = [host for node in nodes for host in node.get("BrokerNodeInfo", {}).get("Endpoints", [])[:1]]
        if not brokers:
            continue
        prometheus = cluster.get("OpenMonitoring", {}).get("Prometheus", {})
        open_monitoring = any(
            prometheus.get(exporter, {}).get("EnabledInBroker")
            for exporter in ("JmxExporter", "NodeExporter")
        )
        closed += 0 if open_monitoring else 1
        found.append(
            Found(
                "kafka",
                cluster["ClusterName"],
                account,
                placement.region,
                {"cluster_name": cluster["ClusterName"], "brokers": brokers},
                dict(cluster.get("Tags", {})),
                description=""
                if open_monitoring
                else "Open monitoring is off: enable its JMX (11001) and node (11002) exporters.",
            )
        )
    return found, f", {closed} without open monitoring" if closed else ""


def _ec2(placement: Placement, account: str) -> tuple[list[FoundInstance], str]:
    ec2 = placement.client("ec2")
    instances = [
        FoundInstance(account, placement.region, _tag_dict(instance.get("Tags")))
        for reservation in pages(
            ec2,
            "describe_instances",
            "Reservations",
            Filters=[{"Name": "instance-state-name", "Values": EC2_STATES}],
        )
        for instance in reservation.get("Instances", [])
    ]
    return instances, ""


def _eks(placement: Placement, account: str) -> tuple[list[Found], str]:
    eks = placement.client("eks")
    found = []
    for name in pages(eks, "list_clusters", "clusters"):
        cluster = eks.describe_cluster(name=name)["cluster"]
        nodes = sum(
            eks.describe_nodegroup(clusterName=name, nodegroupName=group)["nodegroup"]
            .get("scalingConfig", {})
            .get("desiredSize", 0)
            for group in pages(eks, "list_nodegroups", "nodegroups", clusterName=name)
        )
        found.append(
            Found(
                "kubernetes",
                name,
                account,
                placement.region,
                {"cluster_name": name, "node_count": nodes},
                dict(cluster.get("tags", {})),
            )
        )
    return found, ""


def _lambda(placement: Placement, account: str) -> tuple[list[Found], str]:
    client = placement.client("lambda")
    found = []
    for function in pages(client, "list_functions", "Functions"):
        tags = (
            client.list_tags(Resource=function["FunctionArn"]).get("Tags", {}) if placement.want_tags else {}
        )
        fields = {"function_name": function["FunctionName"], "timeout_seconds": function.get("Timeout", 3)}
        found.append(Found("lambda", function["FunctionName"], account, placement.region, fields, tags))
    return found, ""


def _apigateway(placement: Placement, account: str) -> tuple[list[Found], str]:
    client = placement.client("apigateway")
    found = []
    odd = 0
    for api in pages(client, "get_rest_apis", "items"):
        for stage in client.get_stages(restApiId=api["id"]).get("item", []):
            if not STAGE_NAME.match(stage["stageName"]):
                odd += 1
                continue
            fields = {"api_name": api["name"], "stage": stage["stageName"]}
            tags = {**api.get("tags", {}), **stage.get("tags", {})}
            found.append(
                Found(
                    "apigateway",
                    f"{api['name']}/{stage['stageName']}",
                    account,
                    placement.region,
                    fields,
                    tags,
                )
            )
    return found, f", left out: {odd} stages named with other than letters, digits and _" if odd else ""


def _logs(placement: Placement, account: str) -> tuple[list[FoundLogGroup], str]:
    groups = [
        FoundLogGroup(
            group["logGroupName"],
            account,
            placement.region,
            group.get("retentionInDays"),
            group.get("storedBytes", 0),
        )
        for group in pages(placement.client("logs"), "describe_log_groups", "logGroups")
    ]
    never = sum(1 for group in groups if group.retention_days is None)
    stored = sum(group.stored_bytes for group in groups)
    return groups, f", {never} never expire, {stored / 1e9:.2f} GB stored"


FAMILIES: tuple[tuple[str, Callable[[Placement, str], tuple[Sequence[Any], str]], str], ...] = (
    ("rds", _rds, "databases"),
    ("elasticache", _elasticache, "caches"),
    ("opensearch", _opensearch, "domains"),
    ("msk", _msk, "clusters"),
    ("ec2", _ec2, "instances"),
    ("eks", _eks, "clusters"),
    ("lambda", _lambda, "functions"),
    ("apigateway", _apigateway, "stages"),
    ("logs", _logs, "log groups"),
)


def _session(target: Target, endpoint_url: str | None, region: str) -> Any:
    session = new_session()
    if target.role_arn:
        sts = session.client("sts", region_name=region, endpoint_url=endpoint_url)
        session = role_session(sts, target.role_arn, Backoff(), ROLE_SESSION_NAME)
    return session


def scan(
    targets: Sequence[Target],
    regions: Sequence[str],
    endpoint_url: str | None,
    *,
    want_tags: bool,
    progress: Progress,
    families: Sequence[str] = (),
) -> Scan:
    """Every family in every account and region. A family AWS refuses (access denied, an API the
    endpoint lacks) is skipped there and reported; a connection failure stops the scan."""
    from botocore.exceptions import BotoCoreError, ClientError, ConnectionError, HTTPClientError

    result = Scan()
    for target in targets:
        try:
            session = _session(target, endpoint_url, regions[0])
            if not target.role_arn:
                sts = session.client("sts", region_name=regions[0], endpoint_url=endpoint_url)
                caller = sts.get_caller_identity()["Account"]
                if target.account_id and caller != target.account_id:
                    raise WrongAccount(target, caller)
                result.account_ids[target.name] = caller
        except (ConnectionError, HTTPClientError) as error:
            raise AwsUnreachable("sts", 1, error) from error
        except (ClientError, BotoCoreError) as error:
            raise AccountUnreadable(target, error_text(error).splitlines()[0]) from error
        for region in regions:
            placement = Placement(session, region, endpoint_url, want_tags)
            for family, read, noun in FAMILIES:
                if families and family not in families:
                    continue
                try:
                    items, note = read(placement, target.name)
                except (ConnectionError, HTTPClientError) as error:
                    raise AwsUnreachable(family, MAX_ATTEMPTS, error) from error
                except (ClientError, BotoCoreError) as error:
                    reason = error_text(error).splitlines()[0]
                    result.skipped.append(Skipped(target.name, region, family, reason))
                    progress(f"{target.name}/{region} {family}: not read ({reason})")
                    continue
                result.read.add((target.name, region, family))
                for item in items:
                    if isinstance(item, Found):
                        result.found.append(item)
                    elif isinstance(item, FoundInstance):
                        result.instances.append(item)
                    else:
                        result.log_groups.append(item)
                progress(f"{target.name}/{region} {family}: {len(items)} {noun}{note}")
    return result
