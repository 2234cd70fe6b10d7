#!/usr/bin/env bash
# The command line: help, version, exit statuses and error messages for bad input.
source "$(dirname "$0")/lib.sh"
S=tests/integration/scenarios

expect_status 0 "--help" -- "$MOSAIC" --help
expect_grep "Exit status" "$WORK/out" "--help documents the exit statuses"
expect_status 0 "--version" -- "$MOSAIC" --version
expect_grep "^mosaic [0-9]+\.[0-9]+\.[0-9]+$" "$WORK/out" "--version prints the version"
expect_status 2 "no command" -- "$MOSAIC"
expect_status 2 "unknown command" -- "$MOSAIC" frobnicate
expect_status 2 "run without -o" -- "$MOSAIC" run scenarios/examples/amp-4core.json
expect_status 2 "run with a bad --duration" -- "$MOSAIC" run scenarios/examples/amp-4core.json -o "$WORK/r" --duration 10
expect_grep "unit" "$WORK/err" "bad --duration names the missing unit"
expect_status 2 "run with a bad --seed" -- "$MOSAIC" run scenarios/examples/amp-4core.json -o "$WORK/r" --seed x1

for f in scenarios/examples/*.json; do
  expect_status 0 "validate $f" -- "$MOSAIC" validate "$f"
done
expect_status 2 "validate a missing file" -- "$MOSAIC" validate "$WORK/none.json"
expect_grep "none.json" "$WORK/err" "the missing file is named"

expect_status 2 "validate a scenario with a typo" -- "$MOSAIC" validate $S/typo.json
expect_grep "^$S/typo.json:9:[0-9]+: error: \\\$\.oses\[0\]\.tasks\[0\]\.perod_us: .*period_us" "$WORK/err" \
  "the error names file, line, JSON path and the likely key"
expect_status 2 "run also validates first" -- "$MOSAIC" run $S/typo.json -o "$WORK/typo"
[ ! -e "$WORK/typo/summary.json" ] && pass "no results for bad input" || fail "results written for bad input"

finish
