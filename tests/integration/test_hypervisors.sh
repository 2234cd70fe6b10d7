#!/usr/bin/env bash
# The consolidation examples: one scenario per hypervisor policy plus the AMP baseline. Each
# validates, runs to completion with its requirements met (exit 0), gives byte-identical
# outputs in two runs, and reports tasks under vm/<vm>/task/<task> and the hypervisor's
# metrics under hv/...; the AMP variant keeps os/<os>/task/<task> and has no hv/ entities.
source "$(dirname "$0")/lib.sh"
EX=scenarios/examples

for policy in static arinc653 fixed-priority rtds credit amp; do
  scn=$EX/consolidation-$policy.json
  expect_status 0 "validate $scn" -- "$MOSAIC" validate "$scn"
  expect_status 0 "$policy: run meets its requirements" -- "$MOSAIC" run "$scn" -o "$WORK/$policy-a" --no-figures
  expect_grep "failures=\"0\"" "$WORK/$policy-a/junit.xml" "$policy: junit.xml has no failure"
  expect_status 0 "$policy: second run" -- "$MOSAIC" run "$scn" -o "$WORK/$policy-b" --no-figures
  for f in summary.json tasks.csv cores.csv junit.xml; do
    if cmp -s "$WORK/$policy-a/$f" "$WORK/$policy-b/$f"; then pass "$policy: $f identical in two runs"
    else fail "$policy: $f differs between two runs"; fi
  done
  if [ "$policy" = amp ]; then
    expect_grep '"os/rtos/task/brake": \{' "$WORK/$policy-a/summary.json" "amp: tasks are os/<os>/task/<task>"
    if grep -q '"hv/' "$WORK/$policy-a/summary.json"; then fail "amp: hv/ metrics without a hypervisor"
    else pass "amp: no hv/ metrics"; fi
  else
    expect_grep '"vm/rtos/task/brake": \{' "$WORK/$policy-a/summary.json" "$policy: tasks are vm/<vm>/task/<task>"
    expect_grep '"hv/core/cpu0": \{' "$WORK/$policy-a/summary.json" "$policy: per-core hypervisor metrics"
    expect_grep '"hv/vm/linux/vcpu/0": \{' "$WORK/$policy-a/summary.json" "$policy: per-vCPU hypervisor metrics"
  fi
done

# Static partitioning shares no core: apart from one world switch at start, the RTOS sees the
# AMP timing of its tasks.
for m in response_time_p99_us response_time_max_us; do
  amp=$(grep -A20 '"os/rtos/task/brake"' "$WORK/amp-a/summary.json" | grep -m1 "\"$m\"")
  static=$(grep -A20 '"vm/rtos/task/brake"' "$WORK/static-a/summary.json" | grep -m1 "\"$m\"")
  if [ -n "$amp" ] && [ "$amp" = "$static" ]; then pass "static equals AMP for brake $m ($amp)"
  else fail "brake $m: AMP '$amp', static '$static'"; fi
done

# --solo-reference: slowdown over the task alone and isolation_slowdown over its VM alone, on
# a hand-worked case (tests/integration/scenarios/isolation.json: t 2 ms in the high VM, a and
# b 1 ms each in the low VM, one shared core, zero-cost switches; the description works it).
iso=tests/integration/scenarios/isolation.json
expect_status 0 "isolation: run with --solo-reference" -- "$MOSAIC" run "$iso" -o "$WORK/iso" --no-figures --solo-reference --quiet
for want in "high/task/t 1.0 1.0" "low/task/a 3.0 3.0" "low/task/b 4.0 2.0"; do
  set -- $want
  got=$(grep -A16 "\"vm/$1\": {" "$WORK/iso/summary.json" | tr -d ' ,' | grep -E '^"(slowdown|isolation_slowdown)"' | cut -d: -f2 | tr '\n' ' ')
  if [ "$got" = "$2 $3 " ]; then pass "isolation: $1 slowdown $2, isolation_slowdown $3"
  else fail "isolation: $1 slowdown/isolation_slowdown '$got', expected '$2 $3'"; fi
done

# The comparison script: one row per policy; static partitioning and AMP agree on brake and
# leave every RTOS task at its isolated timing except the start-up world switch (<= 1.001).
expect_status 0 "consolidation.sh writes its tables" -- env MOSAIC="$MOSAIC" scenarios/examples/consolidation.sh "$WORK/cons"
rows=$(tail -n +2 "$WORK/cons/policies.csv" | wc -l)
if [ "$rows" -eq 6 ]; then pass "policies.csv has 6 policies"; else fail "policies.csv has $rows rows"; fi
amp_brake=$(grep '^amp,' "$WORK/cons/policies.csv" | cut -d, -f2)
static_brake=$(grep '^static,' "$WORK/cons/policies.csv" | cut -d, -f2)
if [ -n "$amp_brake" ] && [ "$amp_brake" = "$static_brake" ]; then pass "brake p99 equal in amp and static ($amp_brake us)"
else fail "brake p99 amp '$amp_brake' static '$static_brake'"; fi
static_iso=$(grep '^static,' "$WORK/cons/policies.csv" | cut -d, -f4)
if python3 -c "import sys; sys.exit(0 if 1.0 <= float('$static_iso') <= 1.001 else 1)"; then
  pass "static: worst RTOS isolation_slowdown $static_iso"
else fail "static: worst RTOS isolation_slowdown $static_iso"; fi

# A hypervisor scenario that also has AMP "oses" is rejected with the path of the conflict.
expect_status 2 "oses and vms together are rejected" -- "$MOSAIC" validate tests/unit/scenarios/bad_hv_with_oses.json
expect_grep ':5:11: error: \$\.oses: ' "$WORK/err" "the error names line, column and path"

finish
