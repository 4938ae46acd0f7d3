"""Alertmanager routing checked with Debian's amtool."""

from __future__ import annotations

import contextlib
import copy
import json
import subprocess
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from monitoring.generate.alertmanager import alertmanager_config
from monitoring.inventory.build import load_inventory
from monitoring.model import SEVERITIES
from monitoring.problems import InputError
from tests.helpers import REPO
from tests.servers import LOOPBACK, ServerStartError, free_port, http_get, spawn, tool, wait_for

CONFIG = REPO / "generated" / "alertmanager" / "alertmanager.yml"


def _amtool(*args: str) -> str:
    result = subprocess.run([tool("amtool"), *args], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip()


@pytest.mark.integration
def test_amtool_accepts_config() -> None:
    assert "SUCCESS" in _amtool("check-config", str(CONFIG))


@pytest.mark.integration
@pytest.mark.parametrize(
    ("labels", "receiver"),
    [
        (("domain=sales", "severity=critical"), "sales-eng-page"),
        (("domain=sales", "severity=warning"), "sales-eng"),
        (("domain=operations", "severity=critical"), "ops-eng"),
        (("domain=platform", "severity=critical"), "platform-sre-page"),
        (("domain=unknown", "severity=critical"), "platform-sre"),
    ],
)
def test_routes_by_domain_and_severity(labels: tuple[str, ...], receiver: str) -> None:
    assert _amtool("config", "routes", "test", f"--config.file={CONFIG}", *labels) == receiver


def test_secrets_only_by_file_reference() -> None:
    text = CONFIG.read_text()
    assert "api_url_file:" in text and "routing_key_file:" in text
    for inline in ("api_url:", "routing_key:", "service_key:", "auth_password:"):
        assert inline not in text


EVERY_RECEIVER: dict[str, Any] = {
    "settings": {
        "organization": "acme",
        "environment": "test",
        "region": "us-east-1",
        "alertmanager": {
            "default_receiver": "ops",
            "smtp": {
                "smarthost": "smtp.example.com:587",
                "from": "alerts@example.com",
                "auth_username": "alerts",
                "auth_password_file": "/etc/alertmanager/secrets/smtp-password",
            },
            "receivers": [
                {
                    "name": "ops",
                    "slack_channel": "#ops",
                    "slack_api_url_file": "/etc/alertmanager/secrets/slack",
                    "pagerduty_routing_key_file": "/etc/alertmanager/secrets/pagerduty",
                },
                {"name": "mail", "email_to": "oncall@example.com"},
                {"name": "hook", "webhook_url": "https://hooks.example.com/alerts"},
                {"name": "quiet"},
            ],
        },
    },
    "domains": [
        {"name": name, "team": f"{name}-eng", "receiver": name} for name in ("ops", "mail", "hook", "quiet")
    ],
    "services": [
        {"kind": "redis", "name": f"cache-{name}", "domain": name, "endpoint": f"cache-{name}.internal:6379"}
        for name in ("ops", "mail", "hook", "quiet")
    ],
}


def _written_config(raw: Mapping[str, Any], tmp_path: Path) -> Path:
    (tmp_path / "inventory").mkdir()
    (tmp_path / "inventory" / "inventory.yaml").write_text(yaml.safe_dump(raw))
    [artifact] = alertmanager_config(load_inventory(tmp_path / "inventory"))
    path = tmp_path / "alertmanager.yml"
    path.write_bytes(artifact.render())
    return path


@pytest.mark.integration
def test_every_receiver_type_passes_amtool(tmp_path: Path) -> None:
    config = _written_config(EVERY_RECEIVER, tmp_path)
    assert "SUCCESS" in _amtool("check-config", str(config))
    data = yaml.safe_load(config.read_text())
    kinds = {key for r in data["receivers"] for key in r if key.endswith("_configs")}
    assert kinds == {"slack_configs", "pagerduty_configs", "email_configs", "webhook_configs"}
    assert data["global"]["smtp_auth_password_file"] == "/etc/alertmanager/secrets/smtp-password"
    assert "smtp_auth_password:" not in config.read_text()
    for labels, receiver in (
        (("domain=mail",), "mail"),
        (("domain=hook",), "hook"),
        (("domain=quiet",), "quiet"),
        (("domain=ops", "severity=critical"), "ops-page"),
    ):
        assert _amtool("config", "routes", "test", f"--config.file={config}", *labels) == receiver


def test_pagerduty_events_carry_the_alert_severity(tmp_path: Path) -> None:
    data = yaml.safe_load(_written_config(EVERY_RECEIVER, tmp_path).read_text())
    [page] = [r for r in data["receivers"] if r["name"] == "ops-page"]
    [pagerduty] = page["pagerduty_configs"]
    assert pagerduty["severity"] == '{{ or .CommonLabels.severity "error" }}'
    assert set(SEVERITIES) <= {"critical", "error", "warning", "info"}


def test_an_email_receiver_without_smtp_is_a_located_error(tmp_path: Path) -> None:
    raw = copy.deepcopy(EVERY_RECEIVER)
    del raw["settings"]["alertmanager"]["smtp"]
    with pytest.raises(InputError) as raised:
        _written_config(raw, tmp_path)
    [problem] = raised.value.problems
    assert problem.check == "inventory/smtp-missing"
    assert "receiver 'mail'" in problem.message and problem.location.line > 1


def _absent_alerts() -> list[dict[str, Any]]:
    rules = []
    for path in sorted((REPO / "generated" / "prometheus" / "rules").glob("*.rules.yml")):
        for group in yaml.safe_load(path.read_text("utf-8"))["groups"]:
            rules += [r for r in group["rules"] if str(r.get("expr", "")).startswith("absent(")]
    return rules


@pytest.mark.integration
def test_absent_alerts_reach_their_domain_without_a_service_label() -> None:
    """NoTargets alerts carry no service (absent() has none): they route like the domain's own alerts."""
    inventory = load_inventory(REPO / "inventory")
    alerts = _absent_alerts()
    assert alerts
    for rule in alerts:
        labels = rule["labels"]
        assert "service" not in labels
        service = next(s for s in inventory.services if s.domain == labels["domain"])
        own = [f"{name}={value}" for name, value in sorted(labels.items())]
        like = [f"domain={service.domain}", f"service={service.name}", f"severity={labels['severity']}"]
        route = ("config", "routes", "test", f"--config.file={CONFIG}")
        assert _amtool(*route, f"alertname={rule['alert']}", *own) == _amtool(*route, *like), rule["alert"]


def _mysql(name: str, domain: str, **extra: Any) -> dict[str, Any]:
    return {"kind": "mysql", "name": name, "domain": domain, "endpoint": f"{name}.internal:3306", **extra}


NIGHTLY = {"times": [{"start_time": "02:00", "end_time": "04:00"}], "location": "Europe/Berlin"}
PATCH_SUNDAY = {"weekdays": ["sunday"], "months": ["january:march"], "days_of_month": ["1:7"]}
MAINTAINED: dict[str, Any] = {
    "settings": {
        "organization": "acme",
        "environment": "test",
        "region": "us-east-1",
        "alertmanager": {
            "default_receiver": "shop",
            "receivers": [
                {"name": "shop", "pagerduty_routing_key_file": "/etc/alertmanager/secrets/pagerduty"},
                {"name": "lab", "webhook_url": "http://127.0.0.1:9/hook"},
            ],
        },
    },
    "domains": [
        {"name": "shop", "team": "shop-eng", "receiver": "shop", "maintenance": [NIGHTLY]},
        {"name": "lab", "team": "lab-eng", "receiver": "lab"},
    ],
    "services": [
        _mysql("orders", "shop", maintenance=[PATCH_SUNDAY]),
        _mysql("billing", "shop"),
        _mysql("sandbox", "lab", maintenance=[{"weekdays": ["saturday", "sunday"], "years": ["2026:2027"]}]),
    ],
}


@pytest.mark.integration
def test_maintenance_windows_mute_the_routes_of_their_scope(tmp_path: Path) -> None:
    config = _written_config(MAINTAINED, tmp_path)
    assert "SUCCESS" in _amtool("check-config", str(config))
    data = yaml.safe_load(config.read_text())
    assert {i["name"]: i["time_intervals"] for i in data["time_intervals"]} == {
        "domain-shop-maintenance": [NIGHTLY],
        "service-orders-maintenance": [PATCH_SUNDAY],
        "service-sandbox-maintenance": [{"weekdays": ["saturday", "sunday"], "years": ["2026:2027"]}],
    }

    def muted(route: dict[str, Any]) -> list[tuple[str, tuple[str, ...]]]:
        own = (route["matchers"][0], tuple(route.get("mute_time_intervals", ())))
        return [own, *(m for child in route.get("routes", ()) for m in muted(child))]

    [lab, shop] = data["route"]["routes"]
    shop_only = ("domain-shop-maintenance",)
    orders = (*shop_only, "service-orders-maintenance")
    assert muted(shop) == [
        ('domain="shop"', shop_only),
        ('service="orders"', orders),
        ('severity="critical"', orders),
        ('severity="critical"', shop_only),
    ]
    assert muted(lab) == [('domain="lab"', ()), ('service="sandbox"', ("service-sandbox-maintenance",))]
    for labels, receiver in (
        (("domain=shop", "service=orders", "severity=critical"), "shop-page"),
        (("domain=shop", "service=orders", "severity=warning"), "shop"),
        (("domain=shop", "service=billing", "severity=critical"), "shop-page"),
        (("domain=lab", "service=sandbox", "severity=critical"), "lab"),
    ):
        assert _amtool("config", "routes", "test", f"--config.file={config}", *labels) == receiver


@pytest.mark.parametrize(
    ("window", "message"),
    [
        ({"location": "Europe/Berlinn"}, "unknown time zone 'Europe/Berlinn'"),
        ({"weekdays": ["saturday:sunday"]}, "weekdays range 'saturday:sunday' runs backwards"),
        ({"months": ["december:january"]}, "months range 'december:january' runs backwards"),
        ({"days_of_month": ["-1:-7"]}, "days_of_month range '-1:-7' runs backwards"),
        (
            {"times": [{"start_time": "22:00", "end_time": "02:00"}]},
            "end_time 02:00 is not after start_time 22:00",
        ),
    ],
)
def test_a_window_alertmanager_would_refuse_is_a_located_error(
    tmp_path: Path, window: dict[str, Any], message: str
) -> None:
    raw = copy.deepcopy(MAINTAINED)
    raw["services"][1]["maintenance"] = [window]
    with pytest.raises(InputError) as raised:
        _written_config(raw, tmp_path)
    [problem] = raised.value.problems
    assert problem.check == "inventory/maintenance-window" and message in problem.message
    assert problem.location.line > 1


def _post_alerts(url: str, alerts: list[dict[str, str]]) -> None:
    body = json.dumps([{"labels": labels} for labels in alerts]).encode()
    request = urllib.request.Request(
        f"{url}/api/v2/alerts", data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


@pytest.mark.integration
def test_inhibition_on_a_real_alertmanager(tmp_path: Path) -> None:
    """Critical silences warning on its service (per instance, or any instance for alerts without
    one), a target that is down every other alert of its service; other services keep theirs."""
    config = _written_config(MAINTAINED, tmp_path)
    port = free_port()
    url = f"http://{LOOPBACK}:{port}"
    server = spawn(
        "alertmanager",
        [
            tool("prometheus-alertmanager"),
            f"--config.file={config}",
            f"--storage.path={tmp_path / 'data'}",
            f"--web.listen-address={LOOPBACK}:{port}",
            "--cluster.listen-address=",
        ],
        tmp_path / "alertmanager.log",
    )
    try:
        wait_for(lambda: http_get(f"{url}/-/ready")[0] == 200, "alertmanager ready", server)
        shop = {"domain": "shop", "team": "shop-eng"}
        alerts = {
            "down": {
                **shop,
                "alertname": "MysqlDown",
                "severity": "critical",
                "service": "orders",
                "instance": "orders",
            },
            "aggregated warning": {
                **shop,
                "alertname": "MysqlConnectionsHigh",
                "severity": "warning",
                "service": "orders",
            },
            "other service": {
                **shop,
                "alertname": "MysqlConnectionsHigh",
                "severity": "warning",
                "service": "billing",
            },
            "target down": {
                **shop,
                "alertname": "MysqlTargetDown",
                "severity": "critical",
                "service": "billing",
                "instance": "billing",
            },
            "critical behind it": {
                **shop,
                "alertname": "MysqlReplicationBroken",
                "severity": "critical",
                "service": "billing",
                "instance": "billing",
            },
            "warning, one instance": {
                **shop,
                "alertname": "X",
                "severity": "critical",
                "service": "web",
                "instance": "i-1",
            },
            "warning, another instance": {
                **shop,
                "alertname": "Y",
                "severity": "warning",
                "service": "web",
                "instance": "i-2",
            },
        }
        _post_alerts(url, list(alerts.values()))

        expected = {
            "down": False,
            "aggregated warning": True,
            "other service": True,
            "target down": False,
            "critical behind it": True,
            "warning, one instance": False,
            "warning, another instance": False,
        }
        seen: dict[str, bool] = {}

        def settled() -> bool:
            # The inhibitor takes in new source alerts asynchronously: poll until it has them all.
            listed = json.loads(http_get(f"{url}/api/v2/alerts")[1])
            inhibited = {tuple(sorted(a["labels"].items())): bool(a["status"]["inhibitedBy"]) for a in listed}
            seen.clear()
            seen.update(
                {name: inhibited.get(tuple(sorted(labels.items())), False) for name, labels in alerts.items()}
            )
            return seen == expected

        with contextlib.suppress(ServerStartError):
            wait_for(settled, "inhibitions", server, timeout_s=20)
        assert seen == expected
    finally:
        server.stop()
