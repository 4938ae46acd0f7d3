"""Alertmanager routing checked with Debian's amtool."""

from __future__ import annotations

import subprocess

import pytest

from tests.helpers import REPO
from tests.servers import tool

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
