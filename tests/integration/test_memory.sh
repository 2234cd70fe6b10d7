#!/usr/bin/env bash
# The memory hierarchy in real runs (scenarios/calibration/, scenarios/examples/interference-*):
#  - pointer-chase calibration: the load-to-use latency plateaus within 5% of the latencies the
#    platform file configures (L1 hit; + LLC hit; + bus transfer + DRAM row conflict), with the
#    steps at the configured L1 and LLC sizes, for both platforms;
#  - streaming bandwidth on 1..N cores grows with the cores and stays below the peak of the
#    narrower of bus and DRAM;
#  - interference: the victim's slowdown grows with 1..3 hogs; page colouring brings its LLC
#    misses back to its solo level (same colours) while its slowdown stays above 1; tighter
#    MemGuard budgets on the hogs bound its slowdown; one budget shared by the hogs' cores
#    (the sum of the per-core ones) gives the same hog traffic and victim slowdown;
#  - under a hypervisor (consolidation-memory): profiled guest jobs run through their vCPUs;
#  - per-resource metrics: LLC and DRAM queueing-delay distributions (detailed), bus and DRAM
#    utilisation in both fidelities within 10% of each other;
#  - inter-OS shared memory (shared-memory-2os): the consumer's reads of lines the producer
#    wrote are cache-to-cache transfers, about half of them as the fast model's formula gives
#    for equal rates, and fast and detailed agree; loader errors for a bad "shared";
#  - fast against detailed: mean response within 10% on every calibration and example scenario;
#    the --solo-reference slowdown; determinism of a memory run.
# It writes calibration.csv, bandwidth.csv and interference.csv with their figures (gnuplot
# scripts in scenarios/calibration/) to $MEMORY_RESULTS (default results/memory).
source "$(dirname "$0")/lib.sh"
OUT=${MEMORY_RESULTS:-results/memory}
mkdir -p "$OUT"

run_both() { # scenario -> $WORK/detailed/<name>, $WORK/fast/<name>
  local name
  name=$(basename "$1" .json)
  "$MOSAIC" run "$1" -o "$WORK/detailed/$name" --no-figures >/dev/null 2>"$WORK/err" || {
    fail "$name (detailed) did not run"; sed 's/^/       /' "$WORK/err" | head -3; }
  "$MOSAIC" run "$1" -o "$WORK/fast/$name" --no-figures --fidelity fast >/dev/null 2>"$WORK/err" || {
    fail "$name (fast) did not run"; sed 's/^/       /' "$WORK/err" | head -3; }
}

for s in scenarios/calibration/chase-*.json scenarios/calibration/stream-*.json \
         scenarios/examples/interference-*.json scenarios/examples/consolidation-memory.json \
         scenarios/examples/trace-replay.json scenarios/examples/shared-memory-2os.json; do
  run_both "$s"
done

python3 - "$WORK" "$OUT" >"$WORK/checks" <<'PY' || true
import glob, json, math, os, sys

work, out = sys.argv[1], sys.argv[2]
failed = 0

def check(ok, what):
    global failed
    print(("  ok   " if ok else "  FAIL ") + what)
    failed += 0 if ok else 1

def summary(fidelity, name):
    with open(os.path.join(work, fidelity, name, "summary.json")) as f:
        return json.load(f)["metrics"]

def scenario(path):
    with open(path) as f:
        return json.load(f)

# ---- pointer-chase calibration ----
# Expected plateaus from the platform file (cycles at their clocks, in ns):
#   L1   = l1.hit_cycles / core clock
#   LLC  = L1 + llc.hit_cycles / llc clock (the fill's tag lookup on the response path)
#   DRAM = LLC + line / width bus cycles + (tRP + tRCD + tCL + burst) DRAM cycles (a random
#          chase over many rows finds a row conflict)
# Measured: the shortest job's response / its instructions (one load each) minus one core
# cycle (base CPI 1): every job after the first runs warm.
rows = []
for platform in ("zynqmp-a53", "automotive-a76-8core"):
    p = scenario("scenarios/platforms/%s.json" % platform)
    m = p["memory"]
    core_ns = 1e3 / p["cores"][0]["clock_mhz"]
    l1 = m["l1"]["hit_cycles"] * core_ns
    llc = l1 + m["llc"]["hit_cycles"] * 1e3 / m["llc"]["clock_mhz"]
    d = m["dram"]
    dram = (llc + m["line_bytes"] / m["interconnect"]["width_bytes"] * 1e3 / m["interconnect"]["clock_mhz"]
            + (d["t_rp"] + d["t_rcd"] + d["t_cl"] + d["burst_cycles"]) * 1e3 / d["clock_mhz"])
    l1_kib, llc_kib = m["l1"]["size_kib"], m["llc"]["size_kib"]
    points = []
    for path in glob.glob("scenarios/calibration/chase-%s-*k.json" % platform):
        name = os.path.basename(path)[:-5]
        sc = scenario(path)
        ws_kib = sc["profiles"]["chase"]["working_set_bytes"] // 1024
        n = sc["profiles"]["chase"]["instructions"]
        lat = {}
        for fid in ("detailed", "fast"):
            t = summary(fid, name)["os/cal/task/chase"]
            lat[fid] = t["response_time_min_us"] * 1e3 / n - core_ns
        points.append((ws_kib, lat["detailed"], lat["fast"]))
        check(abs(lat["fast"] / lat["detailed"] - 1) <= 0.10,
              "%s: fast %.2f ns within 10%% of detailed %.2f ns" % (name, lat["fast"], lat["detailed"]))
    points.sort()
    for ws, det, fast in points:
        rows.append("%s,%d,%.4f,%.4f,%.4f,%.4f,%.4f" % (platform, ws, det, fast, l1, llc, dram))
        if ws * 2 <= l1_kib:
            level, want = "L1", l1
        elif 2 * l1_kib <= ws and ws * 2 <= llc_kib:
            level, want = "LLC", llc
        elif ws >= 4 * llc_kib:
            level, want = "DRAM", dram
        else:
            continue
        check(abs(det / want - 1) <= 0.05,
              "%s %d KiB: %.2f ns on the %s plateau %.2f ns (within 5%%)" % (platform, ws, det, level, want))
    # the steps sit at the configured sizes: the last point inside a level and the first point
    # past it differ by more than half the next level's extra latency
    inside_l1 = [det for ws, det, _ in points if ws <= l1_kib // 2][-1]
    past_l1 = [det for ws, det, _ in points if ws >= 2 * l1_kib][0]
    inside_llc = [det for ws, det, _ in points if ws <= llc_kib // 2][-1]
    past_llc = [det for ws, det, _ in points if ws >= 2 * llc_kib][0]
    check(past_l1 - inside_l1 > 0.5 * (llc - l1), "%s: step at L1 = %d KiB" % (platform, l1_kib))
    check(past_llc - inside_llc > 0.5 * (dram - llc), "%s: step at LLC = %d KiB" % (platform, llc_kib))
with open(os.path.join(out, "calibration.csv"), "w") as f:
    f.write("platform,working_set_kib,detailed_ns,fast_ns,l1_ns,llc_ns,dram_ns\n")
    f.write("\n".join(rows) + "\n")

# ---- streaming bandwidth ----
# Peak: the bus moves width bytes per cycle; DRAM one burst (a line) per burst_cycles per
# channel. The sum over the cores' tasks must not shrink as cores are added, nor pass the peak.
rows = []
for platform in ("zynqmp-a53", "automotive-a76-8core"):
    p = scenario("scenarios/platforms/%s.json" % platform)
    m = p["memory"]
    bus = m["interconnect"]["width_bytes"] * m["interconnect"]["clock_mhz"] * 1e6
    dram = m["line_bytes"] / m["dram"]["burst_cycles"] * m["dram"]["clock_mhz"] * 1e6 * m["dram"]["channels"]
    peak = min(bus, dram)
    last = 0.0
    files = glob.glob("scenarios/calibration/stream-%s-*cores.json" % platform)
    for n, path in sorted((int(x.rsplit("-", 1)[1][:-10]), x) for x in files):
        name = os.path.basename(path)[:-5]
        bw = {fid: sum(v.get("bandwidth", 0) for k, v in summary(fid, name).items() if "/task/" in k)
              for fid in ("detailed", "fast")}
        rows.append("%s,%d,%.0f,%.0f,%.0f" % (platform, n, bw["detailed"], bw["fast"], peak))
        check(bw["detailed"] >= last * 0.999 and bw["detailed"] <= peak * 1.001,
              "%s, %d core(s): %.3f GB/s, not below %.3f, within the %.3f GB/s peak"
              % (platform, n, bw["detailed"] / 1e9, last / 1e9, peak / 1e9))
        check(abs(bw["fast"] / bw["detailed"] - 1) <= 0.10,
              "%s, %d core(s): fast %.3f GB/s within 10%% of detailed" % (platform, n, bw["fast"] / 1e9))
        last = bw["detailed"]
with open(os.path.join(out, "bandwidth.csv"), "w") as f:
    f.write("platform,cores,detailed_bytes_per_s,fast_bytes_per_s,peak_bytes_per_s\n")
    f.write("\n".join(rows) + "\n")

# ---- interference ----
def victim(fid, name):
    return summary(fid, "interference-" + name)["os/victim/task/control"]

def slowdown(fid, name, solo="solo"):
    return victim(fid, name)["response_time_mean_us"] / victim(fid, solo)["response_time_mean_us"]

labels = ["solo", "1hog", "2hogs", "3hogs", "solo-coloured", "3hogs-coloured",
          "3hogs-regulated-loose", "3hogs-regulated-tight", "3hogs-regulated-shared-loose",
          "3hogs-regulated-shared-tight"]
for name in labels:
    det = victim("detailed", name)["response_time_mean_us"]
    fast = victim("fast", name)["response_time_mean_us"]
    # (the loose budget is the closest call: each hog bursts at the start of every period and
    # the detailed victim queues behind those bursts; the fast model sees only their mean rate)
    check(abs(fast / det - 1) <= 0.10, "interference-%s: fast %.1f us within 10%% of detailed %.1f us"
          % (name, fast, det))
for fid in ("detailed", "fast"):
    s = [slowdown(fid, n) for n in ("1hog", "2hogs", "3hogs")]
    check(1.0 < s[0] < s[1] < s[2], "%s: slowdown grows with hogs: %.3f < %.3f < %.3f" % (fid, *s))
    solo_miss = victim(fid, "solo-coloured")["llc_misses"]
    col_miss = victim(fid, "3hogs-coloured")["llc_misses"]
    check(abs(col_miss / solo_miss - 1) <= 0.05,
          "%s: coloured victim LLC misses %d within 5%% of its solo level %d" % (fid, col_miss, solo_miss))
    check(victim(fid, "3hogs")["llc_misses"] > 2 * victim(fid, "solo")["llc_misses"],
          "%s: without colouring the hogs more than double its LLC misses (%d against %d)"
          % (fid, victim(fid, "3hogs")["llc_misses"], victim(fid, "solo")["llc_misses"]))
    sc = slowdown(fid, "3hogs-coloured", "solo-coloured")
    check(sc > 1.02, "%s: coloured slowdown %.3f stays above 1 (bus and DRAM are shared)" % (fid, sc))
    loose, tight, free = (slowdown(fid, "3hogs-regulated-loose"), slowdown(fid, "3hogs-regulated-tight"),
                          slowdown(fid, "3hogs"))
    check(tight < loose < free and tight < 1.1,
          "%s: tighter budgets bound the slowdown: %.3f < %.3f < %.3f, tight < 1.1" % (fid, tight, loose, free))
# ---- one budget shared by the three hogs' cores against one budget per core ----
# regulated-shared-<x> gives the hogs' OS one MemGuard budget per 100 us for cpu1..3 together,
# the sum of regulated-<x>'s per-core budgets (tight: 3 x 6400 B, loose: 3 x 51200 B). Each hog
# alone wants more than its per-core budget (unregulated the three stream at GB/s), so per core
# each gets its budget and shared the three together get the sum: the same hog traffic per
# period, released at each period start either way. So (detailed) the hogs' fill bandwidth
# together and the victim's slowdown are the same within 2% (only how the lines fall among the
# hogs may differ; under the loose budgets the victim is still ~1.3x slower, so a domain that
# let through more or less would show), and the bandwidth stays within the budgets' sum per
# period. The fast model splits a shared budget equally over its cores (the sum / 3), which is
# regulated-<x>'s configuration: the same result to rounding.
def hog_bandwidth(fid, name):
    return sum(v["bandwidth"] for k, v in summary(fid, "interference-" + name).items()
               if k.startswith("os/hogs/task/"))
for kind, per_core in (("tight", 6400), ("loose", 51200)):
    shared, own = "3hogs-regulated-shared-" + kind, "3hogs-regulated-" + kind
    budget_rate = 3 * per_core / 100e-6
    bw_shared, bw_own = hog_bandwidth("detailed", shared), hog_bandwidth("detailed", own)
    check(abs(bw_shared / bw_own - 1) <= 0.02 and max(bw_shared, bw_own) <= budget_rate,
          "detailed %s: hogs' bandwidth under the shared budget %.1f MB/s, per core %.1f MB/s "
          "(within 2%%, both <= %.0f MB/s)" % (kind, bw_shared / 1e6, bw_own / 1e6, budget_rate / 1e6))
    s_shared, s_own = slowdown("detailed", shared), slowdown("detailed", own)
    check(abs(s_shared / s_own - 1) <= 0.02,
          "detailed %s: victim slowdown %.4f under the shared budget, %.4f per core (within 2%%)"
          % (kind, s_shared, s_own))
    det = summary("detailed", "interference-" + shared)
    held = det.get("mem/regulator/os/hogs", {}).get("throttled_requests", 0)
    check(held > 0 and not any(k.startswith("mem/regulator/cpu") for k in det),
          "detailed %s: the shared budget's throttling in mem/regulator/os/hogs (%d requests held), "
          "none per core" % (kind, held))
    f_shared = victim("fast", shared)["response_time_mean_us"]
    f_own = victim("fast", own)["response_time_mean_us"]
    check(abs(f_shared / f_own - 1) <= 1e-9,
          "fast %s: equal split of the shared budget = per-core budgets: %.3f us, %.3f us"
          % (kind, f_shared, f_own))
with open(os.path.join(out, "interference.csv"), "w") as f:
    f.write("label,detailed_slowdown,fast_slowdown,detailed_llc_mpki,fast_llc_mpki\n")
    for name in labels:
        solo = "solo-coloured" if "coloured" in name else "solo"
        f.write("%s,%.4f,%.4f,%.3f,%.3f\n" % (name, slowdown("detailed", name, solo), slowdown("fast", name, solo),
                                               victim("detailed", name)["llc_mpki"], victim("fast", name)["llc_mpki"]))
# ---- per-resource metrics ----
# Detailed: every DRAM request leaves one queueing-delay sample; every LLC lookup from an L1 miss
# one slot-wait sample (so at most the LLC's accesses, which also count L1 write-backs). Fast:
# the bus and DRAM utilisations the model integrates over the run, within 10% of the detailed
# run's where the resource is busy at least 10% of the time (below that a few cold fills or
# bursts weigh too much).
for path in sorted(glob.glob("scenarios/examples/interference-*.json") + glob.glob("scenarios/calibration/stream-*.json")
                   + ["scenarios/examples/consolidation-memory.json", "scenarios/examples/trace-replay.json"]):
    name = os.path.basename(path)[:-5]
    det, fast = summary("detailed", name), summary("fast", name)
    check(det["mem/dram"]["queue_delay_samples"] == det["mem/dram"]["requests"]
          and 0 < det["mem/llc"]["queue_delay_samples"] <= det["mem/llc"]["accesses"],
          "%s: DRAM queue delay per request (%d samples, mean %.1f ns), LLC slot wait per lookup (%d)"
          % (name, det["mem/dram"]["queue_delay_samples"], det["mem/dram"]["queue_delay_mean_us"] * 1e3,
             det["mem/llc"]["queue_delay_samples"]))
    for res in ("mem/bus", "mem/dram"):
        u_det, u_fast = det[res]["utilisation"], fast[res]["utilisation"]
        if u_det >= 0.10:
            check(abs(u_fast / u_det - 1) <= 0.10,
                  "%s %s: fast utilisation %.3f within 10%% of detailed %.3f" % (name, res, u_fast, u_det))
# ---- under a hypervisor: profiled guest work forwarded by the vCPUs to the cores' engines ----
for k, det in summary("detailed", "consolidation-memory").items():
    if "/task/" not in k:
        continue
    fast = summary("fast", "consolidation-memory")[k]
    check(det["completions"] > 0 and det["llc_misses"] > 0,
          "consolidation-memory %s: %d jobs done through its vCPU, %d LLC misses" % (k, det["completions"], det["llc_misses"]))
    check(abs(fast["response_time_mean_us"] / det["response_time_mean_us"] - 1) <= 0.10,
          "consolidation-memory %s: fast %.1f us within 10%% of detailed %.1f us"
          % (k, fast["response_time_mean_us"], det["response_time_mean_us"]))
# ---- a trace-driven task ----
det, fast = (summary(f, "trace-replay")["os/rtos/task/walk"] for f in ("detailed", "fast"))
check(det["completions"] == 10 and det["llc_misses"] > 0,
      "trace-replay: 10 jobs of the trace, %d LLC misses" % det["llc_misses"])
check(abs(fast["response_time_mean_us"] / det["response_time_mean_us"] - 1) <= 0.10,
      "trace-replay: fast %.1f us within 10%% of detailed %.1f us"
      % (fast["response_time_mean_us"], det["response_time_mean_us"]))
# ---- inter-OS shared memory ----
# Producer (cpu0) and consumer (cpu1) run together, each making 300 accesses per 1000
# instructions, 1/5 of them to the 16 KiB buffer: shared rates a_p = a_c. A consumer read finds
# the line written by the producer since its last touch with probability W_p / (a_c + W_p) =
# 1/2 (the producer only writes), so about half of its 10 x 12000 shared reads are transfers;
# each costs the LLC hit latency, as does each producer write that invalidates the consumer's
# copy (also about half). No invalidation by the reader, no transfer metric without a region.
det, fast = (summary(f, "shared-memory-2os") for f in ("detailed", "fast"))
for fid, m in (("detailed", det), ("fast", fast)):
    cons, prod = m["os/consumer_os/task/consumer"], m["os/producer_os/task/producer"]
    shared_reads = cons["instructions"] * 300 // 1000 // 5
    check(cons["coherence_transfers"] > 0 and abs(cons["coherence_transfers"] / shared_reads - 0.5) <= 0.05
          and cons["coherence_invalidations"] == 0,
          "shared-memory-2os %s: consumer %d transfers of %d shared reads (about 1/2), no invalidation"
          % (fid, cons["coherence_transfers"], shared_reads))
    check(abs(prod["coherence_invalidations"] / shared_reads - 0.5) <= 0.05,
          "shared-memory-2os %s: producer %d invalidations (about 1/2 of its shared writes)"
          % (fid, prod["coherence_invalidations"]))
for task in ("os/producer_os/task/producer", "os/consumer_os/task/consumer"):
    d, f = det[task]["response_time_mean_us"], fast[task]["response_time_mean_us"]
    check(abs(f / d - 1) <= 0.10, "shared-memory-2os %s: fast %.1f us within 10%% of detailed %.1f us"
          % (task, f, d))
check("coherence_transfers" not in summary("detailed", "interference-solo")["os/victim/task/control"],
      "no coherence metrics in a scenario without shared regions")
print("CHECKS_FAILED %d" % failed)
PY
grep -v '^CHECKS_FAILED' "$WORK/checks" || true
while read -r line; do
  case "$line" in
    "ok "*) PASSED=$((PASSED + 1)) ;;
    "FAIL "*) FAILED=$((FAILED + 1)) ;;
  esac
done < <(sed 's/^  //' "$WORK/checks")
grep -q '^CHECKS_FAILED' "$WORK/checks" && pass "analysis ran" || fail "analysis did not finish"

# The solo reference: the victim of interference-3hogs run alone is exactly interference-solo
# (same seed, platform and task), so its slowdown is the ratio of the two runs' mean responses.
"$MOSAIC" run scenarios/examples/interference-3hogs.json -o "$WORK/solo-ref" --no-figures \
  --solo-reference >/dev/null
python3 - "$WORK" <<'PY' && pass "--solo-reference: slowdown = 3hogs mean / solo mean" || fail "--solo-reference slowdown"
import json, sys
w = sys.argv[1]
get = lambda d: json.load(open(w + "/" + d + "/summary.json"))["metrics"]["os/victim/task/control"]
ref, hogs, solo = get("solo-ref"), get("detailed/interference-3hogs"), get("detailed/interference-solo")
want = hogs["response_time_mean_us"] / solo["response_time_mean_us"]
print("       slowdown %.6f, expected %.6f" % (ref["slowdown"], want))
sys.exit(0 if abs(ref["slowdown"] / want - 1) < 1e-6 and ref["slowdown"] > 2 else 1)
PY

# Loader errors for a profile's "shared", at its JSON path.
shared_error() { # a python statement editing the example `s` -> the run's error text
  python3 - "$1" >"$WORK/bad.json" <<'PY'
import json, os, sys
s = json.load(open("scenarios/examples/shared-memory-2os.json"))
s["platform"] = os.path.abspath("scenarios/platforms/zynqmp-a53.json")
exec(sys.argv[1])
print(json.dumps(s))
PY
  "$MOSAIC" run "$WORK/bad.json" -o "$WORK/bad" --no-figures 2>&1 >/dev/null || true
}
err=$(shared_error 's["profiles"]["consume"]["shared"]["region"] = "bufer"')
case "$err" in
  *'profiles.consume.shared.region'*"unknown shared region 'bufer'; did you mean 'buffer'?"*)
    pass "unknown shared region: error at its path" ;;
  *) fail "unknown shared region: $err" ;;
esac
err=$(shared_error 's["profiles"]["produce"]["shared"]["fraction"] = 1.5')
case "$err" in
  *'profiles.produce.shared.fraction'*'must be in [0, 1]'*) pass "shared fraction out of [0, 1]: error at its path" ;;
  *) fail "shared fraction out of range: $err" ;;
esac
# only tasks reach shared regions: an ISR (or the hypervisor) with such a profile is refused
err=$(shared_error 's["oses"][0]["isrs"] = [{"name": "rx", "irq": 40, "profile": "consume", "instructions": 100}]')
case "$err" in
  *'oses[0].isrs[0].profile'*"an ISR cannot run a profile with a 'shared' part"*)
    pass "an ISR with a shared profile: error at its path" ;;
  *) fail "an ISR with a shared profile: $err" ;;
esac

# Determinism: the same memory scenario twice gives byte-identical results.
"$MOSAIC" run scenarios/examples/interference-2hogs.json -o "$WORK/again" --no-figures >/dev/null
if cmp -s "$WORK/again/summary.json" "$WORK/detailed/interference-2hogs/summary.json"; then
  pass "interference-2hogs: summary.json identical across runs"
else fail "interference-2hogs: summary.json differs between identical runs"; fi

# Figures from the CSV files (gnuplot, when installed).
if command -v gnuplot >/dev/null; then
  for gp in calibration interference; do
    (cd "$OUT" && gnuplot "$OLDPWD/scenarios/calibration/$gp.gp") && [ -s "$OUT/$gp.svg" ] &&
      pass "$OUT/$gp.svg drawn" || fail "$gp.gp did not draw $OUT/$gp.svg"
  done
fi
finish
