#!/usr/bin/env bash
# Installs the system packages the test suite needs when they are missing (Debian; root or sudo).
#   redis-server: the many-replicas tests start a real one (tests/support/redis_server.py);
#                 under CI=true they fail rather than skip when it is missing.
set -euo pipefail
need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
if [ ${#need[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "missing system packages: ${need[*]}; install them with your package manager" >&2
    exit 1
  fi
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "installing system packages: ${need[*]}" >&2
  $SUDO apt-get update -qq >&2
  # The package's service is not needed (the tests start their own server on a free port);
  # in containers its start-up is refused by policy-rc.d, which is harmless.
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
fi
command -v redis-server >/dev/null 2>&1 || { echo "redis-server is still missing" >&2; exit 1; }
