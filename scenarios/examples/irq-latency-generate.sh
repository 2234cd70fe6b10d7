#!/bin/sh
# Regenerates the interrupt-latency scenarios of this folder (irq-latency-*.json, checked in;
# run from here after a change). One experiment on the ZCU102 (zynqmp-a53): a generic-timer
# interrupt every 530 us (+ up to 20 us of jitter; 530 moves the edges across the 1 ms frames) into a bare-metal-like guest on cpu0, whose
# only work besides its small ISR is a main loop streaming through 96 KiB (so the core's L1
# holds no hypervisor lines by the next interrupt). Configurations:
#   design   amp (no hypervisor), static, static-direct (direct injection), arinc653,
#            fixed-priority, rtds, credit; under the last four a service VM shares cpu0 (30 %
#            of it: a 700/300 us split per 1 ms by windows, budgets or weights)
#   load     alone, or hog: a VM (an OS in amp) streaming through 16 MiB on cpu1-cpu3
#   colours  none; guest (guest 0-7, hog 8-15); hv (hypervisor 0, guest and hog 1-15);
#            both (hypervisor 0, guest 1-7, hog 8-15). All four for static, none and both
#            for the other hypervisor designs, none and guest for amp.
# Every number not from the platform file is an estimate stated in its description.
set -eu

profiles='"profiles": {
    "main_loop": { "instructions": 1000000000000, "base_cpi": 1.0,
                   "accesses_per_kilo_instruction": 300, "working_set_bytes": 98304,
                   "pattern": "sequential" },
    "isr_body": { "instructions": 1500, "base_cpi": 1.0, "accesses_per_kilo_instruction": 200,
                  "working_set_bytes": 4096, "pattern": "random", "writes_per_thousand": 200 },
    "hv_irq": { "instructions": 1500, "base_cpi": 1.0, "accesses_per_kilo_instruction": 250,
                "working_set_bytes": 16384, "pattern": "random", "writes_per_thousand": 200 },
    "stream": { "instructions": 1000000000000, "base_cpi": 0.5,
                "accesses_per_kilo_instruction": 500, "working_set_bytes": 16777216,
                "pattern": "sequential" }
  }'

guest_tasks='"tasks": [ { "name": "main", "period_ms": 1000, "priority": 1, "profile": "main_loop" } ],
      "isrs": [ { "name": "tick", "irq": IRQ, "profile": "isr_body" } ]'

hog_tasks_vm='"tasks": [
        { "name": "s1", "vcpu": 0, "period_ms": 1000, "priority": 1, "profile": "stream" },
        { "name": "s2", "vcpu": 1, "period_ms": 1000, "priority": 1, "profile": "stream" },
        { "name": "s3", "vcpu": 2, "period_ms": 1000, "priority": 1, "profile": "stream" } ]'

hog_tasks_amp='"tasks": [
        { "name": "s1", "core": "cpu1", "period_ms": 1000, "priority": 1, "profile": "stream" },
        { "name": "s2", "core": "cpu2", "period_ms": 1000, "priority": 1, "profile": "stream" },
        { "name": "s3", "core": "cpu3", "period_ms": 1000, "priority": 1, "profile": "stream" } ]'

timer_note='The timer fires every 530 us (a period that moves the edges across the 1 ms frames of the shared core) with up to 20 us of jitter; the latency (edge to the ISR first instruction) is irq/guest/timer/latency.'
cost_note='Costs (estimates): guest exception entry 60 cycles; hypervisor interrupt path 100 cycles entry, handling and injection as 1500 instructions over a 16 KiB working set of the hypervisor (vector table, GIC driver, vCPU state, list registers; the 800 + 200 cycles are used without memory models), 100 cycles exit; world switch 1200 cycles; the ISR body 1500 instructions over 4 KiB.'

colour_list() { # from to
        seq -s, "$1" "$2"
}

# guest_colours hog_colours hv_colours for a colour configuration
colours() {
        case "$1" in
        none) echo "- - -" ;;
        guest) echo "0-7 8-15 -" ;;
        hv) echo "1-15 1-15 0-0" ;;
        both) echo "1-7 8-15 0-0" ;;
        esac
}

colour_key() { # range or -, trailing comma
        [ "$1" = - ] && return 0
        printf '"colours": [%s], ' "$(colour_list "${1%-*}" "${1#*-}")"
}

hypervisor() { # design hv_colours load
        policy=$1
        extra=""
        hog_windows=""
        [ "$3" = hog ] && hog_windows=',
      { "core": "cpu1", "major_frame_ms": 1, "windows": [ { "vm": "hog", "vcpu": 0, "duration_ms": 1 } ] },
      { "core": "cpu2", "major_frame_ms": 1, "windows": [ { "vm": "hog", "vcpu": 1, "duration_ms": 1 } ] },
      { "core": "cpu3", "major_frame_ms": 1, "windows": [ { "vm": "hog", "vcpu": 2, "duration_ms": 1 } ] }'
        case "$1" in
        static-direct) policy=static extra='"direct_injection": true, ' ;;
        fixed-priority) policy=fixed_priority ;;
        arinc653) extra='"schedule": [ { "core": "cpu0", "major_frame_ms": 1, "windows": [
        { "vm": "guest", "duration_us": 700 }, { "vm": "service", "duration_us": 300 } ] }'"$hog_windows"' ],
    ' ;;
        esac
        printf '"hypervisor": { "policy": "%s", %s%s"world_switch_cycles": 1200,
    "trap_entry_cycles": 150, "trap_exit_cycles": 150, "irq_entry_cycles": 100,
    "irq_handling_cycles": 800, "irq_injection_cycles": 200, "irq_exit_cycles": 100,
    "irq_profile": "hv_irq" },' "$policy" "$extra" "$(colour_key "$2")"
}

# the vCPU object of a VM on `core` under `design`, share "guest" or "service"
vcpu() { # design core share
        case "$1" in
        fixed-priority)
                if [ "$3" = guest ]; then
                        printf '{ "core": "%s", "priority": 2, "budget_us": 700, "period_ms": 1 }' "$2"
                elif [ "$3" = service ]; then
                        printf '{ "core": "%s", "priority": 1, "budget_us": 300, "period_ms": 1 }' "$2"
                else
                        printf '{ "core": "%s", "priority": 1, "budget_ms": 1, "period_ms": 1 }' "$2"
                fi ;;
        rtds)
                if [ "$3" = guest ]; then
                        printf '{ "core": "%s", "budget_us": 700, "period_ms": 1 }' "$2"
                elif [ "$3" = service ]; then
                        printf '{ "core": "%s", "budget_us": 300, "period_ms": 1 }' "$2"
                else
                        printf '{ "core": "%s", "budget_ms": 1, "period_ms": 1 }' "$2"
                fi ;;
        credit)
                if [ "$3" = service ]; then
                        printf '{ "core": "%s", "weight": 110 }' "$2"
                else
                        printf '{ "core": "%s", "weight": 256 }' "$2"
                fi ;;
        *) printf '{ "core": "%s" }' "$2" ;;
        esac
}

shared() { # design: whether a service VM shares cpu0
        case "$1" in
        arinc653 | fixed-priority | rtds | credit) return 0 ;;
        *) return 1 ;;
        esac
}

virtualised() { # design load colours
        set -- "$1" "$2" "$3" $(colours "$3")
        design=$1 load=$2 name="irq-latency-$1-$2-$3"
        service_vm="" hog_vm="" what="alone on the other cores"
        if shared "$design"; then
                service_vm=",
    { \"name\": \"service\", \"vcpus\": [ $(vcpu "$design" cpu0 service) ],
      \"os\": { \"scheduler\": \"fixed_priority\" },
      \"tasks\": [ { \"name\": \"work\", \"period_ms\": 1, \"priority\": 1, \"execution_cycles\": 360000 } ] }"
        fi
        if [ "$load" = hog ]; then
                what="a memory-hog VM streaming on cpu1-cpu3"
                hog_vm=",
    { \"name\": \"hog\", $(colour_key "$5")\"vcpus\": [ $(vcpu "$design" cpu1 hog), $(vcpu "$design" cpu2 hog), $(vcpu "$design" cpu3 hog) ],
      \"os\": { \"scheduler\": \"fixed_priority\" },
      $hog_tasks_vm }"
        fi
        cat > "$name.json" <<JSON
{
  "name": "$name",
  "description": "Interrupt latency under the $design hypervisor with $what, colours: $3. $timer_note $cost_note",
  "platform": "../platforms/zynqmp-a53.json",
  "run": { "duration_ms": 30, "seed": 1 },
  $profiles,
  $(hypervisor "$design" "$6" "$load")
  "vms": [
    { "name": "guest", $(colour_key "$4")"vcpus": [ $(vcpu "$design" cpu0 guest) ],
      "os": { "scheduler": "fixed_priority", "exception_entry_cycles": 60 },
      $(echo "$guest_tasks" | sed 's/IRQ/27/') }$service_vm$hog_vm
  ],
  "interrupts": [ { "name": "timer", "vm": "guest", "vcpu": 0, "period_us": 530,
                    "offset_us": 37, "jitter_us": 20 } ]
}
JSON
}

amp() { # load colours
        set -- "$1" "$2" $(colours "$2")
        load=$1 name="irq-latency-amp-$1-$2"
        hog_os="" what="alone on the other cores"
        if [ "$load" = hog ]; then
                what="a memory-hog OS streaming on cpu1-cpu3"
                hog_os=",
    { \"name\": \"hog\", \"cores\": [\"cpu1\", \"cpu2\", \"cpu3\"], $(colour_key "$4")\"scheduler\": \"fixed_priority\",
      $hog_tasks_amp }"
        fi
        cat > "$name.json" <<JSON
{
  "name": "$name",
  "description": "Interrupt latency without a hypervisor (AMP) with $what, colours: $2. $timer_note $cost_note",
  "platform": "../platforms/zynqmp-a53.json",
  "run": { "duration_ms": 30, "seed": 1 },
  $profiles,
  "oses": [
    { "name": "guest", "cores": ["cpu0"], $(colour_key "$3")"scheduler": "fixed_priority",
      "exception_entry_cycles": 60,
      $(echo "$guest_tasks" | sed 's/IRQ/30/' | sed 's/"priority": 1, "profile": "main_loop"/"core": "cpu0", "priority": 1, "profile": "main_loop"/') }$hog_os
  ],
  "interrupts": [ { "name": "timer", "os": "guest", "core": "cpu0", "period_us": 530,
                    "offset_us": 37, "jitter_us": 20 } ]
}
JSON
}

# every colour configuration for static partitioning (the colouring question); none and
# both for direct injection and the scheduling policies (the policy question)
for load in alone hog; do
        for c in none guest; do amp "$load" "$c"; done
        for c in none guest hv both; do virtualised static "$load" "$c"; done
        for design in static-direct arinc653 fixed-priority rtds credit; do
                for c in none both; do virtualised "$design" "$load" "$c"; done
        done
done
