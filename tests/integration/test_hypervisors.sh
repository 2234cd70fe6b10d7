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

# Interrupts and the chain (docs/interrupts.md, docs/chains.md): irq.csv has the wheel timer
# (1000 edges in 1 s, all taken) and the brake doorbell (rung at each of the 1000 brake
# completions), summary.json the chain's metrics.
expect_grep '^rtos,wheel_timer,timer,30,cpu0,0,1000,0,1000,' "$WORK/amp-a/irq.csv" "amp: irq.csv row of the wheel timer (PPI 30)"
expect_grep '^service,brake_cmd,doorbell,1,cpu1,0,1000,0,1000,' "$WORK/amp-a/irq.csv" "amp: every doorbell ring taken"
for policy in static arinc653 fixed-priority rtds credit; do
  expect_grep '^rtos,wheel_timer,timer,27,cpu0,0,1000,' "$WORK/$policy-a/irq.csv" "$policy: irq.csv row of the wheel timer (PPI 27)"
  expect_grep '^service,brake_cmd,doorbell,1,cpu1,0,1000,' "$WORK/$policy-a/irq.csv" "$policy: 1000 doorbell rings"
done
for policy in static arinc653 fixed-priority rtds credit amp; do
  expect_grep '"chain/wheel_to_actuator": \{' "$WORK/$policy-a/summary.json" "$policy: chain metrics in summary.json"
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

# Interrupt latency p99 worked out by hand at 1200 MHz: AMP = the guest entry, 60 cycles =
# 50 ns, for the timer and the doorbell alike; static (nothing else on cpu0, no direct
# injection) = the trapped path 100 + 800 + 200 + 100 cycles = 1 us, + 50 ns.
for want in "amp 0.05 0.05" "static 1.05 -"; do
  set -- $want
  row=$(grep "^$1," "$WORK/cons/policies.csv")
  irq=$(echo "$row" | cut -d, -f8); bell=$(echo "$row" | cut -d, -f9)
  if [ "$irq" = "$2" ] && { [ "$3" = - ] || [ "$bell" = "$3" ]; }; then pass "$1: interrupt latency p99 $irq us, doorbell $bell us"
  else fail "$1: interrupt latency p99 '$irq', doorbell '$bell', expected $2 $3"; fi
done
head -1 "$WORK/cons/policies.csv" | grep -q 'wheel_to_actuator_reaction_p99_us,wheel_to_actuator_data_age_p99_us$' \
  && pass "policies.csv has the chain columns" || fail "policies.csv lacks the chain columns"
# The chain's shortest data age, static minus AMP: the sample (wheel_speed's start) is 1 us
# later (the timer's trapped path), the actuation 1 us + 500 cycles later (brake's doorbell
# write traps: 150 + 200 + 150 cycles on cpu0; the hypervisor's IPI takes the 1 us trapped
# path on cpu1): + 500 cycles = 0.416667 us.
python3 - "$WORK/cons" <<'PY' && pass "static - amp shortest chain data age = the doorbell trap (0.416667 us)" || fail "static - amp shortest chain data age"
import json, sys
age = {p: json.load(open(f"{sys.argv[1]}/{p}/summary.json"))["metrics"]["chain/wheel_to_actuator"]["data_age_min_us"] for p in ("amp", "static")}
sys.exit(0 if abs(age["static"] - age["amp"] - 500 / 1200) < 1e-6 else 1)
PY

# World switches as memory work (models/hv/hypervisor.h; the Xen-like profile's footprint
# keys): the mean switch on cpu0 (world_switch_time / world_switches) grows when a hog VM
# evicts the hypervisor's lines from the LLC, and colouring the hypervisor (and the VMs) brings
# it back within 5% of the switch alone. The summary records the profile used.
for v in alone hog hog-coloured; do
  expect_status 0 "world-switch-$v runs" -- "$MOSAIC" run "$EX/world-switch-$v.json" -o "$WORK/ws-$v" --no-figures --quiet
done
python3 - "$WORK" <<'PY' && pass "world switch: hog slower than alone, colouring restores it" || fail "world switch: interference and colouring"
import json, sys
mean = {}
for v in ("alone", "hog", "hog-coloured"):
    m = json.load(open(f"{sys.argv[1]}/ws-{v}/summary.json"))["metrics"]["hv/core/cpu0"]
    mean[v] = m["world_switch_time"] / m["world_switches"]
print("  mean world switch (ns):", {k: round(x / 1000, 1) for k, x in mean.items()})
sys.exit(0 if mean["hog"] > 1.3 * mean["alone"] and mean["hog-coloured"] < 1.05 * mean["alone"] else 1)
PY
expect_grep '"name": "xen-like"' "$WORK/ws-hog/summary.json" "summary.json records the hypervisor profile used"
if grep -q '"hypervisor_profile"' "$WORK/static-a/summary.json"; then fail "a profile recorded without one"
else pass "no hypervisor_profile without a profile"; fi

# A hypervisor scenario that also has AMP "oses" is rejected with the path of the conflict.
expect_status 2 "oses and vms together are rejected" -- "$MOSAIC" validate tests/unit/scenarios/bad_hv_with_oses.json
expect_grep ':5:11: error: \$\.oses: ' "$WORK/err" "the error names line, column and path"

finish
