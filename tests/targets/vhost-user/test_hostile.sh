#!/usr/bin/env bash
# Hostile front-end test: malformed and invalid vhost-user messages against mosaic-vhost-user,
# each rejected with a reason on stderr and the connection closed, with good sessions (real
# split-ring requests driven from Python) before, between and after them. No VM needed.
source "$(dirname "$0")/lib.sh"
exec python3 "$VU_ROOT/tests/targets/vhost-user/hostile.py" "$VU_BIN"
