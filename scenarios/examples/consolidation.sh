#!/usr/bin/env bash
# Runs the automotive consolidation example under every hypervisor policy and as AMP, each with
# --solo-reference, and writes a comparison: per-task rows (tasks.csv) and one summary row per
# policy (policies.csv, policies.md), from the runs' summary.json files: brake p99, deadline
# misses and worst isolation slowdown per VM, the wheel timer's interrupt latency p99 (edge to
# the rtos ISR), the brake doorbell's latency p99 (brake's completion to the service ISR) and,
# per cause-effect chain, its reaction time and data age p99 (docs/chains.md).
# Usage: scenarios/examples/consolidation.sh [output-dir] (default results/consolidation);
# MOSAIC names the binary (default build/bin/mosaic).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-results/consolidation}
mosaic=${MOSAIC:-build/bin/mosaic}
policies=(amp static arinc653 fixed-priority rtds credit)

mkdir -p "$out"
for p in "${policies[@]}"; do
  "$mosaic" run "scenarios/examples/consolidation-$p.json" -o "$out/$p" --solo-reference \
    --no-figures --quiet
done

python3 - "$out" "${policies[@]}" <<'PY'
import csv, json, os, sys

out, policies = sys.argv[1], sys.argv[2:]


def write_atomic(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def fmt(value, digits):
    return "-" if value is None else "%.*f" % (digits, value)


rows, summary = [], []
for policy in policies:
    metrics = json.load(open(os.path.join(out, policy, "summary.json")))["metrics"]
    per_vm = {}
    irq_p99 = {}
    chains = {}
    for entity, m in metrics.items():
        parts = entity.split("/")
        if len(parts) == 4 and parts[0] in ("vm", "os") and parts[2] == "task":
            vm, task = parts[1], parts[3]
            rows.append([policy, vm, task, "%.1f" % m["response_time_p99_us"],
                         m["deadline_misses"], m["activations"],
                         "%.3f" % m.get("slowdown", 0.0), "%.3f" % m.get("isolation_slowdown", 0.0)])
            s = per_vm.setdefault(vm, {"misses": 0, "worst_isolation": 0.0})
            s["misses"] += m["deadline_misses"]
            s["worst_isolation"] = max(s["worst_isolation"], m.get("isolation_slowdown", 0.0))
            if vm == "rtos" and task == "brake":
                brake_p99 = m["response_time_p99_us"]
        if parts[0] == "irq" and len(parts) == 3:
            irq_p99[parts[2]] = m.get("latency_p99_us")
        if parts[0] == "chain" and len(parts) == 2:
            chains[parts[1]] = (m.get("reaction_time_p99_us"), m.get("data_age_p99_us"))
    summary.append([policy, "%.1f" % brake_p99,
                    per_vm.get("rtos", {}).get("misses", 0),
                    "%.3f" % per_vm.get("rtos", {}).get("worst_isolation", 0.0),
                    per_vm.get("linux", {}).get("misses", 0),
                    "%.3f" % per_vm.get("linux", {}).get("worst_isolation", 0.0),
                    "%.3f" % per_vm.get("service", {}).get("worst_isolation", 0.0),
                    fmt(irq_p99.get("wheel_timer"), 2), fmt(irq_p99.get("brake_cmd"), 2)]
                   + [fmt(v, 1) for name in sorted(chains) for v in chains[name]])
    chain_names = sorted(chains)

task_header = ["policy", "vm", "task", "response_time_p99_us", "deadline_misses", "activations",
               "slowdown", "isolation_slowdown"]
policy_header = ["policy", "brake_p99_us", "rtos_deadline_misses", "rtos_worst_isolation_slowdown",
                 "linux_deadline_misses", "linux_worst_isolation_slowdown",
                 "service_worst_isolation_slowdown", "irq_latency_p99_us",
                 "doorbell_latency_p99_us"]
policy_header += ["%s_%s_p99_us" % (name, what) for name in chain_names
                  for what in ("reaction", "data_age")]


def to_csv(header, data):
    lines = [",".join(header)] + [",".join(str(c) for c in r) for r in data]
    return "\n".join(lines) + "\n"


write_atomic(os.path.join(out, "tasks.csv"), to_csv(task_header, rows))
write_atomic(os.path.join(out, "policies.csv"), to_csv(policy_header, summary))
md = ["| " + " | ".join(policy_header) + " |", "|" + "---|" * len(policy_header)]
md += ["| " + " | ".join(str(c) for c in r) + " |" for r in summary]
write_atomic(os.path.join(out, "policies.md"), "\n".join(md) + "\n")
print("consolidation: wrote %s/{tasks.csv,policies.csv,policies.md}" % out)
PY
