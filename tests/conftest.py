"""Session-scoped real servers on loopback, each started on first use and stopped at session end."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

# Registered here, once: a session fixture imported into each test module is one per module (a
# moto server each, started cold).
from tests.aws_fixtures import moto, moto_server  # noqa: F401 (fixtures)
from tests.servers import (
    MYSQLD_EXPORTER_FLAGS,
    MariaDB,
    MysqldExporter,
    NodeExporter,
    Postgres,
    PostgresExporter,
    PrometheusFactory,
    PrometheusHandle,
    RedisExporter,
    RedisServer,
    ServerPool,
)

TESTS = Path(__file__).resolve().parent


def pytest_collection_finish(session: pytest.Session) -> None:
    """A test helper imported under a second name (`servers` beside `tests.servers`) is a second
    copy with its own state: refuse the run."""
    twice = sorted(
        name
        for name, module in list(sys.modules.items())
        if not name.startswith("tests")
        and (file := getattr(module, "__file__", None))
        and Path(file).resolve().parent == TESTS
    )
    if twice:
        raise pytest.UsageError(f"test modules imported outside the tests package: {', '.join(twice)}")


@pytest.fixture(scope="session")
def server_pool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerPool]:
    pool = ServerPool(lambda name: tmp_path_factory.mktemp(name))
    yield pool
    pool.stop_all()


@pytest.fixture(scope="session")
def redis_server(server_pool: ServerPool) -> RedisServer:
    return server_pool.start_redis()


@pytest.fixture(scope="session")
def redis_exporter(server_pool: ServerPool, redis_server: RedisServer) -> RedisExporter:
    return server_pool.start_redis_exporter(redis_server)


@pytest.fixture(scope="session")
def mariadb(server_pool: ServerPool) -> MariaDB:
    return server_pool.start_mariadb()


@pytest.fixture(scope="session")
def mysqld_exporter(server_pool: ServerPool, mariadb: MariaDB) -> MysqldExporter:
    return server_pool.start_mysqld_exporter(mariadb, MYSQLD_EXPORTER_FLAGS)


@pytest.fixture(scope="session")
def postgres(server_pool: ServerPool) -> Postgres:
    return server_pool.start_postgres()


@pytest.fixture(scope="session")
def postgres_exporter(server_pool: ServerPool, postgres: Postgres) -> PostgresExporter:
    return server_pool.start_postgres_exporter(postgres)


@pytest.fixture(scope="session")
def node_exporter(server_pool: ServerPool) -> NodeExporter:
    return server_pool.start_node_exporter()


@pytest.fixture(scope="module")
def prometheus_factory(server_pool: ServerPool) -> Iterator[PrometheusFactory]:
    """`start(config_yaml_text, rule_files=None)`: a new Prometheus per call, stopped when the
    module's tests are done (left running, it would scrape and evaluate for the rest of the session)."""
    started: list[PrometheusHandle] = []

    def start(config_yaml_text: str, rule_files: Mapping[str, str] | None = None) -> PrometheusHandle:
        started.append(server_pool.start_prometheus(config_yaml_text, rule_files))
        return started[-1]

    yield start
    for prometheus in reversed(started):
        prometheus.stop()
