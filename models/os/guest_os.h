/*
 * guest_os: an operating system that runs the jobs of its tasks on execution resources.
 *
 * Partitioned: every task runs on its configured core (one of the OS's cores; in a VM, its
 * vCPU: "core" below means the OS's execution resource, see scenario_task_cpu); each core has
 * its own ready queue, ordered by a scheduling policy (a struct guest_os_sched_ops: fixed
 * priority in sched_fixed_priority.h, EDF in sched_edf.h, fair in sched_fair.h). The OS talks
 * to each core only through a struct exec_port (models/hw/core.h).
 *
 * Jobs: task.h generates each job's activation, release and demand. At its release a job is
 * counted as an activation and appended to its task's FIFO; only the head of that FIFO is in
 * the ready queue, so jobs of one task run in release order under every policy (a job released
 * while an earlier one of its task is unfinished waits behind it). A task with a memory
 * profile (guest_os_set_memory) runs each job as one memory segment through the core's
 * struct mem_exec_port instead of picoseconds of work; its remaining_ps is then only the
 * compute estimate the policies see.
 *
 * Same-instant order: a release runs in SIM_PRIO_NORMAL, a completion (job or context switch)
 * arrives from the core in SIM_PRIO_HIGH, and both only request a scheduling decision, which
 * runs once per core in SIM_PRIO_LOW. So the decision at an instant sees every release and
 * completion of that instant, and its outcome does not depend on the order in which
 * same-instant releases were scheduled (the ready queue is ordered by the policy, not by
 * arrival; fixed priority forbids equal priorities on a core).
 *
 * Decision: the policy's first job runs. If another job is executing, it is preempted at once
 * (same instant), keeps its remaining work in picoseconds, and its task's preemption count
 * grows by one. A job that has been chosen but has not started executing (it was waiting for
 * a context switch) is not counted as preempted when a more urgent job overtakes it. A policy
 * may also ask for a decision at a later instant (next_decision_ps, such as the end of a fair
 * time slice); it runs in SIM_PRIO_LOW like the others.
 *
 * Context switch: when a core is to execute a job of a task other than the one whose context
 * was last loaded on it (none at start), it first executes context_switch_cycles as one
 * non-preemptible piece of work, then decides again (a release during the switch is seen
 * then). Resuming the loaded task, including after idling, costs nothing. Every change of
 * loaded task counts one context switch on the core, also when context_switch_cycles is 0; then
 * no switch work or event exists at all, so zero-cost timing is exact.
 *
 * The run covers [0, horizon): no job is activated at or after the horizon given to
 * guest_os_start (the scenario's duration), so a run of n periods has n activations per
 * periodic task, not n + 1.
 *
 * Results per job: response time = completion - activation (release jitter included); a
 * deadline miss when completion > activation + deadline_ps. guest_os_finish(end) counts once
 * every unfinished job whose absolute deadline is <= end as a miss: all events at `end` have
 * run, so such a job cannot complete before end + 1 ps, past its deadline. Jobs activated
 * before `end` but held back by release jitter beyond it are counted then as activations (and
 * as misses under the same rule), so activations = jobs with activation time < end.
 *
 * Interrupts (guest_os_set_interrupts): each CPU takes interrupts through a struct
 * irq_cpu_port (models/hw/gic.h: the GIC's CPU interface in AMP, the vCPU's virtual one in a
 * VM) and is told of them through the struct irq_signal that guest_os_irq_signal returns. When
 * signalled, and whenever it finishes an ISR or a context switch, a CPU acknowledges the next
 * pending interrupt (interrupts stay masked during a context switch and during an ISR, so ISRs
 * do not nest): the running job is preempted at once (it keeps its remaining work; this counts
 * as one of its preemptions), the exception entry (exception_entry_cycles) executes, and at
 * its end the ISR's first instruction runs: the interrupt's latency, from the edge the port
 * reports to this instant, is recorded. Then the ISR's body executes (its cycles, or its
 * memory profile as one segment when the memory models run), non-preemptible by tasks. At the
 * body's end an ISR with `activates` releases a job of that event task (activation = release
 * = now; task.h's TASK_EVENT tasks have no other releases), the next pending interrupt is
 * taken, and when none is left the scheduler decides again (the preempted job resumes unless
 * a more urgent one was released). An interrupt whose id has no ISR in the OS is acknowledged
 * and ignored. Not modelled: nested interrupts and interrupt priorities.
 *
 * Periodic tick (os_config tick_period_ps > 0; default tickless): the tick is an ordinary
 * timer interrupt on each CPU (the loader adds its ISR "tick" and its timers, so it goes
 * through the GIC, and in a VM through the hypervisor's path, like any timer), whose ISR costs
 * exception_entry_cycles + tick_isr_cycles. A ticked OS arms no timer for its policy's
 * next_decision_ps: the decision after each tick's ISR (and any other decision) is where the
 * policy's time-based choices happen, as Linux's scheduler_tick does. For the fair scheduler
 * this makes time slices end at the first tick at or after their end (a slice of 2.25 ms with a
 * 1 ms tick lasts until the third tick); fixed priority and EDF have no time-based decisions,
 * so there the tick only costs its ISRs. Tasks are still released at their exact times (no
 * tick-granular timers).
 *
 * Activation by a task: a task whose config names `activates` (an event task of the same OS)
 * releases a job of it at each of its own jobs' completions (activation = release = the
 * completion instant, in the completion's SIM_PRIO_HIGH event, so the scheduling decision of
 * that instant sees it), before the horizon only. Then the models hooked on the completing
 * task (guest_os_add_completion_hook: a doorbell to another OS or VM) are called. A task
 * named by `activates` that the OS does not have is ignored (a reference run leaves tasks out).
 *
 * Errors: if an event or job cannot be allocated while running, the OS stops the kernel
 * (sim_stop) and guest_os_error() returns -ENOMEM from then on.
 */
#ifndef MOSAIC_OS_GUEST_OS_H
#define MOSAIC_OS_GUEST_OS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "models/hw/core.h"
#include "models/hw/gic.h"
#include "sim/metrics.h"
#include "sim/scenario.h"
#include "sim/sim.h"
#include "models/hw/mem_exec.h"

struct guest_os;
struct guest_os_task;
struct trace_sink;

/* A job as scheduling policies see it. Policies read the first block and own `ready_next`. */
struct guest_os_job {
        uint32_t priority;               /* the task's priority, higher = more urgent */
        sim_time_t activation_ps;        /* absolute */
        sim_time_t release_ps;           /* absolute */
        sim_time_t deadline_ps;          /* absolute: activation + relative deadline */
        sim_time_t remaining_ps;         /* execution still needed */
        uint32_t task_index;             /* the task's index in its OS config */
        struct guest_os_job *ready_next; /* policy link */
        /* owned by guest_os */
        struct guest_os_task *task;
        struct guest_os_job *task_next;
};

/*
 * A scheduling policy: one ready queue per core. `create` returns queue state for one core of
 * the OS `config` (NULL on no memory); `insert` adds a job, `remove` takes a job out (it is in
 * the queue), `first` returns the job that should run now or NULL when the queue is empty.
 * Insertion order must not decide between two jobs the policy can rank. The running job stays
 * in the queue until it completes.
 *
 * Optional hooks (NULL for policies that rank jobs by fixed attributes) for policies that
 * depend on execution time: `run_start` when a job starts executing (after any context
 * switch), `run_stop` when it stops (preempted, or completed: before `remove`), `update` at
 * every decision before `first` (the policy charges the running job up to `now`), and
 * `next_decision_ps` after every decision: the absolute time at which the policy wants to
 * decide again (SIM_TIME_MAX: not before the next release or completion). The OS schedules
 * that decision, replacing the previous request.
 */
struct guest_os_sched_ops {
        const char *name;
        void *(*create)(const struct os_config *config);
        void (*destroy)(void *queue);
        void (*insert)(void *queue, struct guest_os_job *job);
        void (*remove)(void *queue, struct guest_os_job *job);
        struct guest_os_job *(*first)(const void *queue);
        void (*run_start)(void *queue, struct guest_os_job *job, sim_time_t now);
        void (*run_stop)(void *queue, sim_time_t now);
        void (*update)(void *queue, sim_time_t now);
        sim_time_t (*next_decision_ps)(const void *queue);
        /* true: an ISR that takes the core from the running job is no stop for the policy
         * (no run_stop: the job stays its current one and is charged the ISR's time, as CFS
         * charges interrupt time to the current task); the next dispatch resumes it with
         * run_start, or, if another job is chosen, calls run_stop first. */
        bool interrupts_keep_running;
};

/* The metrics one task updates; all must be non-NULL. */
struct guest_os_task_metrics {
        struct metric *activations;
        struct metric *completions;
        struct metric *deadline_misses;
        struct metric *preemptions;
        struct metric *response_time; /* histogram, picoseconds */
        /* Tasks with a memory profile only (NULL otherwise), added at each job's completion:
         * counters instructions, l1_misses, llc_misses; gauges set by guest_os_finish:
         * memory_stall_time (ps waiting for memory), llc_mpki, l1_mpki (misses per 1000
         * instructions) and bandwidth (LLC-miss line fills in bytes per second of the run). */
        struct metric *instructions;
        struct metric *l1_misses;
        struct metric *llc_misses;
        struct metric *memory_stall_time;
        struct metric *llc_mpki;
        struct metric *l1_mpki;
        struct metric *bandwidth;
        /* Tasks whose profile has a shared region only (NULL otherwise), added at each job's
         * completion: L1 misses served cache-to-cache by another core, and writes that
         * invalidated another core's copy (mem_exec.h, mem_exec_shared). */
        struct metric *coherence_transfers;
        struct metric *coherence_invalidations;
};

/* 0, or -EINVAL when a task's core is not one of the OS's cores, two tasks share a priority
 * on a core under fixed priority, a task activates itself or a task that is not an event
 * task, or the scheduler is unknown. */
int guest_os_check_config(const struct os_config *config);

/*
 * Build the OS of `config` (which must outlive it). `cores[i]` and `context_switches[i]` belong
 * to the OS's i-th core (config->cores[i]); `task_metrics[j]` to config->tasks[j]. The seed is
 * the scenario seed (task.h names the streams). Returns 0, -ENOMEM, or -EINVAL (see
 * guest_os_check_config). Nothing is scheduled until guest_os_start.
 */
int guest_os_create(struct sim *sim, const struct os_config *config, uint64_t seed,
                    const struct exec_port *cores, struct metric *const *context_switches,
                    const struct guest_os_task_metrics *task_metrics, struct guest_os **out);
/* Schedule the first release of every task, activating jobs only before `horizon_ps`: 0 or
 * -ENOMEM. */
int guest_os_start(struct guest_os *os, sim_time_t horizon_ps);
/* As guest_os_start, at `epoch_ps` (now or later; the end of the OS's start-up): the tasks'
 * times count from it (a periodic task's activation k is at epoch + offset + k * period). Until
 * the OS is started it acknowledges and drops its interrupts (no ISR runs, no latency is
 * recorded). */
int guest_os_start_at(struct guest_os *os, sim_time_t epoch_ps, sim_time_t horizon_ps);
/*
 * Memory profiles (call before guest_os_start): CPU i runs the jobs of tasks with a profile as
 * segments through ports[i] (struct mem_exec_port: the core's detailed engine or the fast
 * model); other work keeps using its exec_port, which must be the same core's plain port.
 * Task t's addresses start at task_bases[t]; its generator is seeded with `seed` and t. A job
 * becomes one segment of the task's `instructions`, made at its first dispatch; preemption
 * leaves the rest in the segment. 0 or -EINVAL (a profile the models reject).
 */
int guest_os_set_memory(struct guest_os *os, const struct mem_exec_port *ports,
                        const uint64_t *task_bases, uint64_t seed, uint32_t line_bytes);
/* The latency histogram (ps) of interrupt `irq` taken on the OS's CPU `cpu`. */
struct guest_os_irq_source {
        size_t cpu;
        uint32_t irq;
        struct metric *latency;
};

/*
 * Interrupts (call after guest_os_set_memory, if at all, and before the run): CPU i takes
 * them from ports[i]; `sources` give the latency histograms; ISR i of the config with a
 * profile runs over addresses from isr_bases[i] (NULL, or no memory models: its compute
 * estimate, instructions x CPI, as plain work) with a generator seeded by `seed`. 0, -EINVAL
 * (a profile the models reject) or -ENOMEM.
 */
int guest_os_set_interrupts(struct guest_os *os, const struct irq_cpu_port *ports,
                            const struct guest_os_irq_source *sources, size_t source_count,
                            const uint64_t *isr_bases, uint64_t seed);
/*
 * A model's hook on ISR `irq` (after guest_os_set_interrupts): hook(arg, irq, edge_ps) runs at
 * the ISR's first instruction, as the driver's handler starting (a virtio device model learns
 * there that its interrupt reached the guest). It must not call back into the OS. 0, or
 * -EINVAL when the OS has no ISR for `irq`.
 */
typedef void (*guest_os_isr_hook_fn)(void *arg, uint32_t irq, sim_time_t edge_ps);
int guest_os_set_isr_hook(struct guest_os *os, uint32_t irq, guest_os_isr_hook_fn hook, void *arg);
/*
 * Called from an ISR hook only: the ISR that runs the hook lasts `extra_ps` longer (calls add
 * up). The added time is plain work executed right after the hook, before the ISR's configured
 * body, with interrupts masked and not preemptible by tasks like the body (a device model's
 * handler work measured at run time: the used-ring processing). The trace's ISR slice and the
 * core's busy time include it. 0, or -EINVAL outside an ISR hook.
 */
int guest_os_isr_extend(struct guest_os *os, sim_time_t extra_ps);
/*
 * A model's hook on the completions of task `task_name`'s jobs: hook(arg, task_index, now)
 * runs at each completion, after any task activation (see above). It must not call back into
 * the OS and should defer work that touches the executing resource to an event of its own.
 * Several hooks may be added to one task; they run in the order added. 0, -ENOENT (no such
 * task) or -ENOMEM.
 */
typedef void (*guest_os_completion_hook_fn)(void *arg, size_t task, sim_time_t now);
int guest_os_add_completion_hook(struct guest_os *os, const char *task_name,
                                 guest_os_completion_hook_fn hook, void *arg);
/*
 * A model's hook at the end of the work of each job of task `task_name` (code the task calls:
 * a device driver's submit path, a backend thread's work): hook(arg, task_index, now) runs
 * when the job has executed all its work, before it completes. In the hook, the model may call
 * guest_os_job_extend: the job executes that much more work (0 allowed: it then continues
 * after whatever holds its CPU, such as a trap) as plain work on its CPU, preemptible like the
 * rest of the job, and the hook runs again at its end; or guest_os_job_block: the job leaves
 * its CPU and the ready queue (not a preemption) until guest_os_job_resume makes it ready
 * again with no work left, to be dispatched at its priority (a context switch if another task
 * ran meanwhile), and the hook runs again once it has been. If the hook does neither, the job
 * completes. One hook per task. 0, -ENOENT (no such task) or -EBUSY (the task has one).
 */
typedef void (*guest_os_job_end_hook_fn)(void *arg, size_t task, sim_time_t now);
int guest_os_set_job_end_hook(struct guest_os *os, const char *task_name,
                              guest_os_job_end_hook_fn hook, void *arg);
/* From a job-end hook only (see above): 0, or -EINVAL outside one. */
int guest_os_job_extend(struct guest_os *os, sim_time_t extra_ps);
int guest_os_job_block(struct guest_os *os);
/* The blocked head job of task `task` is ready again (a decision follows in the instant): 0,
 * or -EINVAL when it is not blocked. */
int guest_os_job_resume(struct guest_os *os, size_t task);
/* Release a job of event task `task` now, as an ISR's `activates` does (nothing at or after the
 * horizon); may be called from an ISR hook. 0, -EINVAL (not an event task) or -ENOMEM (the OS
 * then stops the run, as for its own allocations). */
int guest_os_release_event(struct guest_os *os, size_t task);
/* The IRQ line of the OS's CPU `cpu`, for the GIC or the vCPU to signal. */
struct irq_signal guest_os_irq_signal(struct guest_os *os, size_t cpu);
/* Count the jobs still unfinished at `end` (see above). Call once, after the run. */
void guest_os_finish(struct guest_os *os, sim_time_t end);
/* 0, or the error that stopped the run. */
int guest_os_error(const struct guest_os *os);
/*
 * Emit the OS's trace events to `sink` (sim/trace.h; NULL: none), `tracks[i]` being the track
 * of its i-th core. Call before guest_os_start. On a core's track: a TRACE_JOB slice per
 * execution of a job (name: task, instance: activation index from 0; begin TRACE_START or
 * TRACE_RESUME, end TRACE_FINISH or TRACE_PREEMPT), a TRACE_CONTEXT_SWITCH slice per switch
 * (name: the task switched to), a TRACE_ISR slice per interrupt taken, from its exception entry
 * to the end of its body (name: the ISR, instance: its n-th run from 0; the job it interrupted
 * ended with TRACE_PREEMPT), a TRACE_RELEASE instant per release and a TRACE_DEADLINE_MISS
 * instant at a late completion. Jobs unfinished at the end count as misses in the metrics only.
 */
void guest_os_set_trace(struct guest_os *os, struct trace_sink *sink, const uint32_t *tracks);
/* Cancels the OS's pending events and frees it. */
void guest_os_destroy(struct guest_os *os);

#endif
