#!/usr/bin/env bash
# Installs the Debian packages the test suite runs for real, so that the same software runs in the
# tests as in the cluster: nginx (the gateway), mtail (the gateway's log-based metrics), Prometheus
# and promtool (scraping, PromQL gates, rule tests), Alertmanager's amtool (config checks),
# PostgreSQL (data cutover over logical replication) and Redis (session and job keys), and the
# exporters the monitoring stack runs in the cluster: node-exporter, postgres_exporter,
# redis_exporter and the Pushgateway the switch reports its step to.
# Idempotent: does nothing when they are already there. Services the packages would start are
# stopped: every test starts its own instance on loopback.
set -euo pipefail
declare -A binary_of=(
  [nginx]=/usr/sbin/nginx
  [mtail]=/usr/bin/mtail
  [prometheus]=/usr/bin/promtool
  [prometheus-alertmanager]=/usr/bin/amtool
  [postgresql]=/usr/bin/pg_ctlcluster
  [redis-server]=/usr/bin/redis-server
  [prometheus-node-exporter]=/usr/bin/prometheus-node-exporter
  [prometheus-postgres-exporter]=/usr/bin/prometheus-postgres-exporter
  [prometheus-redis-exporter]=/usr/bin/prometheus-redis-exporter
  [prometheus-pushgateway]=/usr/bin/prometheus-pushgateway
)
missing=()
for package in "${!binary_of[@]}"; do
  [ -x "${binary_of[$package]}" ] || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "missing Debian packages: ${missing[*]} (run: sudo apt-get update && sudo apt-get install -y ${missing[*]})" >&2
  exit 1
fi
echo "installing Debian packages: ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Where an init system exists the packages start system services on fixed ports; tests run their own.
for service in nginx prometheus prometheus-alertmanager postgresql redis-server mtail \
  prometheus-node-exporter prometheus-postgres-exporter prometheus-redis-exporter prometheus-pushgateway; do
  service "$service" stop >/dev/null 2>&1 || true
done
