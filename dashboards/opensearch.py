"""OpenSearch board from CloudWatch (AWS/ES): cluster status, nodes, JVM memory pressure, storage and CPU."""

from __future__ import annotations

from grafanalib.core import Dashboard

from dashboards.common import (
    CloudwatchQuery,
    Section,
    Threshold,
    cloudwatch_query,
    cloudwatch_variables,
    custom_variable,
    dashboard,
    datasource_ref,
    domain_tag,
    domains_of_kind,
    kind_tag,
    stat,
    threshold,
    timeseries,
)
from monitoring.aws.presets.opensearch import FACADE
from monitoring.kinds.opensearch import OpensearchService
from monitoring.model import Inventory
from monitoring.naming import kind_dashboard_uid

KIND = "opensearch"

NO_DATA_UNTIL_TRAFFIC: dict[str, str] = {}

RED = Threshold(
    [{"color": "green", "value": None}, {"color": "red", "value": 1}], "Red while the status holds."
)
YELLOW = Threshold(
    [{"color": "green", "value": None}, {"color": "orange", "value": 1}], "Orange while the status holds."
)


def build(inventory: Inventory) -> Dashboard:
    services = sorted((s.name, s.domain_name) for s in inventory.services_of(KIND, OpensearchService))
    ds = datasource_ref("cloudwatch")
    # ClientId is each domain's own account: a choice when the domains span several accounts.
    accounts = sorted({s.account.account_id for s in inventory.services_of(KIND, OpensearchService)})
    several = len(accounts) > 1
    account = [custom_variable("account_id", "Account id", [(a, a) for a in accounts])] if several else []
    domain = ["$service", "$account_id" if several else accounts[0]]

    def metric(name: str) -> list[CloudwatchQuery]:
        return [cloudwatch_query(FACADE.series(name, "domain", domain), "{{DomainName}}")]

    return dashboard(
        title="OpenSearch",
        uid=kind_dashboard_uid(inventory.settings, KIND),
        description="OpenSearch Service domains from CloudWatch. The report: luckylfe-log went RED after "
        "3 data nodes crashed with JVM OOM; luckyur-log ran out of disk.",
        tags=["cloudwatch", kind_tag(KIND), *map(domain_tag, domains_of_kind(inventory, KIND))],
        variables=cloudwatch_variables(inventory.settings, services, *account),
        sections=[
            Section(
                "Cluster status",
                [
                    stat(
                        "Cluster status red",
                        "none",
                        metric("ClusterStatus.red"),
                        ds,
                        description="1 when a primary shard is unassigned: data is missing from searches.",
                        limit=RED,
                        reduce="max",
                    ),
                    stat(
                        "Cluster status yellow",
                        "none",
                        metric("ClusterStatus.yellow"),
                        ds,
                        description="1 when a replica shard is unassigned.",
                        limit=YELLOW,
                        reduce="max",
                    ),
                    stat(
                        "Nodes",
                        "short",
                        metric("Nodes"),
                        ds,
                        description="Nodes in the cluster; a drop means crashed data nodes.",
                        reduce="min",
                    ),
                    stat(
                        "Free storage (lowest node)",
                        "mbytes",
                        metric("FreeStorageSpace"),
                        ds,
                        limit=threshold(inventory, KIND, "min_free_storage_megabytes"),
                        reduce="min",
                    ),
                ],
            ),
            Section(
                "Memory and storage",
                [
                    timeseries(
                        "JVM memory pressure",
                        "percent",
                        metric("JVMMemoryPressure"),
                        ds,
                        description="Heap in use; sustained high pressure precedes the OOM crashes.",
                        limit=threshold(inventory, KIND, "max_jvm_memory_pressure_percent"),
                    ),
                    timeseries(
                        "Old generation JVM memory pressure",
                        "percent",
                        metric("OldGenJVMMemoryPressure"),
                        ds,
                        limit=threshold(inventory, KIND, "max_old_gen_jvm_memory_pressure_percent"),
                    ),
                    timeseries(
                        "Free storage",
                        "mbytes",
                        metric("FreeStorageSpace"),
                        ds,
                        description="Free space of the fullest data node.",
                        limit=threshold(inventory, KIND, "min_free_storage_megabytes"),
                    ),
                    timeseries(
                        "CPU",
                        "percent",
                        metric("CPUUtilization"),
                        ds,
                        limit=threshold(inventory, KIND, "max_cpu_percent"),
                    ),
                ],
            ),
        ],
    )
