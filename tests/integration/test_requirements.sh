#!/usr/bin/env bash
# Requirements as code: PASS/FAIL lines, exit 1 on a failed one, JUnit XML naming the check.
source "$(dirname "$0")/lib.sh"
S=tests/integration/scenarios

expect_status 1 "an impossible requirement fails the run" -- "$MOSAIC" run $S/impossible.json -o "$WORK/r" --no-figures
expect_grep "^FAIL  os/rtos/task/control/response_time_p99_us = 250, above the maximum 10" "$WORK/out" "the failure is printed with value and bound"
expect_grep "^PASS  os/rtos/task/control/deadline_misses = 0 within limits" "$WORK/out" "the passing check is printed"
expect_grep 'tests="2" failures="1"' "$WORK/r/junit.xml" "junit.xml counts the checks"
expect_grep '<testcase classname="impossible" name="os/rtos/task/control/response_time_p99_us">' "$WORK/r/junit.xml" "junit.xml names the failed check"
expect_grep '<failure message="os/rtos/task/control/response_time_p99_us = 250, above the maximum 10"/>' "$WORK/r/junit.xml" "junit.xml gives the failure message"
expect_grep '"status": "FAIL"' "$WORK/r/summary.json" "summary.json records the outcome"

expect_status 0 "the single-core example meets its requirements" -- "$MOSAIC" run scenarios/examples/single-core-rtos.json -o "$WORK/ok" --no-figures
expect_grep 'tests="5" failures="0"' "$WORK/ok/junit.xml" "junit.xml with all checks passing"

finish
