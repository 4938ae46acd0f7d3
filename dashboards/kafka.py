"""Kafka (MSK) board: brokers through MSK open monitoring (JMX exporter and node exporter)."""

from __future__ import annotations

from grafanalib.core import Dashboard

from dashboards.common import (
    PromQuery,
    Section,
    Threshold,
    dashboard,
    datasource_ref,
    domain_tag,
    domains_of_kind,
    kind_tag,
    prometheus_variables,
    selector,
    sibling_links,
    stat,
    threshold,
    timeseries,
)
from dashboards.domain import PrometheusOverview, prometheus_row
from monitoring.kinds import KINDS
from monitoring.model import Inventory
from monitoring.naming import cloudwatch_board_uid, kind_dashboard_uid

KIND = "kafka"

NO_DATA_UNTIL_TRAFFIC = {
    "Consumer lag": "a consumer group commits offsets",
}

ONE_CONTROLLER = Threshold(
    [{"color": "red", "value": None}, {"color": "green", "value": 1}, {"color": "red", "value": 2}],
    "Green at exactly one active controller per cluster.",
)


def build(inventory: Inventory) -> Dashboard:
    ds = datasource_ref("prometheus")
    jmx = selector("kafka-jmx")
    controllers = selector("kafka-jmx", name='="ActiveControllerCount"')
    offline = selector("kafka-jmx", name='="OfflinePartitionsCount"')
    bytes_in = selector("kafka-jmx", name='="BytesInPerSec"', topic='=""')
    bytes_out = selector("kafka-jmx", name='="BytesOutPerSec"', topic='=""')
    broker_idle = selector("kafka-node", mode='="idle"')
    broker_disks = selector("kafka-node", fstype='!~"tmpfs|overlay"')
    return dashboard(
        title="Kafka (MSK)",
        uid=kind_dashboard_uid(inventory.settings, KIND),
        description="MSK clusters through open monitoring: JMX exporter (11001) and node exporter (11002).",
        tags=[kind_tag(KIND), *map(domain_tag, domains_of_kind(inventory, KIND))],
        variables=prometheus_variables(inventory.settings, KINDS[KIND].jobs),
        links=sibling_links(
            inventory, "MSK CloudWatch metrics", cloudwatch_board_uid(inventory.settings, "msk"), "cloudwatch"
        ),
        sections=[
            Section(
                "Cluster health",
                [
                    stat(
                        "Brokers up",
                        "short",
                        [PromQuery(f"sum by (service) (up{jmx})", "{{service}}")],
                        ds,
                        description="Brokers whose JMX exporter answers.",
                    ),
                    stat(
                        "Active controllers",
                        "short",
                        [
                            PromQuery(
                                f"sum by (service) (kafka_controller_KafkaController_Value{controllers})",
                                "{{service}}",
                            )
                        ],
                        ds,
                        limit=ONE_CONTROLLER,
                    ),
                    stat(
                        "Under-replicated partitions",
                        "short",
                        [
                            PromQuery(
                                f"cluster:kafka_under_replicated_partitions:sum{selector()}", "{{service}}"
                            )
                        ],
                        ds,
                        limit=threshold(inventory, KIND, "max_under_replicated_partitions"),
                    ),
                    stat(
                        "Offline partitions",
                        "short",
                        [
                            PromQuery(
                                f"sum by (service) (kafka_controller_KafkaController_Value{offline})",
                                "{{service}}",
                            )
                        ],
                        ds,
                        limit=threshold(inventory, KIND, "max_offline_partitions"),
                    ),
                ],
            ),
            Section(
                "Throughput and lag",
                [
                    timeseries(
                        "Bytes in and out",
                        "Bps",
                        [
                            PromQuery(
                                "sum by (service, instance) (rate(kafka_server_BrokerTopicMetrics_Count"
                                f"{bytes_in}[$__rate_interval]))",
                                "{{instance}} in",
                            ),
                            PromQuery(
                                "sum by (service, instance) (rate(kafka_server_BrokerTopicMetrics_Count"
                                f"{bytes_out}[$__rate_interval]))",
                                "{{instance}} out",
                            ),
                        ],
                        ds,
                    ),
                    timeseries(
                        "Consumer lag",
                        "short",
                        [
                            PromQuery(
                                f"cluster:kafka_consumer_lag_messages:sum{selector()}",
                                "{{service}} {{consumerGroup}}",
                            )
                        ],
                        ds,
                        description="Messages behind the log end, per consumer group.",
                        limit=threshold(inventory, KIND, "max_consumer_lag_messages"),
                        no_data=NO_DATA_UNTIL_TRAFFIC["Consumer lag"],
                    ),
                ],
            ),
            Section(
                "Broker hosts",
                [
                    timeseries(
                        "Broker CPU",
                        "percent",
                        [
                            PromQuery(
                                f"100 * (1 - avg by (service, instance) "
                                f"(rate(node_cpu_seconds_total{broker_idle}[$__rate_interval])))",
                                "{{instance}}",
                            )
                        ],
                        ds,
                        limit=threshold(inventory, KIND, "max_cpu_percent"),
                    ),
                    timeseries(
                        "Broker disk used",
                        "percent",
                        [
                            PromQuery(
                                "100 * max by (service, instance) "
                                f"(1 - node_filesystem_avail_bytes{broker_disks}"
                                f" / node_filesystem_size_bytes{broker_disks})",
                                "{{instance}}",
                            )
                        ],
                        ds,
                        description="Fullest filesystem of each broker (the Kafka data logs).",
                        limit=threshold(inventory, KIND, "max_disk_used_percent"),
                    ),
                ],
            ),
        ],
    )


# This kind's row on each domain overview.
OVERVIEW_ROW = prometheus_row(
    KIND,
    PrometheusOverview(
        'avg(up{{job="kafka-jmx", {f}}})',
        "Broker disk used",
        '100 * max by (service, instance) (1 - node_filesystem_avail_bytes{{job="kafka-node", {f}}}'
        ' / node_filesystem_size_bytes{{job="kafka-node", {f}}})',
        "percent",
        "max_disk_used_percent",
    ),
)
