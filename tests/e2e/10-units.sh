#!/usr/bin/env bash
# systemd units and default config: verify, security exposure, config keys (packaging/check-units.sh).
exec bash "$(dirname "$0")/../../packaging/check-units.sh"
