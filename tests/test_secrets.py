"""Secrets are refused in the inventory (located, redacted) and caught in rendered output before a write."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli
from monitoring.artifacts import Artifact
from monitoring.generate import GENERATORS
from monitoring.inventory.loader import load_documents
from monitoring.problems import Location, Problem
from monitoring.secrets import check_artifact_secrets, redact, refuse_secrets
from tests.helpers import REPO, run_mac

INVALID = REPO / "tests" / "fixtures" / "inventory" / "invalid"
VALID = REPO / "tests" / "fixtures" / "inventory" / "valid"

# Each fixture's secrets: none may appear in what `mac validate` prints, in any format.
FIXTURE_SECRETS = {
    "secret-slack-webhook-url": ["T01ABCDEF/B02GHIJKL/x9Y8z7W6v5U4t3S2r1Q0p9O8"],
    "secret-webhook-url-token-query": ["f3a9c2e71b4d8a6f"],
    "secret-routing-key-in-file-field": ["4f7a2c9e1b8d3f6a0c5e7b9d2a4f6c8e"],
    "secret-relative-file-path": ["secrets/slack-api-url"],
    "secret-password-in-env-field": ["S3cr3t-Passw0rd!"],
    "secret-grafana-url-userinfo": ["Grafana-Adm1n"],
    "secret-datasource-url-password-query": ["pgPass-2024x"],
    "secret-api-key-label": [
        "8d41f0c2a7e9b3d5",
        "AKIAIOSFODNN7EXAMPLE",
        "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
    ],
    "secret-token-shapes": [
        "glpat-Xy9Zw8Vu7Ts6Rq5Po4Nm",
        "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzaG9wIn0.c2lnbmF0dXJlLXNob3A",
    ],
}


def test_every_secret_fixture_is_listed() -> None:
    assert sorted(FIXTURE_SECRETS) == sorted(p.name for p in INVALID.glob("secret-*"))


@pytest.mark.parametrize("case", sorted(FIXTURE_SECRETS))
@pytest.mark.parametrize("output_format", ["text", "json", "github"])
def test_validate_refuses_secret_without_echoing_it(case: str, output_format: str) -> None:
    result = run_mac("validate", "--inventory", ".", "--format", output_format, cwd=INVALID / case)
    assert result.returncode == 2, result.stderr
    printed = result.stdout + result.stderr
    assert "secrets must not be in the inventory" in printed
    for secret in FIXTURE_SECRETS[case]:
        assert secret not in printed
        # Not even the part after the 4 characters shown.
        assert secret[4:] not in printed


def test_each_refusal_is_located_at_the_value() -> None:
    problems = refuse_secrets(load_documents(INVALID / "secret-api-key-label"), [])
    located = {(p.location.line, p.location.col): p.message.split(":")[0] for p in problems}
    assert located == {
        (9, 14): "settings.labels.api_key",
        (15, 14): "domains[0].labels.owner",
        (22, 15): "services[0].labels.notify",
    }
    assert all(p.hint for p in problems)


def test_other_problems_are_scrubbed_and_the_one_at_the_secret_dropped() -> None:
    docs = load_documents(INVALID / "secret-password-in-env-field")
    secret = "S3cr3t-Passw0rd!"
    spot = Location(docs[0].path, 16, 23)
    schema_like = [
        Problem(spot, f"password_env: {secret!r} does not match '^[A-Z][A-Z0-9_]*$'"),
        Problem(Location(docs[0].path, 12, 9), f"datasources[0]: {{'password_env': {secret!r}}} is invalid"),
    ]
    problems = refuse_secrets(docs, schema_like)
    assert [p for p in problems if p.location == spot and "does not match" in p.message] == []
    assert all(secret not in p.message for p in problems)
    assert any(p.location.line == 12 and redact(secret) in p.message for p in problems)


def test_env_name_must_match_in_full() -> None:
    """A trailing newline passes `^...$` with re.search; the env check must not let it through."""
    problems = refuse_secrets(load_documents(INVALID / "secret-password-in-env-field"), [])
    assert [p.location.line for p in problems] == [16, 22]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("uid", "df8o21agxtkw0d"),
        ("uid", "cloudwatch-us-east-1"),
        ("critical", "arn:aws:sns:us-east-1:123456789012:sales-critical"),
        ("endpoint", "luckyus-shopsale.x7k2pq.ng.0001.use1.cache.amazonaws.com:6379"),
        ("url", "aws-luckyus-ldas-rw.c9akciq32xyz.us-east-1.rds.amazonaws.com:3306"),
        ("runbook_url", "https://runbooks.luckyus.example/{kind}#{alertname}"),
        ("url", "https://grafana.example.com/d/abc?orgId=1&var-service={name}&key={key}"),
        ("password_env", "GRAFANA_MYSQL_LDAS_PASSWORD"),
        ("bearer_token_file", "/var/run/secrets/kubernetes.io/serviceaccount/token"),
        ("description", "uses bearer authentication against the API gateway"),
        ("description", "Redis keys without TTL: 2.69M; token bucket rate limiter"),
        ("password", "$__env{GRAFANA_PASSWORD}"),
        ("team", "ASIAPACIFIC-operations"),
    ],
)
def test_ordinary_values_pass(tmp_path: Path, field: str, value: str) -> None:
    (tmp_path / "inventory.yaml").write_text(f"settings:\n  x:\n    {field}: {value!r}\n")
    assert refuse_secrets(load_documents(tmp_path), []) == []


def test_bundled_inventory_has_no_secret() -> None:
    assert refuse_secrets(load_documents(REPO / "inventory"), []) == []


# One generated-file line per placement and token shape: (path, rendered line, secret).
LEAKS = [
    (
        "alertmanager/alertmanager.yml",
        "  - url: https://hooks.slack.com/services/T01/B02/x9Y8z7W6v5U4",
        "x9Y8z7W6v5U4",
    ),
    (
        "alertmanager/alertmanager.yml",
        "    url: https://alerts.example.com/hook?token=f3a9c2e71b4d",
        "f3a9c2e71b4d",
    ),
    (
        "alertmanager/alertmanager.yml",
        "  - routing_key_file: 4f7a2c9e1b8d3f6a0c5e7b9d2a4f6c8e",
        "4f7a2c9e1b8d3f6a0c5e7b9d2a4f6c8e",
    ),
    (
        "alertmanager/alertmanager.yml",
        "  - routing_key: 4f7a2c9e1b8d3f6a0c5e7b9d2a4f6c8e",
        "4f7a2c9e1b8d3f6a0c5e7b9d2a4f6c8e",
    ),
    (
        "grafana/provisioning/datasources/datasources.yaml",
        "    password: S3cr3t-Passw0rd!",
        "S3cr3t-Passw0rd!",
    ),
    (
        "prometheus/rules/redis.rules.yml",
        "      dashboard: https://admin:Grafana-Adm1n@grafana.example.com/d/redis",
        "Grafana-Adm1n",
    ),
    (
        "grafana/provisioning/datasources/datasources.yaml",
        "  url: shop-pg.example.com:5432?sslmode=require&password=pgPass-2024x",
        "pgPass-2024x",
    ),
    ("prometheus/prometheus.yml", "      api_key: 8d41f0c2a7e9b3d5", "8d41f0c2a7e9b3d5"),
    (
        "cloudwatch/alarms.json",
        '  "owner": {"AlarmDescription": "AKIAIOSFODNN7EXAMPLE"},',
        "AKIAIOSFODNN7EXAMPLE",
    ),
    (
        "prometheus/rules/redis.rules.yml",
        "      notify: xoxb-123456789012-AbCdEfGhIjKl",
        "xoxb-123456789012-AbCdEfGhIjKl",
    ),
    (
        "COVERAGE.md",
        "runbook: https://x.example/?access_token=glpat-Xy9Zw8Vu7Ts6Rq5Po4Nm",
        "glpat-Xy9Zw8Vu7Ts6Rq5Po4Nm",
    ),
    (
        "prometheus/prometheus.yml",
        "      ci: ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8",
        "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8",
    ),
    (
        "grafana/dashboards/fleet/luckyus-redis.json",
        '  "description": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzaG9wIn0.c2lnbmF0dXJlLXNob3A",',
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzaG9wIn0.c2lnbmF0dXJlLXNob3A",
    ),
    ("prometheus/prometheus.yml", "      Authorization: Bearer 9f8e7d6c5b4a3f2e1d0c", "9f8e7d6c5b4a3f2e1d0c"),
    (
        "grafana/dashboards/fleet/luckyus-redis.json",
        '  "secureJsonData": {"password": "hunter2-x"}',
        "hunter2-x",
    ),
    ("prometheus/prometheus.yml", "-----BEGIN RSA PRIVATE KEY-----", "-----BEGIN RSA PRIVATE KEY-----"),
]


@pytest.mark.parametrize(("path", "line", "secret"), LEAKS)
def test_output_scan_finds_each_placement(path: str, line: str, secret: str) -> None:
    text = f"# Generated by `mac generate`\nfirst: line\n{line}\nlast: line\n"
    [problem] = check_artifact_secrets(Artifact(path, text, "text"))
    finding = str(problem)
    assert (problem.check, finding.startswith(f"{path}:3: ")) == ("secrets/output-secret", True), finding
    assert problem.message.endswith(" would be written") and problem.hint
    assert secret not in finding and secret[4:] not in finding


def test_output_scan_passes_the_bundled_output() -> None:
    files = [p for p in (REPO / "generated").rglob("*") if p.is_file()]
    assert len(files) > 30
    for path in files:
        artifact = Artifact(path.relative_to(REPO / "generated").as_posix(), path.read_text("utf-8"), "text")
        assert check_artifact_secrets(artifact) == [], path


def _leaky(path: str) -> list[Artifact]:
    receiver = {
        "name": "x",
        "slack_configs": [{"api_url": "https://hooks.slack.com/services/T1/B2/s3cr3tv4lue"}],
    }
    return [Artifact(path, {"receivers": [receiver]}, "yaml")]


def leaky_alertmanager(inventory: object) -> list[Artifact]:
    return _leaky("alertmanager/alertmanager.yml")


def leaky_grafana(inventory: object) -> list[Artifact]:
    return _leaky("grafana/provisioning/datasources/datasources.yaml")


@pytest.mark.parametrize(
    ("family", "path"),
    [
        ("alertmanager", "alertmanager/alertmanager.yml"),
        ("grafana", "grafana/provisioning/datasources/datasources.yaml"),
    ],
)
@pytest.mark.parametrize("mode", ["--parallel", "--serial"])
def test_generate_refuses_to_write_a_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str, family: str, path: str
) -> None:
    """A generator bug that leaks a secret stops the write: exit 1, nothing written, located and
    redacted, in the parent process and in the forked worker (grafana)."""
    monkeypatch.setitem(GENERATORS, family, f"{__name__}:leaky_{family}")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["generate", "-i", str(VALID / "minimal"), "--out", str(out), mode])
    assert result.exit_code == 1, result.output
    assert (
        f"{path}:5: error: a Slack webhook URL (hook…) would be written [secrets/output-secret]"
        in result.output
    )
    assert "s3cr3tv4lue" not in result.output
    assert not out.exists()
