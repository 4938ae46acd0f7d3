"""MSK board from CloudWatch (AWS/Kafka): the broker view AWS keeps even when open monitoring is off."""

from __future__ import annotations

from grafanalib.core import Dashboard

from dashboards.common import (
    CloudwatchQuery,
    Section,
    cloudwatch_query,
    cloudwatch_variables,
    dashboard,
    datasource_ref,
    domain_tag,
    domains_of_kind,
    kind_tag,
    sibling_links,
    threshold,
    timeseries,
)
from monitoring.aws.presets.msk import FACADE
from monitoring.kinds.kafka import KafkaService
from monitoring.model import Inventory
from monitoring.naming import cloudwatch_board_uid, kind_dashboard_uid

KIND = "kafka"

NO_DATA_UNTIL_TRAFFIC = {
    "Consumer lag": "a consumer group commits offsets",
}


def board_uid(inventory: Inventory) -> str:
    return cloudwatch_board_uid(inventory.settings, "msk")


def build(inventory: Inventory) -> Dashboard:
    services = sorted((s.name, s.cluster_name) for s in inventory.services_of(KIND, KafkaService))
    ds = datasource_ref("cloudwatch")

    def cluster(name: str) -> list[CloudwatchQuery]:
        return [cloudwatch_query(FACADE.series(name, "cluster", ["$service"]), "{{Cluster Name}}")]

    def brokers(name: str) -> list[CloudwatchQuery]:
        return [cloudwatch_query(FACADE.series(name, "broker", ["$service", "*"]), "broker {{Broker ID}}")]

    return dashboard(
        title="MSK (CloudWatch)",
        uid=board_uid(inventory),
        description="CloudWatch metrics of the MSK clusters, per cluster and per broker.",
        tags=["cloudwatch", kind_tag(KIND), *map(domain_tag, domains_of_kind(inventory, KIND))],
        variables=cloudwatch_variables(inventory.settings, services),
        links=sibling_links(
            inventory,
            "Kafka open-monitoring metrics",
            kind_dashboard_uid(inventory.settings, KIND),
            "prometheus",
        ),
        sections=[
            Section(
                "Partitions",
                [
                    timeseries(
                        "Offline partitions",
                        "short",
                        cluster("OfflinePartitionsCount"),
                        ds,
                        limit=threshold(inventory, KIND, "max_offline_partitions"),
                    ),
                    timeseries(
                        "Under-replicated partitions",
                        "short",
                        brokers("UnderReplicatedPartitions"),
                        ds,
                        limit=threshold(inventory, KIND, "max_under_replicated_partitions"),
                    ),
                ],
            ),
            Section(
                "Brokers",
                [
                    timeseries(
                        "Data log disk used",
                        "percent",
                        brokers("KafkaDataLogsDiskUsed"),
                        ds,
                        limit=threshold(inventory, KIND, "max_disk_used_percent"),
                        width=8,
                    ),
                    timeseries(
                        "CPU (user)",
                        "percent",
                        brokers("CpuUser"),
                        ds,
                        description="User CPU only; CloudWatch reports system CPU separately (CpuSystem).",
                        limit=threshold(inventory, KIND, "max_cpu_percent"),
                        width=8,
                    ),
                    timeseries(
                        "Consumer lag",
                        "short",
                        [
                            cloudwatch_query(
                                FACADE.series("SumOffsetLag", "consumer_group_topic", ["$service", "*", "*"]),
                                "{{Consumer Group}} {{Topic}}",
                            )
                        ],
                        ds,
                        limit=threshold(inventory, KIND, "max_consumer_lag_messages"),
                        no_data=NO_DATA_UNTIL_TRAFFIC["Consumer lag"],
                        width=8,
                    ),
                ],
            ),
        ],
    )
