#!/usr/bin/env bash
# Per-call latency of `fastintercom proxy` in each branch of its decision (see benches/proxy.py).
# Uses $FASTINTERCOM_BIN (default target/debug/fastintercom; `cargo build --release --bins` and
# FASTINTERCOM_BIN=target/release/fastintercom for release figures).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-python
FASTINTERCOM_BIN=${FASTINTERCOM_BIN:-$PWD/target/debug/fastintercom} exec target/venv/bin/python benches/proxy.py "$@"
