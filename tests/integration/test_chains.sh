#!/usr/bin/env bash
# Cause-effect chains (docs/chains.md): tests/unit/scenarios/chain_amp.json has the chain
# a/sensor -> b/brake -> b/actuator across two AMP OSes at 1200 MHz (1200 cycles = 1 us):
# sensor (1 us) starts at k ms and, when it finishes, rings a doorbell to b: exception entry
# 50 ns + ISR 0.5 us release brake (2 us) at k ms + 1.55 us, which finishes at k ms + 3.55 us;
# actuator (1 us) starts at 0.5 and 2.5 ms. Register semantics: actuator at 0.5 ms reads
# brake's output of sensor job 0 (origin 0), finishes at 501 us: data age 501 us; at 2.5 ms
# it reads the output of sensor job 2 (origin 2000 us): data age 2501 - 2000 = 501 us.
# Reaction time: the stage-0 starts are 0, 1000, 2000, 3000 us; the actuator finish at
# 2501 us carries origin 2000 and so resolves the pairs (0, 1000] -> 2501 - 0 = 2501 us and
# (1000, 2000] -> 2501 - 1000 = 1501 us; (2000, 3000] is still open at the end (4 ms).
source "$(dirname "$0")/lib.sh"
SCN=tests/unit/scenarios/chain_amp.json

expect_status 0 "a scenario with a chain runs, its requirements pass" -- \
  "$MOSAIC" run "$SCN" -o "$WORK/run" --no-figures
for want in '"data_age_samples": 2' '"data_age_min_us": 501.0' '"data_age_max_us": 501.0' \
            '"reaction_time_samples": 2' '"reaction_time_min_us": 1501.0' \
            '"reaction_time_max_us": 2501.0'; do
  expect_grep "$want" "$WORK/run/summary.json" "chain/brake: $want"
done
expect_grep 'PASS  chain/brake/reaction_time_max_us = 2501 within limits' "$WORK/out" "the requirement on the reaction time is checked"
[ ! -e "$WORK/run/trace.json" ] && [ ! -e "$WORK/run/trace.btf" ] && pass "chains need no trace file" || fail "a trace file without --trace"

# The same figures with the trace files written from the same sink.
expect_status 0 "with --trace all" -- "$MOSAIC" run "$SCN" -o "$WORK/traced" --trace all --no-figures
if cmp -s "$WORK/run/summary.json" "$WORK/traced/summary.json"; then pass "tracing leaves the chain metrics unchanged"
else fail "summary.json differs with --trace all"; fi

# A requirement the chain misses: the data age is 501 us, above 500.
sed 's/"max": 600/"max": 500/' "$SCN" > "$WORK/tight.json"
sed -i 's#"platform": "../../../#"platform": "'"$PWD"'/#' "$WORK/tight.json"
expect_status 1 "a chain requirement that fails" -- "$MOSAIC" run "$WORK/tight.json" -o "$WORK/tight" --no-figures
expect_grep 'chain/brake/data_age_max_us = 501, above the maximum 500' "$WORK/out" "the failing requirement names the chain metric"

# An unknown task in a chain is an error at its stage, with line and column.
expect_status 2 "a chain stage naming no task" -- \
  "$MOSAIC" run tests/unit/scenarios/bad_chain_task.json -o "$WORK/bad" --no-figures
expect_grep 'bad_chain_task.json:28:58: error: \$\.chains\[0\]\.stages\[2\]: OS .b. has no task .actuatr.' "$WORK/err" "the error gives the path, line and column"

finish
