/*
 * sched_fair: a Linux CFS-like weighted fair-share policy for guest_os, partitioned per core
 * (or vCPU). Modelled on CFS as it was before EEVDF replaced it in Linux 6.6
 * (kernel/sched/fair.c, kernel/sched/core.c); OS parameters come from struct os_config.
 *
 * Weights: a task's weight is task_config.weight, or when that is 0 the weight of its nice
 * level (-20..19) in Linux's sched_prio_to_weight table: nice 0 = 1024, each step about 1.25x
 * (nice 5 = 335, nice -20 = 88761, nice 19 = 15). Task priorities are not read.
 *
 * Virtual runtime: while a job of a task executes, the task's vruntime grows by
 * delta * 1024 / weight, where delta is the picoseconds it held the core (wall time, so
 * interference and, in a VM, time the hypervisor gives to other vCPUs count, as in CFS without
 * steal-time accounting; a context switch is charged to nobody). The division is exact over a
 * run: the remainder is carried. vruntime belongs to the task and survives across its jobs.
 * A core's min_vruntime follows min(vruntime of its runnable tasks) and never decreases.
 *
 * Choice: the runnable task with the smallest vruntime runs (equal: the lower task index). It
 * holds the core for a time slice of max(min_granularity, target_latency * weight / W), W the
 * total weight of the runnable tasks on the core (the running one included), evaluated at every
 * decision, so a wake-up shortens the running slice. When the slice has run out, the running
 * task is preempted if another runnable task's vruntime is smaller or equal (equal: the waiting
 * task goes first, as CFS re-queues the current task after equal keys); otherwise it starts a
 * new slice. There is no wake-up preemption (CFS's sched_wakeup_granularity test is not
 * modelled): a waking task waits at most for the end of the running slice. CFS's stretching of
 * the period to nr_running * min_granularity beyond 8 tasks is not modelled either; the
 * min_granularity floor per slice is (CFS's BASE_SLICE).
 *
 * Sleep and wake-up: a task whose job completes while its next job is already released keeps
 * the core and its slice (it did not sleep). A task that wakes (its job is released while it
 * had none) gets vruntime = max(its vruntime, min_vruntime - target_latency / 2): CFS's
 * place_entity with GENTLE_FAIR_SLEEPERS, which credits a sleeper at most half a latency
 * period, so it runs soon without monopolising the core. A task's first release is such a
 * wake-up from vruntime 0 (no START_DEBIT: tasks exist from the start of the run).
 *
 * Interrupts and the tick: an ISR that takes the core leaves the running task current
 * (interrupts_keep_running): its slice goes on and the ISR's time is charged to it, as CFS
 * charges interrupt time to the current task; after the ISR it resumes unless its slice has run
 * out. Tickless (default), the slice end is an exact timer (next_decision_ps); with the OS's
 * periodic tick (guest_os.h) it is seen at the first decision at or after it, normally the
 * one after a tick's ISR, as CFS's check_preempt_tick does.
 *
 * Defaults: target latency 6 ms and minimum granularity 0.75 ms, Linux's sysctl_sched_latency
 * and sysctl_sched_min_granularity for one CPU (OS_FAIR_DEFAULT_* in sim/scenario.h).
 */
#ifndef MOSAIC_OS_SCHED_FAIR_H
#define MOSAIC_OS_SCHED_FAIR_H

#include <stdint.h>

#include "models/os/guest_os.h"

#define SCHED_FAIR_NICE_0_WEIGHT 1024

extern const struct guest_os_sched_ops sched_fair_ops;

/* The CFS weight of nice level `nice` (OS_FAIR_NICE_MIN..OS_FAIR_NICE_MAX). */
uint32_t sched_fair_nice_weight(int32_t nice);

#endif
