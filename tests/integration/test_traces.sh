#!/usr/bin/env bash
# --trace writes DIR/trace.json (Chrome Trace Event Format) and DIR/trace.btf (BTF 2.x) for an
# AMP and a hypervisor example: valid JSON with nested slices and per-track ordered timestamps,
# BTF lines of the 2.x grammar (check_traces.py), identical bytes in two runs, and the same
# results with tracing on as off. Also address traces (the input of trace-driven tasks): a bad
# line, a bad lackey line, a trace without accesses, an empty and a missing file are loader
# errors naming the scenario, the JSON path and the trace file and line.
source "$(dirname "$0")/lib.sh"
CHECK="python3 $(dirname "$0")/check_traces.py"
EX=scenarios/examples

for scn in amp-4core consolidation-rtds consolidation-arinc653; do
  for run in a b; do
    expect_status 0 "$scn: run $run with --trace all" -- \
      "$MOSAIC" run "$EX/$scn.json" -o "$WORK/$scn-$run" --duration 100ms --trace all --no-figures
  done
  for f in trace.json trace.btf; do
    [ -s "$WORK/$scn-a/$f" ] && pass "$scn: $f written" || fail "$scn: $f missing or empty"
    if cmp -s "$WORK/$scn-a/$f" "$WORK/$scn-b/$f"; then pass "$scn: $f identical in two runs"
    else fail "$scn: $f differs between two runs"; fi
  done
  if $CHECK "$WORK/$scn-a" >"$WORK/check" 2>&1; then pass "$scn: traces are well formed ($(grep -c '  ok' "$WORK/check") checks)"
  else fail "$scn: malformed traces"; grep -v '  ok' "$WORK/check" | sed 's/^/       /' | head -10; fi
  expect_status 0 "$scn: run without traces" -- \
    "$MOSAIC" run "$EX/$scn.json" -o "$WORK/$scn-off" --duration 100ms --no-figures
  if cmp -s "$WORK/$scn-a/summary.json" "$WORK/$scn-off/summary.json"; then pass "$scn: tracing leaves summary.json unchanged"
  else fail "$scn: summary.json differs with tracing on"; fi
  [ ! -e "$WORK/$scn-off/trace.json" ] && pass "$scn: no trace file without --trace" || fail "$scn: trace file without --trace"
  left=$(find "$WORK/$scn-a" -name '.*tmp*' | wc -l)
  [ "$left" -eq 0 ] && pass "$scn: no temporary files left" || fail "$scn: $left temporary files left"
done

# What the traces hold: the AMP RTOS's brake job 0 on cpu0, the hypervisor's lanes and vCPUs.
expect_grep '"name":"process_name","ph":"M","pid":1,"args":\{"name":"core cpu0"\}' "$WORK/amp-4core-a/trace.json" "amp: pid 1 is core cpu0"
expect_grep '"name":"brake","cat":"job","ph":"B","ts":[0-9.]+,"pid":1,"tid":1,"args":\{"instance":0\}' "$WORK/amp-4core-a/trace.json" "amp: brake job 0 is a slice on cpu0"
expect_grep '^[0-9]+,Core_cpu0,0,T,rtos/brake,0,start$' "$WORK/amp-4core-a/trace.btf" "amp: BTF start of brake 0 on Core_cpu0"
expect_grep '^[0-9]+,STI_rtos/brake,99,T,rtos/brake,99,activate$' "$WORK/amp-4core-a/trace.btf" "amp: 100 brake activations in 100 ms"
if grep -q ',rtos/brake,100,' "$WORK/amp-4core-a/trace.btf"; then fail "amp: a 101st brake job"; else pass "amp: no 101st brake job"; fi
expect_grep '"name":"thread_name","ph":"M","pid":1,"tid":1,"args":\{"name":"hypervisor"\}' "$WORK/consolidation-rtds-a/trace.json" "rtds: a hypervisor lane on cpu0"
expect_grep '"name":"rtos_vcpu0","cat":"vcpu","ph":"B"' "$WORK/consolidation-rtds-a/trace.json" "rtds: vCPU slices"
expect_grep '"cat":"world_switch","ph":"B"' "$WORK/consolidation-rtds-a/trace.json" "rtds: world-switch slices"
expect_grep '^[0-9]+,Core_cpu0,0,T,Core_rtos_vcpu0,0,resume$' "$WORK/consolidation-rtds-a/trace.btf" "rtds: BTF vCPU resumes on Core_cpu0"
expect_grep '^[0-9]+,Core_rtos_vcpu0,0,T,rtos/brake,0,start$' "$WORK/consolidation-rtds-a/trace.btf" "rtds: guest tasks run on their vCPU"
# Interrupts: the wheel timer's edges (instants on the hypervisor's lane), the RTOS ISR as a
# slice of its own, the brake doorbell reaching the service VM through the hypervisor's IPI.
expect_grep '"name":"irq wheel_timer","cat":"irq","ph":"i","ts":500\.000000,' "$WORK/consolidation-rtds-a/trace.json" "rtds: the first wheel timer edge at 500 us"
expect_grep '"name":"tick","cat":"isr","ph":"B"' "$WORK/consolidation-rtds-a/trace.json" "rtds: the tick ISR is a slice"
expect_grep '"name":"irq hv_ipi","cat":"irq","ph":"i"' "$WORK/consolidation-rtds-a/trace.json" "rtds: the doorbell crosses cores with the hypervisor's IPI"
expect_grep '^500000,Core_cpu0,0,STI,IRQ_wheel_timer,0,trigger$' "$WORK/consolidation-rtds-a/trace.btf" "rtds: BTF stimulus of the first timer edge"
expect_grep '^[0-9]+,Core_rtos_vcpu0,0,I,rtos/tick,0,start$' "$WORK/consolidation-rtds-a/trace.btf" "rtds: BTF ISR start on the vCPU"
expect_grep '^[0-9]+,Core_service_vcpu0,0,I,service/brake_cmd,0,terminate$' "$WORK/consolidation-rtds-a/trace.btf" "rtds: BTF doorbell ISR in the service VM"
[ ! -e "$WORK/amp-4core-a/irq.csv" ] && pass "amp-4core: no irq.csv without interrupt sources" || fail "amp-4core: irq.csv without interrupts"

# The checker itself catches broken traces: an E replaced by an instant, a BTF start dropped.
mkdir -p "$WORK/broken"
awk 'BEGIN { dropped = 0 } /"ph":"E"/ && !dropped { dropped = 1; sub(/,$/, ""); print "{\"name\":\"x\",\"ph\":\"i\",\"ts\":0,\"pid\":1,\"tid\":1},"; next } { print }' \
  "$WORK/amp-4core-a/trace.json" > "$WORK/broken/trace.json"
grep -v ',T,rtos/powertrain,0,start$' "$WORK/amp-4core-a/trace.btf" > "$WORK/broken/trace.btf"
if $CHECK "$WORK/broken" >"$WORK/check" 2>&1; then fail "the checker accepts broken traces"
else pass "the checker rejects broken traces ($(grep -c FAIL "$WORK/check") failures)"; fi

expect_status 0 "--trace chrome writes only trace.json" -- \
  "$MOSAIC" run "$EX/amp-4core.json" -o "$WORK/chrome" --duration 10ms --trace chrome --no-figures
[ -s "$WORK/chrome/trace.json" ] && [ ! -e "$WORK/chrome/trace.btf" ] && pass "only trace.json" || fail "--trace chrome files"
expect_status 0 "--trace btf under the SystemC kernel" -- \
  "$MOSAIC" run "$EX/amp-4core.json" -o "$WORK/sc" --duration 100ms --trace btf --kernel systemc --no-figures
if cmp -s "$WORK/sc/trace.btf" "$WORK/amp-4core-a/trace.btf"; then pass "SystemC kernel: the same trace.btf"
else fail "SystemC kernel: trace.btf differs"; fi
expect_status 2 "--trace takes chrome, btf or all" -- "$MOSAIC" run "$EX/amp-4core.json" -o "$WORK/x" --trace vcd
expect_grep "--trace is 'chrome', 'btf' or 'all'" "$WORK/err" "the error names the choices"


# Trace-driven workloads (a profile with "pattern": "trace"): a malformed, missing or empty
# address trace is a loader error like a JSON one: exit 2 from run and validate, the scenario
# file, line and column of the profile's "trace" key and its JSON path, then the trace file and
# the trace's line; and run writes nothing. The scenario below puts the "trace" value on line 6,
# column 36.
mkdir -p "$WORK/tr"
trace_scenario() { # trace file name -> $WORK/tr/<name>.json
  cat >"$WORK/tr/$1.json" <<EOF
{
  "name": "trace-errors",
  "platform": "$PWD/scenarios/platforms/zynqmp-a53.json",
  "run": { "duration_ms": 2 },
  "profiles": { "walk": { "instructions": 1000, "base_cpi": 1.0, "pattern": "trace",
                          "trace": "$1" } },
  "oses": [ { "name": "rtos", "cores": ["cpu0"], "scheduler": "fixed_priority",
              "tasks": [ { "name": "t", "core": "cpu0", "period_ms": 1, "priority": 1,
                           "profile": "walk" } ] } ]
}
EOF
}
printf '# a table walk\nI 10\nR 0x1000 8\nW 0x1040 8\n' >"$WORK/tr/good.trace"
printf 'R 0x1000 8\nI 10\nX 0x1040 8\nR 0x1080 8\n' >"$WORK/tr/bad.trace"
printf '==4242== Lackey\n I  04001000,3\n L 7ff000,zz\n' >"$WORK/tr/lackey.trace"
printf '# only a comment\nI 25\n' >"$WORK/tr/noaccess.trace"
: >"$WORK/tr/empty.trace"
for t in good bad lackey noaccess empty missing; do trace_scenario "$t.trace"; done
expect_status 0 "a well-formed trace runs" -- \
  "$MOSAIC" run "$WORK/tr/good.trace.json" -o "$WORK/tr/out-good" --no-figures
# expect_trace_error NAME MESSAGE: run and validate both exit 2 with exactly this diagnostic,
# and run leaves no output directory behind.
expect_trace_error() {
  local name=$1 want="$WORK/tr/$1.json:6:36: error: \$.profiles.walk.trace: $2" cmd
  for cmd in run validate; do
    local args=("$MOSAIC" "$cmd" "$WORK/tr/$name.json")
    [ "$cmd" = run ] && args+=(-o "$WORK/tr/out-$name" --no-figures)
    expect_status 2 "$name: $cmd fails" -- "${args[@]}"
    if grep -qxF -- "$want" "$WORK/err"; then pass "$name: $cmd says '${want#"$WORK/tr/"}'"
    else fail "$name: $cmd: expected '$want'"; sed 's/^/       /' "$WORK/err" | head -3; fi
  done
  [ ! -e "$WORK/tr/out-$name" ] && pass "$name: nothing written" || fail "$name: run wrote $WORK/tr/out-$name"
}
expect_trace_error bad.trace "$WORK/tr/bad.trace:3: unknown record kind"
expect_trace_error lackey.trace "$WORK/tr/lackey.trace:3: bad size"
expect_trace_error noaccess.trace \
  "$WORK/tr/noaccess.trace: no accesses (a trace needs at least one R, W, L, S or M record)"
expect_trace_error empty.trace \
  "$WORK/tr/empty.trace: no accesses (a trace needs at least one R, W, L, S or M record)"
expect_trace_error missing.trace \
  "cannot read trace file '$WORK/tr/missing.trace': No such file or directory"

finish
