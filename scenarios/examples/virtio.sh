#!/usr/bin/env bash
# Runs the virtio experiments (issue 6) and writes to OUT (default results/virtio, or $1):
#   virtio.csv / virtio.md   one row per run: experiment, variant, requests completed, latency
#                            mean/p50/p99/max (us), the mean of each latency phase (us),
#                            notifications, interrupts, ring L1 misses and ring hand-offs per
#                            request, throughput (requests/s)
#   virtio-placement.svg     virtio-blk latency (mean, p99) per backend placement, alone and with
#                            the memory-hog VM sharing the service VM's core
#   virtio-phases.svg        the mean latency broken into phases, per placement and load
#   virtio-suppression.svg   notifications and interrupts per request, EVENT_IDX on and off
#                            (service VM backend, closed loop of 8 outstanding reads)
#   virtio-rings.svg         ring L1 misses and hand-offs per request, split and packed
#   virtio-can.svg           latency of the RTOS VM's CAN frames and the Linux VM's
# The runs: virtio-blk.json (backend in the hypervisor, alone) and virtio-blk-hog.json (service
# VM sharing cpu1 with a memory-hog VM) are the bases; the variants are made here by changing
# the backend ("placement": hypervisor, service_vm, polling_core on cpu2), the ring
# ("event_idx", "layout") and the workload, into OUT/scenarios, then run. virtio-can.json runs
# as it is. Run from the repository root; MOSAIC is the binary (default build/bin/mosaic).
set -euo pipefail
MOSAIC=${MOSAIC:-build/bin/mosaic}
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-results/virtio}
mkdir -p "$OUT/scenarios" "$OUT/runs"

python3 - "$HERE" "$OUT/scenarios" <<'PY'
import copy, json, os, sys

here, out = sys.argv[1], sys.argv[2]
def load(name):
    with open(os.path.join(here, name)) as f:
        return json.load(f)
alone, hog = load("virtio-blk.json"), load("virtio-blk-hog.json")
backends = {
    "hypervisor": {"placement": "hypervisor", "notify_cycles": 1000},
    "service_vm": {"placement": "service_vm", "notify_cycles": 1000, "vm": "svc", "vcpu": 0,
                   "doorbell_sgi": 1, "wake_irq": 41},
    "polling_core": {"placement": "polling_core", "core": "cpu2", "poll_interval_ns": 500},
}
def emit(name, base, backend, workload=None, **ring):
    s = copy.deepcopy(base)
    s["name"] = name
    s["platform"] = os.path.relpath(os.path.join(here, base["platform"]), out)
    d = s["devices"][0]
    d["backend"] = dict(backends[backend])
    d["ring"].update(ring)
    if workload is not None:
        d["workload"] = workload
    with open(os.path.join(out, name + ".json"), "w") as f:
        json.dump(s, f, indent=2)
for load_name, base in (("alone", alone), ("hog", hog)):
    for backend in backends:
        emit("placement-%s-%s" % (backend, load_name), base, backend)
# Suppression: the service VM's backend, alone, a closed loop of 8 outstanding reads (requests
# and completions overlap, so the indices have something to suppress).
closed = {"arrival": "closed", "queue_depth": 8, "bytes": 4096, "pattern": "random"}
for on in (True, False):
    emit("event_idx-%s" % ("on" if on else "off"), alone, "service_vm", closed, event_idx=on)
# Ring layout: backend on the polling core, alone (on another core than the driver, so every
# ring line the other side wrote crosses between the two L1s; a backend in the hypervisor runs
# on the driver's core and shares its L1: no hand-offs to compare).
for layout in ("split", "packed"):
    emit("ring-%s" % layout, alone, "polling_core", layout=layout)
PY
cp "$HERE/virtio-can.json" "$OUT/scenarios/can-shared_backend.json"
sed -i "s|\"../platforms/|\"$(realpath --relative-to="$OUT/scenarios" "$HERE/../platforms")/|" \
        "$OUT/scenarios/can-shared_backend.json"

for scenario in "$OUT"/scenarios/*.json; do
        name=$(basename "$scenario" .json)
        "$MOSAIC" run "$scenario" -o "$OUT/runs/$name" --no-figures --quiet >/dev/null
done

python3 - "$OUT" <<'PY'
import glob, json, os, sys

out = sys.argv[1]
phases = ["guest_queue", "driver", "notify", "backend_wait", "backend_ring", "device",
          "interrupt", "completion"]
header = (["experiment", "variant", "device", "completed", "latency_mean_us", "latency_p50_us",
           "latency_p99_us", "latency_max_us"] + ["phase_%s_mean_us" % p for p in phases] +
          ["notifications_per_request", "interrupts_per_request", "ring_l1_misses_per_request",
           "ring_handoffs_per_request", "throughput_rps"])
rows = []
for path in sorted(glob.glob(os.path.join(out, "runs", "*", "summary.json"))):
    run = os.path.basename(os.path.dirname(path))
    experiment, variant = run.split("-", 1)
    with open(path) as f:
        metrics = json.load(f)["metrics"]
    for entity in sorted(k for k in metrics if k.startswith("dev/")):
        m = metrics[entity]
        rows.append([experiment, variant, entity[4:], m["completed"]] +
                    [m.get("latency_%s_us" % k, 0.0) for k in ("mean", "p50", "p99", "max")] +
                    [m.get("phase_%s_mean_us" % p, 0.0) for p in phases] +
                    [m["notifications_per_request"], m["interrupts_per_request"],
                     m["ring_l1_misses_per_request"], m["ring_handoffs_per_request"],
                     m["throughput_rps"]])
def fmt(v):
    return "%.4f" % v if isinstance(v, float) else str(v)
with open(os.path.join(out, "virtio.csv"), "w") as f:
    f.write(",".join(header) + "\n")
    for r in rows:
        f.write(",".join(fmt(v) for v in r) + "\n")
with open(os.path.join(out, "virtio.md"), "w") as f:
    f.write("| experiment | variant | device | completed | mean us | p99 us | max us | notify/req "
            "| irq/req | ring L1 miss/req | ring hand-offs/req |\n")
    f.write("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
    for r in rows:
        f.write("| %s | %s | %s | %d | %.2f | %.2f | %.2f | %.3f | %.3f | %.2f | %.2f |\n"
                % (r[0], r[1], r[2], r[3], r[4], r[6], r[7], r[16], r[17], r[18], r[19]))
for experiment in ("placement", "event_idx", "ring", "can"):
    with open(os.path.join(out, "%s.csv" % experiment), "w") as f:
        f.write(",".join(header) + "\n")
        for r in rows:
            if r[0] == experiment:
                f.write(",".join(fmt(v) for v in r) + "\n")
PY

cd "$OUT"
gnuplot "$HERE/virtio.gp"
echo "wrote $OUT/virtio.csv, virtio.md and figures"
