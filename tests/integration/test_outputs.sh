#!/usr/bin/env bash
# A run writes every result file, whole, with the figures, and leaves no temporary files.
source "$(dirname "$0")/lib.sh"

expect_status 0 "run the 4-core AMP example" -- "$MOSAIC" run scenarios/examples/amp-4core.json -o "$WORK/r"
for f in summary.json tasks.csv cores.csv junit.xml run.json figures/response_times.svg \
         figures/response_times.png figures/response_times.dat figures/response_times.gp; do
  [ -s "$WORK/r/$f" ] && pass "$f written" || fail "$f missing or empty"
done
[ ! -s "$WORK/err" ] && pass "stderr stays silent when it is not a terminal" || fail "unexpected stderr output"
left=$(find "$WORK/r" -name '.*tmp*' | wc -l)
[ "$left" -eq 0 ] && pass "no temporary files left" || fail "$left temporary files left"
expect_grep '"simulated_time_ps": 1000000000000,' "$WORK/r/summary.json" "1 s simulated"
expect_grep '"os/rtos/task/brake": \{' "$WORK/r/summary.json" "metrics keyed by entity path"
expect_grep '"response_time_p99_us": ' "$WORK/r/summary.json" "response-time percentiles reported"
expect_grep '^os,task,core,priority,period_us,deadline_us,activations,' "$WORK/r/tasks.csv" "tasks.csv header"
expect_grep '^rtos,brake,cpu0,10,1000.000000,1000.000000,1000,' "$WORK/r/tasks.csv" "brake: 1000 activations in 1 s"
[ "$(wc -l < "$WORK/r/tasks.csv")" -eq 13 ] && pass "tasks.csv: header + 12 tasks" || fail "tasks.csv row count"
expect_grep '^cpu3,1200,linux,0\.' "$WORK/r/cores.csv" "cores.csv lists the OS and utilisation"
expect_grep '<svg' "$WORK/r/figures/response_times.svg" "the SVG figure is an SVG"
if head -c 8 "$WORK/r/figures/response_times.png" | od -An -c | grep -q 'P   N   G'; then pass "the PNG figure is a PNG"; else fail "not a PNG"; fi

finish
