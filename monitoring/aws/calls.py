"""AWS calls with a client-side rate limit and exponential backoff with jitter on transient errors.

Transient: throttling, 5xx answers, timeouts and dropped connections. Every call we make is
idempotent (PutMetricAlarm, DeleteAlarms, TagResource, PutRetentionPolicy and the reads), so a
request whose answer was lost can simply be sent again.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
    }
)
# Codes AWS sends with a 5xx status, for the rare answer whose status got lost.
SERVER_ERROR_CODES = frozenset(
    {"InternalFailure", "InternalError", "InternalServiceError", "ServiceUnavailable"}
)

Transient = Literal["throttling", "server error", "connection error"]


class AwsUnreachable(Exception):
    """AWS could not be reached (connection refused, reset or timed out) on every attempt."""

    def __init__(self, operation: str, attempts: int, error: Exception) -> None:
        self.operation, self.attempts, self.error = operation, attempts, error
        super().__init__(f"{operation}: {error_text(error)} ({attempts} attempts)")


def transient_kind(error: Exception) -> Transient | None:
    """What kind of transient failure `error` is, or None when retrying cannot help."""
    from botocore.exceptions import ClientError, ConnectionError, HTTPClientError, SSLError

    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "")
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if code in THROTTLING_CODES:
            return "throttling"
        if status >= 500 or (status == 0 and code in SERVER_ERROR_CODES):
            return "server error"
        return None
    if isinstance(error, SSLError):  # a certificate problem is setup, not weather
        return None
    if isinstance(error, ConnectionError | HTTPClientError):
        return "connection error"
    return None


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
    """Full-jitter exponential backoff: sleep uniform(0, min(cap, base * 2**attempt)).

    When the last attempt fails, a connection error becomes AwsUnreachable (the run cannot go
    on); throttling and server errors are raised as they are (one call failed).
    """

    max_attempts: int = 8
    base_seconds: float = 0.2
    cap_seconds: float = 20.0
    sleep: Callable[[float], None] = time.sleep
    jitter: Callable[[float, float], float] = random.uniform
    retried: Counter[Transient] = field(default_factory=Counter, init=False)

    @property
    def throttled(self) -> int:
        return self.retried["throttling"]

    def call(self, operation: Callable[..., Any], **parameters: Any) -> Any:
        for attempt in range(self.max_attempts):
            try:
                return operation(**parameters)
            except Exception as error:
                kind = transient_kind(error)
                if kind is None:
                    raise
                if attempt == self.max_attempts - 1:
                    if kind == "connection error":
                        name = getattr(operation, "__name__", "call")
                        raise AwsUnreachable(name, self.max_attempts, error) from error
                    raise
                self.retried[kind] += 1
                self.sleep(self.jitter(0, min(self.cap_seconds, self.base_seconds * 2**attempt)))
        raise AssertionError("unreachable: the last attempt returns or raises")

    def summary(self) -> str:
        """'retried: 12 throttling, 2 server error' or '' when nothing was retried."""
        parts = [f"{count} {kind}" for kind, count in sorted(self.retried.items()) if count]
        return f"retried with backoff: {', '.join(parts)}" if parts else ""


def error_text(error: Exception) -> str:
    from botocore.exceptions import ClientError

    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        return f"{details.get('Code', 'Error')}: {details.get('Message', '')}".rstrip(": ")
    if isinstance(error, AwsUnreachable):
        return str(error)
    return f"{type(error).__name__}: {error}"
