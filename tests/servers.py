"""Real servers on loopback for the integration tests.

Everything here binds 127.0.0.1 on a port picked at run time, lives in a
temporary directory it is given, and is stopped through its process group.
`ServerPool` starts servers; the pytest fixtures in conftest.py call it lazily.
"""

from __future__ import annotations

import contextlib
import ctypes
import glob
import json
import os
import re
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, ClassVar, NoReturn, Protocol, Self, TypeVar

import pytest

LOOPBACK = "127.0.0.1"
READY_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
LOG_TAIL_LINES = 40

T = TypeVar("T")

# Binary name -> Debian package that ships it (scripts/setup.sh installs them all).
TOOL_PACKAGES: dict[str, str] = {
    "prometheus": "prometheus",
    "promtool": "prometheus",
    "amtool": "prometheus-alertmanager",
    "prometheus-redis-exporter": "prometheus-redis-exporter",
    "prometheus-mysqld-exporter": "prometheus-mysqld-exporter",
    "prometheus-postgres-exporter": "prometheus-postgres-exporter",
    "prometheus-node-exporter": "prometheus-node-exporter",
    "redis-server": "redis-server",
    "mariadbd": "mariadb-server",
    "mysqld": "mariadb-server",
    "mariadb-install-db": "mariadb-server",
    "mariadb": "mariadb-client",
    "initdb": "postgresql",
    "postgres": "postgresql",
    "pg_ctl": "postgresql",
    "pg_isready": "postgresql",
    "psql": "postgresql",
    "runuser": "util-linux",
    "victoria-metrics": "victoria-metrics",
    "vmalert": "victoria-metrics",
    "prometheus-alertmanager": "prometheus-alertmanager",
}
_ALTERNATIVE_NAMES: dict[str, tuple[str, ...]] = {
    "mariadbd": ("mariadbd", "mysqld"),
    "mysqld": ("mysqld", "mariadbd"),
    "mariadb": ("mariadb", "mysql"),
    "mariadb-install-db": ("mariadb-install-db", "mysql_install_db"),
}
# /usr/local/bin/postgres may be a different program: the versioned directory wins.
_POSTGRES_TOOLS = frozenset({"initdb", "postgres", "pg_ctl", "pg_isready", "psql"})
_EXTRA_DIRS = ("/usr/sbin", "/usr/bin", "/sbin", "/bin")


class ServerStartError(RuntimeError):
    """A server did not become ready in time; the message carries its log tail."""


class PrometheusAPIError(RuntimeError):
    """The Prometheus HTTP API answered with status "error"."""


def _postgres_bin_dirs() -> list[Path]:
    def version(path: str) -> tuple[int, ...]:
        ver = Path(path).parent.name
        return tuple(int(part) for part in ver.split(".") if part.isdigit())

    return [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True)]


def find_tool(name: str) -> str | None:
    """Absolute path of a server binary, or None when it is not installed."""
    if name in _POSTGRES_TOOLS:
        for directory in _postgres_bin_dirs():
            candidate = directory / name
            if os.access(candidate, os.X_OK):
                return str(candidate)
        return None
    search_path = os.pathsep.join([os.environ.get("PATH", ""), *_EXTRA_DIRS])
    for candidate_name in _ALTERNATIVE_NAMES.get(name, (name,)):
        found = shutil.which(candidate_name, path=search_path)
        if found:
            return found
    return None


def missing_tool(name: str) -> NoReturn:
    package = TOOL_PACKAGES.get(name, name)
    if os.environ.get("CI") == "true":
        pytest.fail(f"required binary {name!r} not found: install the Debian package {package!r}", False)
    pytest.skip(f"{name!r} not installed (Debian package {package!r}): run `scripts/setup.sh all`")


def tool(name: str) -> str:
    """Locate a binary; fail under CI=true, skip elsewhere when it is missing."""
    path = find_tool(name)
    if path is None:
        missing_tool(name)
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


def http_get(url: str, timeout_s: float = 5.0) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:
            return int(response.status), response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode("utf-8", "replace")


def _tcp_open(port: int) -> bool:
    try:
        with socket.create_connection((LOOPBACK, port), timeout=1.0):
            return True
    except OSError:
        return False


@dataclass
class ManagedProcess:
    """A child in its own process group, logging to a file."""

    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path
    stop_signal: int = signal.SIGTERM
    _asked: bool = field(default=False, init=False, repr=False)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def running(self) -> bool:
        return self.popen.poll() is None

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        try:
            text = self.log_path.read_text("utf-8", "replace")
        except OSError as err:
            return f"<no log at {self.log_path}: {err}>"
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout_s: float = STOP_TIMEOUT_S) -> None:
        self.ask_to_stop()
        if self.popen.poll() is not None:
            return
        try:
            self.popen.wait(timeout_s)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout_s)

    def ask_to_stop(self) -> None:
        """Its stop signal, once, without waiting."""
        if self.popen.poll() is None and not self._asked:
            self._asked = True
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, self.stop_signal)


_PR_SET_PDEATHSIG = 1


def _die_with_parent(sig: int = signal.SIGTERM) -> Callable[[], None]:
    """A preexec_fn: the child gets `sig` if the test process dies without stopping it.

    SIGTERM, whatever the stop signal: runuser ignores SIGINT but passes SIGTERM on to its child.
    """

    def preexec() -> None:
        # A shell that started the tests in the background leaves SIGINT ignored, and that is inherited.
        for inherited in (signal.SIGINT, signal.SIGTERM):
            signal.signal(inherited, signal.SIG_DFL)
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, sig, 0, 0, 0)

    return preexec


def spawn(
    name: str,
    argv: Sequence[str],
    log_path: Path,
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    stop_signal: int = signal.SIGTERM,
) -> ManagedProcess:
    with log_path.open("ab") as log:
        popen = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            start_new_session=True,
            preexec_fn=_die_with_parent(),
        )
    return ManagedProcess(name, popen, log_path, stop_signal)


def wait_for(
    check: Callable[[], T | None],
    what: str,
    process: ManagedProcess | None = None,
    timeout_s: float = READY_TIMEOUT_S,
    interval_s: float = 0.1,
) -> T:
    """Poll `check` until it returns a truthy value; the error includes the server's log tail."""
    deadline = time.monotonic() + timeout_s
    last_error = ""
    while True:
        try:
            value = check()
            if value:
                return value
        except Exception as err:  # a refused connection while starting is expected
            last_error = f"{type(err).__name__}: {err}"
        if process is not None and not process.running():
            raise ServerStartError(
                f"{process.name} exited with code {process.popen.returncode} before {what}\n"
                f"--- {process.log_path} ---\n{process.log_tail()}"
            )
        if time.monotonic() >= deadline:
            detail = f" (last error: {last_error})" if last_error else ""
            tail = f"\n--- {process.log_path} ---\n{process.log_tail()}" if process is not None else ""
            raise ServerStartError(f"timed out after {timeout_s:.0f}s waiting for {what}{detail}{tail}")
        time.sleep(interval_s)


def run_checked(argv: Sequence[str], what: str, *, timeout_s: float = READY_TIMEOUT_S) -> str:
    try:
        done = subprocess.run(
            list(argv),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired as err:
        raise ServerStartError(f"{what}: timed out after {timeout_s:.0f}s: {err}") from err
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-LOG_TAIL_LINES:])
        raise ServerStartError(f"{what}: exit code {done.returncode}\n{tail}")
    return done.stdout


def _make_traversable(path: Path) -> None:
    """Let another OS user reach `path`: add o+x to each ancestor that lacks it (pytest's are 0700)."""
    for directory in [path, *path.parents]:
        mode = directory.stat().st_mode
        if not mode & stat.S_IXOTH:
            directory.chmod(mode | stat.S_IXOTH)


# --------------------------------------------------------------------------- handles


@dataclass(frozen=True)
class RedisServer:
    host: str
    port: int
    address: str
    pid: int
    url: str
    """redis://127.0.0.1:PORT, the target form redis_exporter's /scrape takes."""


@dataclass(frozen=True)
class RedisExporter:
    host: str
    port: int
    address: str
    pid: int
    metrics_url: str
    """The exporter's own metrics (Go runtime, scrape counters)."""
    target: str
    scrape_url: str
    """/scrape?target=... for the session's redis_server."""

    def scrape_url_for(self, target: str) -> str:
        return f"http://{self.address}/scrape?" + urllib.parse.urlencode({"target": target})


@dataclass(frozen=True)
class MariaDB:
    host: str
    port: int
    address: str
    pid: int
    socket: Path
    datadir: Path
    exporter_user: str
    exporter_password: str
    dsn: str
    """go-sql-driver form for the exporter user: user:password@tcp(127.0.0.1:PORT)/"""
    client: str

    def execute(self, sql: str) -> str:
        """Run SQL as root over the unix socket; tab-separated rows without headers."""
        return run_checked(
            [
                self.client,
                "--no-defaults",
                f"--socket={self.socket}",
                "--user=root",
                "--batch",
                "--skip-column-names",
                "--execute",
                sql,
            ],
            f"mariadb: {sql[:60]}",
        )


@dataclass(frozen=True)
class MysqldExporter:
    host: str
    port: int
    address: str
    pid: int
    metrics_url: str
    my_cnf: Path
    flags: tuple[str, ...]


@dataclass(frozen=True)
class Postgres:
    host: str
    port: int
    address: str
    pid: int
    socket_dir: Path
    datadir: Path
    exporter_user: str
    exporter_password: str
    dsn: str
    """libpq URL for the exporter user over TCP."""
    psql: str

    def execute(self, sql: str, database: str = "postgres") -> str:
        """Run SQL as the postgres superuser over the unix socket; unaligned rows."""
        return run_checked(
            [
                "runuser",
                "-u",
                "postgres",
                "--",
                self.psql,
                "--no-psqlrc",
                "-X",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                str(self.socket_dir),
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                database,
                "-At",
                "-c",
                sql,
            ],
            f"psql: {sql[:60]}",
        )


@dataclass(frozen=True)
class PostgresExporter:
    host: str
    port: int
    address: str
    pid: int
    metrics_url: str


@dataclass(frozen=True)
class NodeExporter:
    host: str
    port: int
    address: str
    pid: int
    metrics_url: str
    textfile_dir: Path


def _api_data(url: str, timeout_s: float = 10.0) -> Any:
    status, body = http_get(url, timeout_s)
    try:
        payload = json.loads(body)
    except json.JSONDecodeError as err:
        raise PrometheusAPIError(f"{url}: HTTP {status}, not JSON: {body[:300]}") from err
    if payload.get("status") != "success":
        raise PrometheusAPIError(f"{url}: {payload.get('errorType')}: {payload.get('error')}")
    return payload["data"]


def _flat_rules(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {**rule, "group": group["name"], "file": group["file"]} for group in groups for rule in group["rules"]
    ]


@dataclass(frozen=True)
class HttpServer:
    """A server on loopback with an HTTP API at `url`, started by the pool and stopped with it."""

    what: ClassVar[str] = "the server"
    host: str
    port: int
    address: str
    pid: int
    url: str
    directory: Path
    _process: ManagedProcess = field(repr=False, compare=False)

    @classmethod
    def on_loopback(cls, port: int, directory: Path, process: ManagedProcess, **extra: Any) -> Self:
        address = f"{LOOPBACK}:{port}"
        return cls(LOOPBACK, port, address, process.pid, f"http://{address}", directory, process, **extra)

    def wait_until(
        self, predicate: Callable[[], T | None], timeout_s: float = 30.0, interval_s: float = 0.2
    ) -> T:
        """Poll until `predicate` returns something truthy, which is returned."""
        return wait_for(predicate, f"the condition on {self.what}", self._process, timeout_s, interval_s)

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        return self._process.log_tail(lines)

    def stop(self) -> None:
        self._process.stop()


@dataclass(frozen=True)
class PrometheusHandle(HttpServer):
    """A running Prometheus. Its first scrape comes about 5 s after start: Prometheus 2.42 applies
    discovered targets on a fixed 5 s tick, whatever scrape_interval says."""

    what: ClassVar[str] = "Prometheus"
    config_file: Path

    def _get(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        query = "?" + urllib.parse.urlencode(params) if params else ""
        return _api_data(f"{self.url}{path}{query}")

    def query(self, promql: str) -> list[dict[str, Any]]:
        """Instant query; scalar and string results come back as one sample without labels."""
        data = self._get("/api/v1/query", {"query": promql})
        if data["resultType"] in ("scalar", "string"):
            return [{"metric": {}, "value": data["result"]}]
        result: list[dict[str, Any]] = data["result"]
        return result

    def targets(self) -> list[dict[str, Any]]:
        active: list[dict[str, Any]] = self._get("/api/v1/targets", {"state": "active"})["activeTargets"]
        return active

    def rules(self) -> list[dict[str, Any]]:
        """Every rule of every group, each with its group's `group` name and `file` added."""
        return _flat_rules(self._get("/api/v1/rules")["groups"])

    def alerts(self) -> list[dict[str, Any]]:
        alerts: list[dict[str, Any]] = self._get("/api/v1/alerts")["alerts"]
        return alerts

    def reload(self) -> None:
        request = urllib.request.Request(f"{self.url}/-/reload", method="POST")
        with urllib.request.urlopen(request, timeout=10.0) as response:
            if response.status != 200:
                raise PrometheusAPIError(f"reload: HTTP {response.status}")


class PrometheusFactory(Protocol):
    """What the `prometheus_factory` fixture returns."""

    def __call__(
        self, config_yaml_text: str, rule_files: Mapping[str, str] | None = None
    ) -> PrometheusHandle: ...


@dataclass(frozen=True)
class VictoriaMetricsHandle(HttpServer):
    """Single-node VictoriaMetrics: Prometheus remote_write in at `url`/api/v1/write, queries at `url`.
    A series new to it is searchable only up to 10 s after its first sample (1.79 refreshes its index
    of the current hour's series on a 10 s tick)."""

    what: ClassVar[str] = "VictoriaMetrics"

    def query(self, promql: str) -> list[dict[str, Any]]:
        """Instant query at the current time; nocache=1 so a just-written sample is not served stale."""
        params = urllib.parse.urlencode({"query": promql, "nocache": "1"})
        result: list[dict[str, Any]] = _api_data(f"{self.url}/api/v1/query?{params}")["result"]
        return result


@dataclass(frozen=True)
class VmalertHandle(HttpServer):
    """vmalert: rules evaluated against a datasource, alerts sent to notifiers."""

    what: ClassVar[str] = "vmalert"

    def rules(self) -> list[dict[str, Any]]:
        """Every rule of every group, each with its group's `group` name and `file` added."""
        return _flat_rules(_api_data(f"{self.url}/api/v1/rules")["groups"])

    def alerts(self) -> list[dict[str, Any]]:
        # vmalert answers "alerts": null while none is active.
        alerts: list[dict[str, Any]] = _api_data(f"{self.url}/api/v1/alerts")["alerts"] or []
        return alerts


@dataclass(frozen=True)
class AlertmanagerHandle(HttpServer):
    what: ClassVar[str] = "Alertmanager"

    def alerts(self) -> list[dict[str, Any]]:
        """The alerts it holds (API v2: a bare JSON list, each with labels, annotations and status)."""
        status, body = http_get(f"{self.url}/api/v2/alerts")
        if status != 200:
            raise PrometheusAPIError(f"{self.url}/api/v2/alerts: HTTP {status}: {body[:300]}")
        alerts: list[dict[str, Any]] = json.loads(body)
        return alerts


# --------------------------------------------------------------------------- the pool

_PORT_IN_USE = re.compile(r"address already in use", re.IGNORECASE)
_PORT_ATTEMPTS = 3


class ServerPool:
    """Starts servers in directories from `mkdtemp(name)` and stops them all, newest first."""

    def __init__(self, mkdtemp: Callable[[str], Path]) -> None:
        self._mkdtemp = mkdtemp
        self._processes: list[ManagedProcess] = []

    def stop_all(self) -> None:
        """Each one gone before the one started before it is asked: a server may send to those
        started before it (a Prometheus remote-writing to its store waits out its stop timeout for
        a store already gone)."""
        errors: list[str] = []
        while self._processes:
            process = self._processes.pop()
            try:
                process.stop()
            except Exception as err:  # keep stopping the others
                errors.append(f"{process.name} (pid {process.pid}): {err}")
        if errors:
            raise RuntimeError("could not stop: " + "; ".join(errors))

    def _start_on_free_port(
        self,
        name: str,
        start: Callable[[int], ManagedProcess],
        ready: Callable[[int, ManagedProcess], object],
    ) -> tuple[int, ManagedProcess]:
        """Start on a fresh port; a lost race for the port (another process took it) is retried."""
        for attempt in range(_PORT_ATTEMPTS):
            port = free_port()
            process = start(port)
            self._processes.append(process)
            try:
                wait_for(partial(ready, port, process), f"{name} on {LOOPBACK}:{port}", process)
            except ServerStartError:
                process.stop()
                self._processes.remove(process)
                if attempt + 1 < _PORT_ATTEMPTS and _PORT_IN_USE.search(process.log_tail()):
                    continue
                raise
            return port, process
        raise AssertionError("unreachable")

    def _http_ok(self, url: str) -> Callable[[int, ManagedProcess], bool]:
        return lambda port, _process: http_get(url.format(port=port), 2.0)[0] == 200

    # ---- redis

    def start_redis(self) -> RedisServer:
        binary = tool("redis-server")
        directory = self._mkdtemp("redis")

        def start(port: int) -> ManagedProcess:
            argv = [
                binary,
                "--port",
                str(port),
                "--bind",
                LOOPBACK,
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(directory),
                "--daemonize",
                "no",
                "--protected-mode",
                "yes",
            ]
            return spawn("redis-server", argv, directory / "redis.log")

        def ready(port: int, _process: ManagedProcess) -> bool:
            with socket.create_connection((LOOPBACK, port), timeout=1.0) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")

        port, process = self._start_on_free_port("redis-server", start, ready)
        return RedisServer(LOOPBACK, port, f"{LOOPBACK}:{port}", process.pid, f"redis://{LOOPBACK}:{port}")

    def start_redis_exporter(self, redis: RedisServer) -> RedisExporter:
        binary = tool("prometheus-redis-exporter")
        directory = self._mkdtemp("redis_exporter")

        def start(port: int) -> ManagedProcess:
            # An empty -redis.addr: /metrics has only the exporter's own metrics, Redis is reached
            # through /scrape?target=, as in a multi-target deployment.
            argv = [binary, "-web.listen-address", f"{LOOPBACK}:{port}", "-redis.addr", ""]
            return spawn("redis_exporter", argv, directory / "redis_exporter.log")

        port, process = self._start_on_free_port(
            "redis_exporter", start, self._http_ok(f"http://{LOOPBACK}:{{port}}/metrics")
        )
        address = f"{LOOPBACK}:{port}"
        handle = RedisExporter(
            LOOPBACK,
            port,
            address,
            process.pid,
            f"http://{address}/metrics",
            redis.url,
            f"http://{address}/scrape?" + urllib.parse.urlencode({"target": redis.url}),
        )
        wait_for(
            lambda: re.search(r"^redis_up 1$", http_get(handle.scrape_url)[1], re.MULTILINE),
            f"redis_up 1 from {handle.scrape_url}",
            process,
        )
        return handle

    # ---- mariadb

    def start_mariadb(self) -> MariaDB:
        server = tool("mariadbd")
        install_db = tool("mariadb-install-db")
        client = tool("mariadb")
        directory = self._mkdtemp("mariadb")
        datadir = directory / "data"
        sock = directory / "mysqld.sock"
        run_checked(
            [
                install_db,
                "--no-defaults",
                "--user=root",
                f"--datadir={datadir}",
                "--auth-root-authentication-method=socket",
                "--skip-test-db",
                "--skip-name-resolve",
            ],
            "mariadb-install-db",
            timeout_s=120.0,
        )

        def start(port: int) -> ManagedProcess:
            argv = [
                server,
                "--no-defaults",
                "--user=root",
                f"--datadir={datadir}",
                f"--socket={sock}",
                f"--port={port}",
                f"--bind-address={LOOPBACK}",
                "--skip-networking=0",
                f"--pid-file={directory / 'mysqld.pid'}",
                "--skip-name-resolve",
                "--skip-log-bin",
                "--innodb-buffer-pool-size=16M",
                "--innodb-log-file-size=16M",
                "--innodb-flush-log-at-trx-commit=2",
            ]
            return spawn("mariadbd", argv, directory / "mysqld.log")

        def ready(port: int, process: ManagedProcess) -> bool:
            # A MySQL server greets first; a greeting means it accepts connections.
            with socket.create_connection((LOOPBACK, port), timeout=1.0) as conn:
                return len(conn.recv(4)) == 4 and sock.exists()

        port, process = self._start_on_free_port("mariadbd", start, ready)
        password = secrets.token_urlsafe(18)
        handle = MariaDB(
            LOOPBACK,
            port,
            f"{LOOPBACK}:{port}",
            process.pid,
            sock,
            datadir,
            "exporter",
            password,
            f"exporter:{password}@tcp({LOOPBACK}:{port})/",
            client,
        )
        handle.execute(
            f"CREATE USER 'exporter'@'127.0.0.1' IDENTIFIED BY '{password}' WITH MAX_USER_CONNECTIONS 3;"
            "GRANT PROCESS, REPLICATION CLIENT, SLAVE MONITOR, SELECT ON *.* TO 'exporter'@'127.0.0.1';"
        )
        return handle

    def start_mysqld_exporter(self, db: MariaDB, flags: Sequence[str] = ()) -> MysqldExporter:
        binary = tool("prometheus-mysqld-exporter")
        directory = self._mkdtemp("mysqld_exporter")
        my_cnf = directory / "my.cnf"
        my_cnf.touch(mode=0o600)
        my_cnf.write_text(
            f"[client]\nuser={db.exporter_user}\npassword={db.exporter_password}\n"
            f"host={db.host}\nport={db.port}\n"
        )

        def start(port: int) -> ManagedProcess:
            argv = [binary, f"--web.listen-address={LOOPBACK}:{port}", f"--config.my-cnf={my_cnf}", *flags]
            return spawn("mysqld_exporter", argv, directory / "mysqld_exporter.log")

        port, process = self._start_on_free_port(
            "mysqld_exporter", start, self._http_ok(f"http://{LOOPBACK}:{{port}}/metrics")
        )
        address = f"{LOOPBACK}:{port}"
        handle = MysqldExporter(
            LOOPBACK, port, address, process.pid, f"http://{address}/metrics", my_cnf, tuple(flags)
        )
        wait_for(
            lambda: re.search(r"^mysql_up 1$", http_get(handle.metrics_url)[1], re.MULTILINE),
            f"mysql_up 1 from {handle.metrics_url}",
            process,
        )
        return handle

    # ---- postgres

    def start_postgres(self) -> Postgres:
        initdb = tool("initdb")
        server = tool("postgres")
        psql = tool("psql")
        runuser = tool("runuser")
        directory = self._mkdtemp("postgres")
        _make_traversable(directory)
        shutil.chown(directory, "postgres", "postgres")
        directory.chmod(0o700)
        datadir = directory / "data"
        superuser_password = secrets.token_urlsafe(18)
        pwfile = directory / "pwfile"
        pwfile.write_text(superuser_password + "\n")
        shutil.chown(pwfile, "postgres", "postgres")
        pwfile.chmod(0o600)
        run_checked(
            [
                runuser,
                "-u",
                "postgres",
                "--",
                initdb,
                "--pgdata",
                str(datadir),
                "--username=postgres",
                f"--pwfile={pwfile}",
                "--auth-local=peer",
                "--auth-host=scram-sha-256",
                "--no-sync",
                "--no-instructions",
                "--encoding=UTF8",
                "--locale=C",
            ],
            "initdb",
            timeout_s=120.0,
        )
        pwfile.unlink()

        def start(port: int) -> ManagedProcess:
            argv = [
                runuser,
                "-u",
                "postgres",
                "--",
                server,
                "-D",
                str(datadir),
                "-p",
                str(port),
                "-c",
                f"listen_addresses={LOOPBACK}",
                "-c",
                f"unix_socket_directories={directory}",
                "-c",
                "fsync=off",
                "-c",
                "shared_buffers=16MB",
                "-c",
                "logging_collector=off",
            ]
            # SIGINT is Postgres' fast shutdown; SIGTERM would wait for clients to leave.
            return spawn("postgres", argv, directory / "postgres.log", stop_signal=signal.SIGINT)

        def ready(port: int, _process: ManagedProcess) -> bool:
            return (directory / f".s.PGSQL.{port}").exists() and _tcp_open(port)

        port, process = self._start_on_free_port("postgres", start, ready)
        password = secrets.token_urlsafe(18)
        handle = Postgres(
            LOOPBACK,
            port,
            f"{LOOPBACK}:{port}",
            process.pid,
            directory,
            datadir,
            "exporter",
            password,
            f"postgresql://exporter:{password}@{LOOPBACK}:{port}/postgres?sslmode=disable",
            psql,
        )
        wait_for(lambda: handle.execute("SELECT 1").strip() == "1", "postgres to accept queries", process)
        handle.execute(f"CREATE ROLE exporter LOGIN PASSWORD '{password}' IN ROLE pg_monitor")
        return handle

    def start_postgres_exporter(self, db: Postgres, flags: Sequence[str] = ()) -> PostgresExporter:
        binary = tool("prometheus-postgres-exporter")
        directory = self._mkdtemp("postgres_exporter")
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DATA_SOURCE_NAME": db.dsn}

        def start(port: int) -> ManagedProcess:
            argv = [binary, f"--web.listen-address={LOOPBACK}:{port}", *flags]
            return spawn("postgres_exporter", argv, directory / "postgres_exporter.log", env=env)

        port, process = self._start_on_free_port(
            "postgres_exporter", start, self._http_ok(f"http://{LOOPBACK}:{{port}}/metrics")
        )
        address = f"{LOOPBACK}:{port}"
        handle = PostgresExporter(LOOPBACK, port, address, process.pid, f"http://{address}/metrics")
        wait_for(
            lambda: re.search(r"^pg_up 1$", http_get(handle.metrics_url)[1], re.MULTILINE),
            f"pg_up 1 from {handle.metrics_url}",
            process,
        )
        return handle

    # ---- node_exporter

    def start_node_exporter(self, flags: Sequence[str] = ()) -> NodeExporter:
        binary = tool("prometheus-node-exporter")
        directory = self._mkdtemp("node_exporter")
        # An empty textfile directory: Debian's default one may hold the host's own .prom files.
        textfile_dir = directory / "textfile"
        textfile_dir.mkdir()

        def start(port: int) -> ManagedProcess:
            argv = [
                binary,
                f"--web.listen-address={LOOPBACK}:{port}",
                f"--collector.textfile.directory={textfile_dir}",
                *flags,
            ]
            return spawn("node_exporter", argv, directory / "node_exporter.log")

        port, process = self._start_on_free_port(
            "node_exporter", start, self._http_ok(f"http://{LOOPBACK}:{{port}}/metrics")
        )
        address = f"{LOOPBACK}:{port}"
        return NodeExporter(LOOPBACK, port, address, process.pid, f"http://{address}/metrics", textfile_dir)

    # ---- prometheus

    def start_prometheus(
        self, config_yaml: str, rule_files: Mapping[str, str] | None = None, extra_flags: Sequence[str] = ()
    ) -> PrometheusHandle:
        binary = tool("prometheus")
        directory = self._mkdtemp("prometheus")
        config_file = directory / "prometheus.yml"
        config_file.write_text(config_yaml)
        _write_inside(directory, rule_files or {})

        def start(port: int) -> ManagedProcess:
            # Rule file paths in the config resolve against the config file's directory.
            argv = [
                binary,
                f"--config.file={config_file}",
                f"--web.listen-address={LOOPBACK}:{port}",
                f"--storage.tsdb.path={directory / 'data'}",
                "--web.enable-lifecycle",
                *extra_flags,
            ]
            return spawn("prometheus", argv, directory / "prometheus.log", cwd=directory)

        port, process = self._start_on_free_port(
            "prometheus", start, self._http_ok(f"http://{LOOPBACK}:{{port}}/-/ready")
        )
        return PrometheusHandle.on_loopback(port, directory, process, config_file=config_file)

    # ---- VictoriaMetrics, vmalert, Alertmanager

    def start_victoria_metrics(self) -> VictoriaMetricsHandle:
        binary = tool("victoria-metrics")
        directory = self._mkdtemp("victoria_metrics")

        def start(port: int) -> ManagedProcess:
            argv = [
                binary,
                f"-httpListenAddr={LOOPBACK}:{port}",
                f"-storageDataPath={directory / 'data'}",
                # Queries at "now" see samples at once, not 30 s later (the default for lagging writers).
                "-search.latencyOffset=0s",
            ]
            return spawn("victoria-metrics", argv, directory / "victoria-metrics.log")

        port, process = self._start_on_free_port(
            "victoria-metrics", start, self._http_ok(f"http://{LOOPBACK}:{{port}}/health")
        )
        return VictoriaMetricsHandle.on_loopback(port, directory, process)

    def start_vmalert(self, flags: Sequence[str], rule_files: Mapping[str, str]) -> VmalertHandle:
        """vmalert with `flags` (-datasource.url, -notifier.url, -rule, ...) and its listen address.

        Rule files are written relative to vmalert's directory, its working directory, so a relative
        -rule=rules/*.rules.yml finds them."""
        binary = tool("vmalert")
        directory = self._mkdtemp("vmalert")
        _write_inside(directory, rule_files)

        def start(port: int) -> ManagedProcess:
            argv = [binary, f"-httpListenAddr={LOOPBACK}:{port}", *flags]
            return spawn("vmalert", argv, directory / "vmalert.log", cwd=directory)

        port, process = self._start_on_free_port(
            "vmalert", start, self._http_ok(f"http://{LOOPBACK}:{{port}}/health")
        )
        return VmalertHandle.on_loopback(port, directory, process)

    def start_alertmanager(self, config_yaml: str) -> AlertmanagerHandle:
        binary = tool("prometheus-alertmanager")
        directory = self._mkdtemp("alertmanager")
        config_file = directory / "alertmanager.yml"
        config_file.write_text(config_yaml)

        def start(port: int) -> ManagedProcess:
            argv = [
                binary,
                f"--config.file={config_file}",
                f"--storage.path={directory / 'data'}",
                f"--web.listen-address={LOOPBACK}:{port}",
                "--cluster.listen-address=",
            ]
            return spawn("alertmanager", argv, directory / "alertmanager.log")

        port, process = self._start_on_free_port(
            "alertmanager", start, self._http_ok(f"http://{LOOPBACK}:{{port}}/-/ready")
        )
        return AlertmanagerHandle.on_loopback(port, directory, process)


def _write_inside(directory: Path, files: Mapping[str, str]) -> None:
    for relative, text in files.items():
        target = (directory / relative).resolve()
        if directory.resolve() not in target.parents:
            raise ValueError(f"file {relative!r} must stay inside {directory}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)


# Collector flags of mysqld_exporter 0.14 used by the fixture and the catalog: its default set, spelled
# out so a change of defaults in a later version does not silently change what the catalog describes.
MYSQLD_EXPORTER_FLAGS: tuple[str, ...] = (
    "--collect.global_status",
    "--collect.global_variables",
    "--collect.slave_status",
    "--collect.info_schema.innodb_cmp",
    "--collect.info_schema.innodb_cmpmem",
    "--collect.info_schema.query_response_time",
)
