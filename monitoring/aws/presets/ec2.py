"""EC2 node groups, namespace AWS/EC2: status checks per Auto Scaling group.

Node groups are discovered by tag, so there is no instance list to alarm on; the group's
AutoScalingGroupName aggregate covers every instance. A group without auto_scaling_groups in the
inventory gets no CloudWatch alarm (its instances are still covered by Prometheus node rules).
"""

from __future__ import annotations

from collections.abc import Iterator

from monitoring.aws.alarm_table import Alarm, AlarmTable, Resource, Scope, require
from monitoring.aws.facade import Facade, Level
from monitoring.kinds.node import NodeService
from monitoring.model import Service, Settings

FACADE = Facade("AWS/EC2", Level("group", ("AutoScalingGroupName",), {"StatusCheckFailed": "Maximum"}))


def _groups(service: Service, settings: Settings) -> Iterator[Resource]:
    for group in require(service, NodeService, "EC2").auto_scaling_groups:
        yield Resource(group, (group,), {"group": group})


# fmt: off
node_alarms = AlarmTable(
    "ec2",
    FACADE,
    kinds=("node",),
    scopes={"group": Scope("group", _groups, ("group",))},
    rows={
        "group": (
            # check, metric,
            #       period (s), condition, evaluation periods, datapoints to alarm, missing data, severity,
            #       summary
            # An empty group or a silent one is treated as failing: we cannot see its health.
            Alarm("status-check-failed", "StatusCheckFailed",
                  60, ">= 1", 2, 2, "breaching", "critical",
                  "An instance of Auto Scaling group {group} fails its EC2 status checks"),
        ),
    },
)
# fmt: on
