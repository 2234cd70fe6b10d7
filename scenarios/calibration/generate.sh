#!/bin/sh
# Regenerates the calibration scenarios of this folder (checked in; run from here after a
# change): for each platform, a pointer-chase latency sweep over working-set sizes (one file
# per size: a single task alone on cpu0, one dependent load per instruction) and a streaming
# bandwidth test on 1..N cores (one sequential read stream per core).
set -eu

chase() { # platform size_kib
        cat > "chase-$1-$2k.json" <<JSON
{
  "name": "chase-$1-$2k",
  "description": "Pointer-chase calibration on $1: one dependent 8-byte load per instruction (base CPI 1) over a $2 KiB working set, alone on cpu0. The mean response time per instruction minus one core cycle is the load-to-use latency at this working-set size.",
  "platform": "../platforms/$1.json",
  "run": { "duration_ms": 100, "seed": 1 },
  "profiles": {
    "chase": { "instructions": 100000, "base_cpi": 1.0, "accesses_per_kilo_instruction": 1000,
               "working_set_bytes": $(($2 * 1024)), "pattern": "pointer_chase" }
  },
  "oses": [ { "name": "cal", "cores": ["cpu0"], "scheduler": "fixed_priority",
              "tasks": [ { "name": "chase", "core": "cpu0", "period_ms": 20, "priority": 1,
                           "profile": "chase" } ] } ]
}
JSON
}

stream() { # platform cores
        tasks=""
        oses=""
        i=0
        while [ "$i" -lt "$2" ]; do
                [ -n "$oses" ] && oses="$oses,"
                oses="$oses
    { \"name\": \"s$i\", \"cores\": [\"cpu$i\"], \"scheduler\": \"fixed_priority\",
      \"tasks\": [ { \"name\": \"stream\", \"core\": \"cpu$i\", \"period_ms\": 1, \"priority\": 1,
                   \"profile\": \"stream\" } ] }"
                i=$((i + 1))
        done
        cat > "stream-$1-$2cores.json" <<JSON
{
  "name": "stream-$1-$2cores",
  "description": "Streaming bandwidth calibration on $1: $2 core(s), each reading its own 16 MiB buffer sequentially (one 8-byte load every instruction, base CPI 0.25), one job per millisecond that needs more than a millisecond, so each core streams all the time. The tasks' bandwidth summed over the cores is the sustained DRAM read bandwidth with $2 initiator(s).",
  "platform": "../platforms/$1.json",
  "run": { "duration_ms": 2, "seed": 1 },
  "profiles": {
    "stream": { "instructions": 20000000, "base_cpi": 0.25, "accesses_per_kilo_instruction": 1000,
                "working_set_bytes": 16777216, "pattern": "sequential" }
  },
  "oses": [$oses
  ]
}
JSON
}

for s in 4 8 16 64 128 256 512 4096 16384 65536; do chase zynqmp-a53 "$s"; done
for s in 8 16 32 256 512 1024 2048 32768 65536; do chase automotive-a76-8core "$s"; done
for n in 1 2 3 4; do stream zynqmp-a53 "$n"; done
for n in 1 2 4 8; do stream automotive-a76-8core "$n"; done
