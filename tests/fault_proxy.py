"""A loopback HTTP proxy in front of moto that behaves more like CloudWatch than moto does.

moto never throttles and accepts any number of alarm names; this proxy answers a seeded share of
PutMetricAlarm calls with a Throttling error and rejects DescribeAlarms/DeleteAlarms calls naming
more than 100 alarms, the way AWS does. `failing_alarms` makes PutMetricAlarm fail for chosen
names (a partial failure). For the weather of a real network, a seeded share of every call (any
service) gets a 500/503 answer (`server_error_share`) or a TCP reset (`reset_share`): half the
resets before the request reaches moto, half after moto has applied it (the answer is lost);
`weather_operations` limits both to some operations.
Everything else is forwarded unchanged.
"""

from __future__ import annotations

import http.client
import io
import json
import random
import socket
import struct
import sys
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from botocore.parsers import RpcV2CBORParser

MAX_ALARM_NAMES = 100
_CBOR_OPERATION = "/operation/"


def cbor_text_map(values: dict[str, str]) -> bytes:
    """CBOR encoding of a map of short text strings (enough for an error body)."""

    def head(major: int, length: int) -> bytes:
        if length < 24:
            return bytes([major << 5 | length])
        if length < 256:
            return bytes([major << 5 | 24, length])
        return bytes([major << 5 | 25]) + struct.pack(">H", length)

    out = head(5, len(values))
    for key, value in values.items():
        for text in (key, value):
            encoded = text.encode()
            out += head(3, len(encoded)) + encoded
    return out


def _decode(body: bytes, content_type: str) -> Any:
    """A request body in botocore's protocol for CloudWatch: AWS JSON 1.0 or RPC v2 CBOR."""
    if not body:
        return {}
    if "cbor" in content_type:
        return RpcV2CBORParser().parse_data_item(io.BufferedReader(io.BytesIO(body)))
    return json.loads(body)


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], OSError):  # a connection we reset cannot flush: expected
            super().handle_error(request, client_address)


class FaultProxy:
    def __init__(
        self,
        upstream: str,
        throttle_share: float = 0.0,
        seed: int = 0,
        *,
        server_error_share: float = 0.0,
        reset_share: float = 0.0,
        weather_operations: frozenset[str] = frozenset(),
    ) -> None:
        self.upstream = urlsplit(upstream)
        self.throttle_share = throttle_share
        self.server_error_share = server_error_share
        self.reset_share = reset_share
        # Operations the server errors and resets hit; empty: every operation.
        self.weather_operations = weather_operations
        self.requests: Counter[str] = Counter()
        self.throttled: Counter[str] = Counter()
        self.server_errors: Counter[str] = Counter()
        self.resets: Counter[str] = Counter()
        self.rejected: Counter[str] = Counter()
        self.failing_alarms: set[str] = set()
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._server = _QuietServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _weather(self, operation: str) -> str:
        """'' (forward), '500' or '503' (a server error), 'reset' or 'reset-after' (forward, then reset)."""
        with self._lock:
            self.requests[operation] += 1
            if not (self.server_error_share or self.reset_share):
                return ""
            if self.weather_operations and operation not in self.weather_operations:
                return ""
            draw = self._random.random()
            if draw < self.server_error_share:
                self.server_errors[operation] += 1
                return self._random.choice(("500", "503"))
            if draw < self.server_error_share + self.reset_share:
                self.resets[operation] += 1
                return self._random.choice(("reset", "reset-after"))
        return ""

    def _fault(self, operation: str, request: Any) -> tuple[str, str] | None:
        with self._lock:
            if operation == "PutMetricAlarm" and self._random.random() < self.throttle_share:
                self.throttled[operation] += 1
                return "Throttling", "Rate exceeded"
        if operation == "PutMetricAlarm" and request().get("AlarmName") in self.failing_alarms:
            return "InternalFailure", "injected failure"
        if operation in ("DescribeAlarms", "DeleteAlarms"):
            names = request().get("AlarmNames", [])
            if len(names) > MAX_ALARM_NAMES:
                with self._lock:
                    self.rejected[operation] += 1
                return (
                    "ValidationError",
                    f"1 validation error detected: Value at 'alarmNames' failed to satisfy constraint: "
                    f"Member must have length less than or equal to {MAX_ALARM_NAMES} (got {len(names)})",
                )
        return None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _reply(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
                self.send_response(status)
                for name, value in headers:
                    if name.lower() not in (
                        "content-length",
                        "transfer-encoding",
                        "connection",
                        "date",
                        "server",
                    ):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _reset(self) -> None:
                # SO_LINGER 0: close() sends RST, as a dropped connection does.
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.close_connection = True
                self.connection.close()

            def _error(self, status: int, code: str, message: str, content_type: str) -> None:
                error = {"__type": f"com.amazonaws.cloudwatch#{code}", "message": message}
                cbor = "cbor" in content_type
                self._reply(
                    status,
                    [
                        ("Content-Type", content_type or "application/x-amz-json-1.0"),
                        *([("smithy-protocol", "rpc-v2-cbor")] if cbor else []),
                        ("x-amzn-query-error", f"{code};{'Sender' if status < 500 else 'Receiver'}"),
                    ],
                    cbor_text_map(error) if cbor else json.dumps(error).encode(),
                )

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                operation = ""
                if _CBOR_OPERATION in self.path:
                    operation = self.path.rsplit(_CBOR_OPERATION, 1)[1]
                elif self.headers.get("X-Amz-Target"):
                    operation = self.headers["X-Amz-Target"].rsplit(".", 1)[-1]
                content_type = self.headers.get("Content-Type", "")
                weather = proxy._weather(operation) if operation else ""
                if weather == "reset":
                    self._reset()
                    return
                if weather in ("500", "503"):
                    code = "InternalFailure" if weather == "500" else "ServiceUnavailable"
                    self._error(int(weather), code, "injected server error", content_type)
                    return
                fault = proxy._fault(operation, lambda: _decode(body, content_type)) if operation else None
                if fault is not None:
                    if weather == "reset-after":  # the error answer is what gets lost
                        self._reset()
                    else:
                        self._error(400, *fault, content_type)
                    return
                assert proxy.upstream.hostname is not None
                connection = http.client.HTTPConnection(
                    proxy.upstream.hostname, proxy.upstream.port, timeout=60
                )
                try:
                    headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                    connection.request("POST", self.path, body=body, headers=headers)
                    response = connection.getresponse()
                    status, response_headers, response_body = (
                        response.status,
                        response.getheaders(),
                        response.read(),
                    )
                finally:
                    connection.close()
                if weather == "reset-after":
                    self._reset()
                    return
                self._reply(status, response_headers, response_body)

        return Handler
