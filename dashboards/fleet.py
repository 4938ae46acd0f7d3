"""Fleet overview: scrape targets per job, alerts by severity and team, the costliest Redis findings."""

from __future__ import annotations

from grafanalib.core import Dashboard

from dashboards.common import (
    PromQuery,
    Section,
    Threshold,
    board_link,
    dashboard,
    datasource_ref,
    datasource_variable,
    kind_title,
    label_variable,
    stat,
    threshold,
)
from monitoring.kinds import kind_board
from monitoring.model import Inventory
from monitoring.naming import domain_board_uid, fleet_board_uid, settings_rate_window

NO_DATA_UNTIL_TRAFFIC = {
    "Alerts firing by severity": "an alert fires",
    "Alerts firing by team": "an alert fires",
}

ANY_DOWN = Threshold(
    [{"color": "green", "value": None}, {"color": "red", "value": 1}], "Red when any is down."
)
FIRING = Threshold([{"color": "orange", "value": None}], "Every alert listed is firing.")


def build(inventory: Inventory) -> Dashboard:
    window = settings_rate_window(inventory.settings)
    settings = inventory.settings
    provisioned = {d.type for d in settings.datasources}
    ds = datasource_ref("prometheus")
    f = '{domain=~"$domain", service=~"$service"}'
    firing = '{alertstate="firing", domain=~"$domain", service=~"$service"}'
    return dashboard(
        title="Fleet overview",
        uid=fleet_board_uid(settings),
        description="Every scrape job, every firing alert, and the Redis findings that cost the most: "
        "the lowest keyspace hit ratios and the most keys without TTL.",
        tags=["fleet"],
        variables=[
            datasource_variable(settings, "prometheus"),
            label_variable("domain", "Domain", "up", ds),
            label_variable("service", "Service", 'up{domain=~"$domain"}', ds),
        ],
        links=[
            # The fleet board's domain and service variables mean the same on a Prometheus board
            # only; a CloudWatch view has no domain and its own service list.
            *(
                board_link(kind_title(kind), board.uid, keep_vars=board.datasource == "prometheus")
                for kind in inventory.kinds_present()
                if (board := kind_board(settings, kind)).datasource in provisioned
            ),
            *(
                board_link(f"{d.title} overview", domain_board_uid(settings, d.name), keep_vars=False)
                for d in sorted(inventory.domains, key=lambda d: d.name)
            ),
        ],
        sections=[
            Section(
                "Scrape targets",
                [
                    stat(
                        "Targets up per job",
                        "short",
                        [PromQuery(f"sum by (job) (up{f})", "{{job}}")],
                        ds,
                        width=12,
                        height=6,
                    ),
                    stat(
                        "Targets down per job",
                        "short",
                        [PromQuery(f"sum by (job) (1 - up{f})", "{{job}}")],
                        ds,
                        description="Targets Prometheus cannot scrape: an exporter down, a wrong address "
                        "or a refused login.",
                        limit=ANY_DOWN,
                        width=12,
                        height=6,
                    ),
                ],
            ),
            Section(
                "Alerts",
                [
                    stat(
                        "Alerts firing by severity",
                        "short",
                        [PromQuery(f"sum by (severity) (ALERTS{firing})", "{{severity}}")],
                        ds,
                        limit=FIRING,
                        no_data=NO_DATA_UNTIL_TRAFFIC["Alerts firing by severity"],
                        width=12,
                    ),
                    stat(
                        "Alerts firing by team",
                        "short",
                        [PromQuery(f"sum by (team) (ALERTS{firing})", "{{team}}")],
                        ds,
                        limit=FIRING,
                        no_data=NO_DATA_UNTIL_TRAFFIC["Alerts firing by team"],
                        width=12,
                    ),
                ],
            ),
            # Its recording rules are generated only with Redis services.
            *(
                [
                    Section(
                        "Redis findings",
                        [
                            stat(
                                "Lowest Redis hit ratios",
                                "percentunit",
                                [
                                    PromQuery(
                                        f"bottomk(10, service:redis_keyspace_hit_ratio:rate{window}{f})",
                                        "{{service}}",
                                    )
                                ],
                                ds,
                                description=f"The ten clusters with the worst {window} hit ratio.",
                                limit=threshold(inventory, "redis", "min_hit_ratio"),
                                width=12,
                                height=8,
                            ),
                            stat(
                                "Most Redis keys without TTL",
                                "short",
                                [
                                    PromQuery(
                                        f"topk(10, service:redis_keys_without_ttl:sum{f})", "{{service}}"
                                    )
                                ],
                                ds,
                                description="The ten clusters with most keys that never expire.",
                                limit=threshold(inventory, "redis", "max_keys_without_ttl"),
                                width=12,
                                height=8,
                            ),
                        ],
                    )
                ]
                if "redis" in inventory.kinds_present()
                else []
            ),
        ],
    )
