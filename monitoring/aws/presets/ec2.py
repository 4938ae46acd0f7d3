"""EC2 node groups, namespace AWS/EC2: status checks per Auto Scaling group.

Node groups are discovered by tag, so there is no instance list to alarm on; the group's
AutoScalingGroupName aggregate covers every instance. A group without auto_scaling_groups in the
inventory gets no CloudWatch alarm (its instances are still covered by Prometheus node rules).
"""

from __future__ import annotations

from monitoring.aws.alarms import AlarmPreset, Metric
from monitoring.kinds.node import NodeService
from monitoring.model import Service, Settings

NAMESPACE = "AWS/EC2"


def node_alarms(service: Service, settings: Settings) -> list[AlarmPreset]:
    if not isinstance(service, NodeService):
        raise TypeError(f"EC2 presets need a node service, got {service.kind}")
    return [
        # An empty group or a silent one is treated as failing: we cannot see its health.
        AlarmPreset(
            "status-check-failed",
            Metric(NAMESPACE, "StatusCheckFailed", (("AutoScalingGroupName", group),), "Maximum", 60),
            resource=group,
            comparison="GreaterThanOrEqualToThreshold",
            threshold=1,
            evaluation_periods=2,
            datapoints_to_alarm=2,
            treat_missing_data="breaching",
            severity="critical",
            summary=f"An instance of Auto Scaling group {group} fails its EC2 status checks",
        )
        for group in service.auto_scaling_groups
    ]
