#!/usr/bin/env bash
# The Debian package under a real systemd in a container (packaging/e2e-systemd.sh): installed from a
# signed APT repository on the container's loopback, upgraded to a higher version, purged. SKIPs (exit 0,
# reason printed) without root or when systemd-nspawn/debootstrap cannot be installed.
exec bash "$(dirname "$0")/../../packaging/e2e-systemd.sh"
