#!/usr/bin/env bash
# Idempotent set-up on a fresh Debian machine.
#   scripts/setup.sh python   -> .venv with the pinned Python dependencies and the `mac` command
#   scripts/setup.sh all      -> the above, plus the Debian packages the integration tests start
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-python}"

debian_packages=(
  prometheus prometheus-alertmanager prometheus-node-exporter prometheus-mysqld-exporter
  prometheus-redis-exporter prometheus-postgres-exporter redis-server mariadb-server postgresql
  hyperfine victoria-metrics chromium
)

install_debian_packages() {
  local missing=()
  for pkg in "${debian_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    return
  fi
  echo "setup: installing Debian packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  # Packages must not start their daemons on install: tests start their own on loopback.
  printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
  $sudo chmod +x /usr/sbin/policy-rc.d
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

install_python() {
  if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
  fi
  # pyproject.toml too: the `mac` console script is written from its [project.scripts].
  if ! cat requirements.lock pyproject.toml | cmp -s - .venv/.requirements.lock; then
    echo "setup: installing pinned Python dependencies into .venv"
    .venv/bin/pip install -q --disable-pip-version-check -r requirements.lock 2>&1 | grep -v '^WARNING: Location' || true
    # compat mode is a plain path entry: no import-hook finder to load at every start of `mac`.
    .venv/bin/pip install -q --disable-pip-version-check --no-deps -e . --config-settings editable_mode=compat 2>&1 | grep -v '^WARNING: Location' || true
    cat requirements.lock pyproject.toml > .venv/.requirements.lock
  fi
  # Bytecode for our own packages, as pip writes it for installed ones: with PYTHONDONTWRITEBYTECODE
  # set, every `mac` run would otherwise compile them from source (most of a small lint's time).
  .venv/bin/python -m compileall -q cli monitoring dashboards >/dev/null
}

case "$mode" in
  python) install_python ;;
  all) install_debian_packages; install_python ;;
  *) echo "usage: scripts/setup.sh [python|all]" >&2; exit 2 ;;
esac
