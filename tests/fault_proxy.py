"""A loopback HTTP proxy in front of moto that behaves more like CloudWatch than moto does.

moto never throttles and accepts any number of alarm names; this proxy answers a seeded share of
PutMetricAlarm calls with a Throttling error and rejects DescribeAlarms/DeleteAlarms calls naming
more than 100 alarms, the way AWS does. `failing_alarms` makes PutMetricAlarm fail for chosen
names (a partial failure). Everything else is forwarded unchanged.
"""

from __future__ import annotations

import http.client
import io
import json
import random
import struct
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
        return RpcV2CBORParser().parse_data_item(io.BufferedReader(io.BytesIO(body)))  # type: ignore[arg-type]
    return json.loads(body)


class FaultProxy:
    def __init__(self, upstream: str, throttle_share: float = 0.0, seed: int = 0) -> None:
        self.upstream = urlsplit(upstream)
        self.throttle_share = throttle_share
        self.requests: Counter[str] = Counter()
        self.throttled: Counter[str] = Counter()
        self.rejected: Counter[str] = Counter()
        self.failing_alarms: set[str] = set()
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
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

    def _fault(self, operation: str, request: Any) -> tuple[str, str] | None:
        with self._lock:
            self.requests[operation] += 1
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

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                operation = ""
                if _CBOR_OPERATION in self.path:
                    operation = self.path.rsplit(_CBOR_OPERATION, 1)[1]
                elif self.headers.get("X-Amz-Target"):
                    operation = self.headers["X-Amz-Target"].rsplit(".", 1)[-1]
                content_type = self.headers.get("Content-Type", "")
                fault = proxy._fault(operation, lambda: _decode(body, content_type)) if operation else None
                if fault is not None:
                    code, message = fault
                    error = {"__type": f"com.amazonaws.cloudwatch#{code}", "message": message}
                    cbor = "cbor" in content_type
                    self._reply(
                        400,
                        [
                            ("Content-Type", content_type or "application/x-amz-json-1.0"),
                            *([("smithy-protocol", "rpc-v2-cbor")] if cbor else []),
                            ("x-amzn-query-error", f"{code};Sender"),
                        ],
                        cbor_text_map(error) if cbor else json.dumps(error).encode(),
                    )
                    return
                connection = http.client.HTTPConnection(
                    proxy.upstream.hostname, proxy.upstream.port, timeout=60
                )
                try:
                    headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                    connection.request("POST", self.path, body=body, headers=headers)
                    response = connection.getresponse()
                    self._reply(response.status, response.getheaders(), response.read())
                finally:
                    connection.close()

        return Handler
