#!/usr/bin/env bash
# Runs the interrupt-latency experiment (irq-latency-*.json, made by irq-latency-generate.sh)
# and writes to OUT (default results/irq-latency, or $1):
#   irq-latency.csv   one row per configuration: design, load, colours, samples (interrupts
#                     taken), latency min/mean/p50/p90/p99/p99.9/max in us, hypervisor
#                     interrupt time on cpu0 (us), edges raised and merged (raised - taken -
#                     merged is still pending at the end of the run)
#   irq-latency.md    the same as a markdown table
#   irq-latency-<configuration>.svg   the latency distribution (quantile function from the
#                     histogram's percentiles) of each configuration, and irq-latency.svg, the
#                     mean and p99 of all of them (gnuplot scripts irq-latency*.gp here)
# Run from the repository root; MOSAIC is the binary (default build/bin/mosaic).
set -euo pipefail
MOSAIC=${MOSAIC:-build/bin/mosaic}
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-results/irq-latency}
mkdir -p "$OUT/runs"

for scenario in "$HERE"/irq-latency-*.json; do
        name=$(basename "$scenario" .json)
        "$MOSAIC" run "$scenario" -o "$OUT/runs/$name" --no-figures --quiet >/dev/null
done

python3 - "$OUT" <<'PY'
import glob, json, os, sys

out = sys.argv[1]
fields = ["min", "mean", "p50", "p90", "p99", "p999", "max"]
rows = []
for path in sorted(glob.glob(os.path.join(out, "runs", "irq-latency-*", "summary.json"))):
    name = os.path.basename(os.path.dirname(path))[len("irq-latency-"):]
    design, load, colours = name.rsplit("-", 2)
    with open(path) as f:
        metrics = json.load(f)["metrics"]
    irq = metrics["irq/guest/timer"]
    hv = metrics.get("hv/core/cpu0", {})
    rows.append([design, load, colours, irq["latency_samples"]] +
                [irq.get("latency_%s_us" % k, 0.0) for k in fields] +
                [hv.get("irq_time", 0) / 1e6, irq["raised"], irq["merged"]])
order = ["amp", "static", "static-direct", "arinc653", "fixed-priority", "rtds", "credit"]
rows.sort(key=lambda r: (order.index(r[0]), r[1], ["none", "guest", "hv", "both"].index(r[2])))
header = (["design", "load", "colours", "samples"] + ["latency_%s_us" % k for k in fields] +
          ["hv_irq_time_us", "raised", "merged"])
with open(os.path.join(out, "irq-latency.csv"), "w") as f:
    f.write(",".join(header) + "\n")
    for r in rows:
        f.write(",".join(str(v) if not isinstance(v, float) else "%.4f" % v for v in r) + "\n")
with open(os.path.join(out, "irq-latency.md"), "w") as f:
    f.write("| design | load | colours | raised | taken | merged | min us | mean us | p50 us "
            "| p90 us | p99 us | max us | hv irq time us |\n")
    f.write("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
    for r in rows:
        f.write("| %s | %s | %s | %d | %d | %d | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %.1f |\n"
                % (r[0], r[1], r[2], r[12], r[3], r[13], r[4], r[5], r[6], r[7], r[8], r[10],
                   r[11]))
# quantile function per configuration: percentile, latency
for r in rows:
    with open(os.path.join(out, "quantiles-%s-%s-%s.dat" % (r[0], r[1], r[2])), "w") as f:
        for pct, v in zip([0, 50, 90, 99, 99.9, 100], [r[4], r[6], r[7], r[8], r[9], r[10]]):
            f.write("%g %.4f\n" % (pct, v))
PY

cd "$OUT"
for dat in quantiles-*.dat; do
        config=${dat#quantiles-}
        config=${config%.dat}
        gnuplot -e "data='$dat'; config='$config'" "$HERE/irq-latency-config.gp"
done
gnuplot "$HERE/irq-latency.gp"
echo "wrote $OUT/irq-latency.csv, irq-latency.md and figures"
