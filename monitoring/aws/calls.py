"""AWS calls with a client-side rate limit and exponential backoff with jitter on throttling."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
    }
)


class RateLimiter:
    """At most `calls_per_second` calls, evenly spaced (CloudWatch allows about 3 PutMetricAlarm/s)."""

    def __init__(
        self,
        calls_per_second: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = 1.0 / calls_per_second
        self._clock = clock
        self._sleep = sleep
        self._next = clock()

    def wait(self) -> None:
        now = self._clock()
        if now < self._next:
            self._sleep(self._next - now)
            now = self._next
        self._next = now + self.interval


@dataclass
class Backoff:
    """Full-jitter exponential backoff: sleep uniform(0, min(cap, base * 2**attempt))."""

    max_attempts: int = 8
    base_seconds: float = 0.2
    cap_seconds: float = 20.0
    sleep: Callable[[float], None] = time.sleep
    jitter: Callable[[float, float], float] = random.uniform
    throttled: int = field(default=0, init=False)

    def call(self, operation: Callable[..., Any], **parameters: Any) -> Any:
        from botocore.exceptions import ClientError

        for attempt in range(self.max_attempts):
            try:
                return operation(**parameters)
            except ClientError as error:
                code = error.response.get("Error", {}).get("Code", "")
                if code not in THROTTLING_CODES or attempt == self.max_attempts - 1:
                    raise
                self.throttled += 1
                self.sleep(self.jitter(0, min(self.cap_seconds, self.base_seconds * 2**attempt)))
        raise AssertionError("unreachable: the last attempt returns or raises")


def error_text(error: Exception) -> str:
    from botocore.exceptions import ClientError

    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        return f"{details.get('Code', 'Error')}: {details.get('Message', '')}".rstrip(": ")
    return f"{type(error).__name__}: {error}"
