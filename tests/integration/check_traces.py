#!/usr/bin/env python3
"""Checks mosaic's trace files: check_traces.py DIR prints one 'ok'/'FAIL' line per check.

trace.json (Chrome Trace Event Format): loads as JSON; every B has its E on the same (pid, tid),
with the same name, in stack order; timestamps never decrease per (pid, tid); every pid and tid
that carries events is named by an "M" event.
trace.btf (BTF 2.x): header lines first (#version 2.x, #creator, #creationDate, #timeScale),
then lines of 7 or 8 comma-separated fields: a numeric, non-decreasing time, an integer source
and target instance, a known target type and an event that type has; task instances start
before they are preempted, resume only after a preempt and are terminated once.
"""
import json
import re
import sys

failures = 0


def check(ok, what):
    global failures
    print(("  ok   " if ok else "  FAIL ") + what)
    if not ok:
        failures += 1


def check_chrome(path):
    with open(path) as f:
        trace = json.load(f)
    events = trace["traceEvents"]
    check(len(events) > 0, f"{path}: {len(events)} events")
    stacks, last_ts, named = {}, {}, set()
    nesting = monotonic = True
    used = set()
    for e in events:
        if e["ph"] == "M":
            named.add((e["pid"], e.get("tid")))
            continue
        key = (e["pid"], e["tid"])
        used.add(key)
        ts = float(e["ts"])
        if ts < last_ts.get(key, 0.0):
            monotonic = False
        last_ts[key] = ts
        stack = stacks.setdefault(key, [])
        if e["ph"] == "B":
            stack.append(e["name"])
        elif e["ph"] == "E":
            if not stack or stack.pop() != e["name"]:
                nesting = False
        elif e["ph"] == "X":
            nesting = nesting and float(e["dur"]) >= 0
    check(nesting, f"{path}: B/E slices nest per (pid, tid)")
    check(all(not s for s in stacks.values()), f"{path}: every slice is closed")
    check(monotonic, f"{path}: timestamps non-decreasing per (pid, tid)")
    check(all((p, None) in named and (p, t) in named for p, t in used),
          f"{path}: every pid and tid is named")


TYPES = {
    "T": {"activate", "start", "preempt", "resume", "terminate", "poll", "run", "park",
          "poll_parking", "release_parking", "wait", "release"},
    "I": {"activate", "start", "preempt", "resume", "terminate"},
    "C": {"execute", "idle", "set_frequence"},
    "R": {"start", "suspend", "resume", "terminate"},
    "STI": {"trigger"},
}
LINE = re.compile(r"^(\d+),([^,\s]+),(-?\d+),([A-Z]+),([^,\s]+),(-?\d+),([a-z_]+)(,[^,]*)?$")


def check_btf(path):
    with open(path) as f:
        lines = f.read().splitlines()
    header = [l for l in lines if l.startswith("#")]
    body = lines[len(header):]
    check(lines[:len(header)] == header, f"{path}: header lines come first")
    check(re.match(r"^#version 2\.\d+(\.\d+)?$", lines[0]) is not None, f"{path}: #version 2.x")
    for key in ("#creator ", "#creationDate ", "#timeScale "):
        check(any(l.startswith(key) for l in header), f"{path}: {key.strip()} in the header")
    check(re.match(r"^#creationDate \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$",
                   next(l for l in header if l.startswith("#creationDate"))) is not None,
          f"{path}: #creationDate is ISO 8601")
    grammar = known = monotonic = states = True
    last = 0
    state = {}  # (task, instance) -> "running" | "ready" | "done"
    for line in body:
        m = LINE.match(line)
        if m is None:
            if grammar:
                print(f"       bad line: {line}")
            grammar = False
            continue
        time, _, _, ttype, target, inst, event = m.group(1, 2, 3, 4, 5, 6, 7)
        if ttype not in TYPES or event not in TYPES[ttype]:
            known = False
        if int(time) < last:
            monotonic = False
        last = int(time)
        if ttype in ("T", "I"):
            key, now = (target, inst), state.get((target, inst))
            expect = {"start": (None, "running"), "preempt": ("running", "ready"),
                      "resume": ("ready", "running"), "terminate": ("running", "done")}
            if event in expect:
                if now != expect[event][0]:
                    if states:
                        print(f"       {event} of {target} {inst} in state {now}: {line}")
                    states = False
                state[key] = expect[event][1]
    check(len(body) > 0, f"{path}: {len(body)} event lines")
    check(grammar, f"{path}: every line has the 8-column BTF grammar")
    check(known, f"{path}: known target types and events")
    check(monotonic, f"{path}: times non-decreasing")
    check(states, f"{path}: task and ISR instances follow start/preempt/resume/terminate")


check_chrome(sys.argv[1] + "/trace.json")
check_btf(sys.argv[1] + "/trace.btf")
sys.exit(1 if failures else 0)
