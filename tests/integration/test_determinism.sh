#!/usr/bin/env bash
# Same scenario and seed: byte-identical summary.json and CSV files. Another seed: other results
# for a scenario with jitter and random execution demand.
source "$(dirname "$0")/lib.sh"
SCN=scenarios/examples/amp-4core.json

expect_status 0 "first run" -- "$MOSAIC" run $SCN -o "$WORK/a" --duration 300ms --no-figures
expect_status 0 "second run, same seed" -- "$MOSAIC" run $SCN -o "$WORK/b" --duration 300ms --no-figures
for f in summary.json tasks.csv cores.csv junit.xml; do
  if cmp -s "$WORK/a/$f" "$WORK/b/$f"; then pass "$f identical"; else fail "$f differs between identical runs"; fi
done
expect_status 0 "third run, another seed" -- "$MOSAIC" run $SCN -o "$WORK/c" --duration 300ms --no-figures --seed 7
if cmp -s "$WORK/a/tasks.csv" "$WORK/c/tasks.csv"; then fail "tasks.csv unchanged by --seed 7"; else pass "another seed changes tasks.csv"; fi
expect_grep '"seed": 7,' "$WORK/c/summary.json" "summary.json records the seed"
# The wall time goes to run.json only.
if grep -q wall "$WORK/a/summary.json"; then fail "summary.json holds wall time"; else pass "no wall time in summary.json"; fi
expect_grep '"wall_time_s"' "$WORK/a/run.json" "run.json holds the wall time"

finish
