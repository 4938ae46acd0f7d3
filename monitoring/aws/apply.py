"""Apply a plan: only changed alarms are written, rate-limited, each failure reported by name.

Nothing is remembered between runs: live AWS is the state, so re-running after a partial failure
plans exactly what is still missing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

from monitoring.aws.calls import AwsUnreachable, Backoff, RateLimiter, error_text
from monitoring.aws.live import existing_alarm_names
from monitoring.aws.plan import AlarmChange, Plan, RetentionChange

DELETE_ALARMS_BATCH = 100


@dataclass
class ApplyReport:
    applied: list[str] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)
    # Set when AWS stopped answering: the run stopped there; re-running finishes it.
    unreachable: AwsUnreachable | None = None


class Progress:
    """`done/total` with an ETA on a stream, at most every `every_seconds`."""

    def __init__(
        self,
        total: int,
        calls_per_second: float,
        stream: TextIO | None,
        clock: Callable[[], float] = time.monotonic,
        every_seconds: float = 2.0,
    ) -> None:
        self.total, self.done = total, 0
        self._per_item = 1.0 / calls_per_second
        self._stream, self._clock, self._every = stream, clock, every_seconds
        self._started = self._last = clock()

    def eta_seconds(self) -> float:
        elapsed = self._clock() - self._started
        per_item = max(elapsed / self.done, self._per_item) if self.done else self._per_item
        return (self.total - self.done) * per_item

    def advance(self, items: int = 1) -> None:
        self.done += items
        now = self._clock()
        if self._stream is not None and (now - self._last >= self._every or self.done == self.total):
            self._last = now
            eta = self.eta_seconds()
            self._stream.write(
                f"apply: {self.done}/{self.total} ({100 * self.done // max(self.total, 1)}%), "
                f"{now - self._started:.0f}s elapsed, ETA {int(eta // 60)}m{int(eta % 60):02d}s\n"
            )
            self._stream.flush()


def _write_alarm(change: AlarmChange, cloudwatch: Any, limiter: RateLimiter, backoff: Backoff) -> None:
    if change.writes_alarm:
        parameters = dict(change.parameters)
        if change.action == "update":
            # PutMetricAlarm ignores Tags when the alarm exists: tags go through TagResource.
            parameters.pop("Tags", None)
        limiter.wait()
        backoff.call(cloudwatch.put_metric_alarm, **parameters)
    if change.action == "update" and change.tags_to_set:
        limiter.wait()
        tags = [{"Key": k, "Value": v} for k, v in sorted(change.tags_to_set.items())]
        backoff.call(cloudwatch.tag_resource, ResourceARN=change.arn, Tags=tags)
    if change.tags_to_remove:
        limiter.wait()
        backoff.call(cloudwatch.untag_resource, ResourceARN=change.arn, TagKeys=list(change.tags_to_remove))


def _set_retention(change: RetentionChange, logs: Any, ownership: dict[str, str], backoff: Backoff) -> None:
    if change.needs_tags and change.arn:
        # Tagged first: a group whose retention we set is recognisably ours on later runs.
        backoff.call(logs.tag_resource, resourceArn=change.arn, tags=ownership)
    backoff.call(logs.put_retention_policy, logGroupName=change.group, retentionInDays=change.after_days)


def apply_plan(
    plan: Plan,
    cloudwatch: Any,
    logs: Any,
    *,
    limiter: RateLimiter,
    backoff: Backoff,
    progress: Progress,
) -> ApplyReport:
    """Every change of the plan except held-back retention shortenings."""
    report = ApplyReport()
    try:
        _apply(plan, cloudwatch, logs, limiter, backoff, progress, report)
    except AwsUnreachable as error:
        report.unreachable = error
    return report


def _apply(
    plan: Plan,
    cloudwatch: Any,
    logs: Any,
    limiter: RateLimiter,
    backoff: Backoff,
    progress: Progress,
    report: ApplyReport,
) -> None:
    for change in (c for c in plan.alarm_changes if c.action != "delete"):
        try:
            _write_alarm(change, cloudwatch, limiter, backoff)
            report.applied.append(change.name)
        except AwsUnreachable:
            raise
        except Exception as error:  # every failure is reported by alarm; the run goes on
            report.failures[change.name] = error_text(error)
        progress.advance()

    doomed = [c.name for c in plan.deletions]
    for start in range(0, len(doomed), DELETE_ALARMS_BATCH):
        batch = doomed[start : start + DELETE_ALARMS_BATCH]
        failure = ""
        try:
            limiter.wait()
            backoff.call(cloudwatch.delete_alarms, AlarmNames=batch)
        except AwsUnreachable:
            raise
        except Exception as error:
            # A retried DeleteAlarms whose first answer was lost may fail on names already gone.
            failure = error_text(error)
        # DeleteAlarms skips names it cannot delete without saying so: check what is left.
        try:
            remaining = existing_alarm_names(cloudwatch, batch, backoff)
        except AwsUnreachable:
            raise
        except Exception as error:
            report.failures.update({name: failure or error_text(error) for name in batch})
            progress.advance(len(batch))
            continue
        report.failures.update(
            {name: failure or "still exists after DeleteAlarms" for name in batch if name in remaining}
        )
        report.applied += [name for name in batch if name not in remaining]
        progress.advance(len(batch))

    ownership = dict(plan.ownership_tags)
    for retention in plan.retention_to_apply:
        try:
            _set_retention(retention, logs, ownership, backoff)
            report.applied.append(retention.group)
        except AwsUnreachable:
            raise
        except Exception as error:
            report.failures[retention.group] = error_text(error)
        progress.advance()
