#!/usr/bin/env bash
# npm's pretest step (and, with the argument `influxd`, npm run demo's): the integration tests start a throw-away InfluxDB 1.x (`influxd`) on loopback and
# render the HTML report in headless Chromium, and fail loudly without them, so install them first (as root).
set -euo pipefail

ensure_influxd() {
if command -v influxd >/dev/null 2>&1; then
  return 0
fi

echo "influxd is missing: installing Debian's influxdb package (the tests start a throw-away InfluxDB 1.6.7 on loopback)" >&2

explain_and_fail() {
  cat >&2 <<'EOF'
Could not install influxd. Install it yourself, then run the tests again:
  sudo apt-get update && sudo apt-get install -y influxdb     # Debian/Ubuntu: InfluxDB 1.x
or put any InfluxDB 1.x `influxd` binary on PATH.
EOF
  exit 1
}

# True when something accepts TCP connections on 127.0.0.1:8086 (the package's default port).
default_port_in_use() {
  (exec 3<>/dev/tcp/127.0.0.1/8086) 2>/dev/null
}

if [[ "$(id -u)" -ne 0 ]]; then
  echo "Not running as root, so not installing it." >&2
  explain_and_fail
fi

# Only refresh the package lists when apt knows no installable influxdb yet.
if ! apt-cache policy influxdb 2>/dev/null | grep -Eq 'Candidate: [^(]'; then
  apt-get update -qq || explain_and_fail
fi

port_was_busy=false
if default_port_in_use; then port_was_busy=true; fi

DEBIAN_FRONTEND=noninteractive apt-get install -y -qq influxdb >&2 || explain_and_fail

# The package may start a system-wide influxd; the tests run their own, so stop that one (best effort:
# containers often have neither systemd nor service scripts).
systemctl stop influxdb >/dev/null 2>&1 || true
systemctl disable influxdb >/dev/null 2>&1 || true
service influxdb stop >/dev/null 2>&1 || true
if [[ "$port_was_busy" == false ]] && default_port_in_use; then
  # Port 8086 was free before the install, so whatever influxd listens there now came with the package.
  pkill -x influxd || true
fi

command -v influxd >/dev/null 2>&1 || explain_and_fail
}

ensure_influxd
# `ensure-test-deps.sh influxd`: only InfluxDB (npm run demo needs nothing else).
if [[ "${1:-}" == "influxd" ]]; then exit 0; fi

# The HTML report is rendered in headless Chromium by one test: Debian's package, never a downloaded browser.
if ! command -v chromium >/dev/null 2>&1; then
  echo "chromium is missing: installing Debian's chromium package (a test renders the HTML report in it)" >&2
  if [[ "$(id -u)" -ne 0 ]]; then
    echo "Not running as root: install it with 'sudo apt-get install -y chromium', then run the tests again." >&2
    exit 1
  fi
  if ! apt-cache policy chromium 2>/dev/null | grep -Eq 'Candidate: [^(]'; then apt-get update -qq; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
fi
