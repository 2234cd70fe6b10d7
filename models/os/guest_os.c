#include "models/os/guest_os.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "models/hw/gic.h"

#include "models/os/sched_edf.h"
#include "models/os/sched_fair.h"
#include "models/os/sched_fixed_priority.h"
#include "models/os/task.h"
#include "sim/trace.h"

static const enum mem_pattern guest_os_patterns[] = {
        [MEMORY_SEQUENTIAL] = MEM_PATTERN_SEQUENTIAL,
        [MEMORY_STRIDED] = MEM_PATTERN_STRIDED,
        [MEMORY_RANDOM_ACCESS] = MEM_PATTERN_RANDOM,
        [MEMORY_POINTER_CHASE] = MEM_PATTERN_POINTER_CHASE,
        [MEMORY_TRACE] = MEM_PATTERN_TRACE,
};

/* An ISR of the OS (its config's isrs[i]). */
struct guest_os_isr {
        const struct isr_config *config;
        guest_os_isr_hook_fn hook; /* at the ISR's first instruction, or NULL */
        uint64_t runs;             /* taken so far: the trace slices' instances */
        void *hook_arg;
        sim_time_t body_ps;         /* plain work of the body */
        bool profiled;              /* the body runs as a memory segment */
        struct mem_profile profile; /* ... of these instructions */
        struct mem_gen gen;
        struct mem_exec_segment segment;
};

/* Where an ISR is on a CPU. */
enum guest_os_isr_stage {
        GUEST_OS_ISR_NONE,
        GUEST_OS_ISR_ENTRY,
        GUEST_OS_ISR_EXTRA, /* the work a hook added (guest_os_isr_extend), plain */
        GUEST_OS_ISR_BODY
};

/* The latency metric of interrupt `irq` on one CPU. */
struct guest_os_irq_latency {
        uint32_t irq;
        struct metric *latency;
};

/* The OS's view of one of its cores. */
struct guest_os_cpu {
        struct guest_os *os;
        struct exec_port exec;
        struct mem_exec_port segments; /* ops NULL: no memory model */
        struct metric *context_switches;
        uint32_t trace_track; /* its lane in os->trace */
        sim_time_t context_switch_ps;
        void *ready;                              /* policy queue */
        struct guest_os_job *running;             /* job whose work is on the core */
        const struct guest_os_task *loaded;       /* context last loaded */
        const struct guest_os_task *switching_to; /* while a context switch executes */
        sim_event_id decision;                    /* pending SIM_PRIO_LOW decision */
        sim_event_id policy_timer;                /* a later decision the policy asked for */
        struct guest_os_job *interrupted;         /* off the core for an ISR, still running for its
                                                     policy (interrupts_keep_running) */
        /* interrupts (guest_os_set_interrupts); irq.ops NULL: none */
        struct irq_cpu_port irq;
        sim_time_t exception_entry_ps;
        enum guest_os_isr_stage isr_stage;
        struct guest_os_isr *isr; /* the ISR in progress */
        uint32_t isr_irq;
        sim_time_t isr_edge_ps;
        size_t latency_count;
        struct guest_os_irq_latency *latencies;
};

/* What a job-end hook asked for (guest_os_job_extend, guest_os_job_block). */
struct guest_os_job_end {
        bool extend;
        sim_time_t extra_ps;
        bool block;
};

/* A model's hook on a task's job completions (guest_os_add_completion_hook). */
struct guest_os_completion_hook {
        guest_os_completion_hook_fn fn;
        void *arg;
};

struct guest_os_task {
        struct guest_os *os;
        const struct task_config *config;
        size_t activates; /* the event task released at each completion; SIZE_MAX: none */
        size_t hook_count;
        struct guest_os_completion_hook *hooks;
        struct task generator;
        struct guest_os_cpu *cpu;
        struct guest_os_task_metrics metrics;
        uint64_t released;         /* jobs released: the next job's activation index */
        uint64_t completed;        /* jobs completed: the head job's activation index */
        bool head_started;         /* the head job has executed (trace: start or resume) */
        struct guest_os_job *head; /* released, unfinished jobs in release order */
        struct guest_os_job *tail;
        struct task_release next; /* the next release, scheduled as release_event */
        sim_event_id release_event;
        bool profiled;                     /* jobs run as memory segments (guest_os_set_memory) */
        bool segment_live;                 /* `segment` holds the head job's remaining work */
        guest_os_job_end_hook_fn end_hook; /* guest_os_set_job_end_hook, or NULL */
        void *end_hook_arg;
        bool head_extended;    /* the head job runs work its end hook added (plain work) */
        bool head_blocked;     /* the head job waits for guest_os_job_resume */
        uint64_t memory_bytes; /* line fills below the LLC, for the bandwidth gauge */
        sim_time_t memory_stall_ps;
        uint32_t line_bytes;
        struct mem_profile profile;
        struct mem_trace trace; /* of a trace profile */
        struct mem_gen gen;
        struct mem_exec_segment segment;
};

struct guest_os {
        struct sim *sim;
        const struct os_config *config;
        const struct guest_os_sched_ops *sched;
        size_t cpu_count;
        struct guest_os_cpu *cpus;
        size_t task_count;
        struct guest_os_task *tasks;
        struct guest_os_job *free_jobs;   /* recycled job records */
        sim_time_t horizon_ps;            /* no job is activated at or after it */
        sim_time_t epoch_ps;              /* the tasks' time 0 (guest_os_start_at) */
        bool started;                     /* guest_os_start(_at) ran: interrupts are taken */
        struct trace_sink *trace;         /* NULL: no tracing */
        sim_time_t *isr_extra_ps;         /* while an ISR hook runs: its ISR's added work */
        struct guest_os_job_end *job_end; /* while a job-end hook runs: what it asks for */
        size_t isr_count;
        struct guest_os_isr *isrs;
        int error;
};

static sim_time_t guest_os_add_saturating(sim_time_t a, sim_time_t b)
{
        return a > SIM_TIME_MAX - b ? SIM_TIME_MAX : a + b;
}

static void guest_os_fail(struct guest_os *os, int err)
{
        if (os->error == 0)
                os->error = err;
        sim_stop(os->sim);
}

/* The index of task `name` of the OS; SIZE_MAX when `name` is NULL or names none (a task left
 * out of a reference run). */
static size_t guest_os_find_task(const struct os_config *config, const char *name)
{
        for (size_t i = 0; name != NULL && i < config->task_count; i++)
                if (strcmp(config->tasks[i].name, name) == 0)
                        return i;
        return SIZE_MAX;
}

/* ---- jobs ---- */

static struct guest_os_job *guest_os_job_alloc(struct guest_os *os)
{
        struct guest_os_job *job = os->free_jobs;

        if (job != NULL) {
                os->free_jobs = job->task_next;
                return job;
        }
        return malloc(sizeof(*job));
}

static void guest_os_job_recycle(struct guest_os_job **list, struct guest_os_job *job)
{
        job->task_next = *list;
        *list = job;
}

static void guest_os_free_list(struct guest_os_job *job)
{
        while (job != NULL) {
                struct guest_os_job *next = job->task_next;

                free(job);
                job = next;
        }
}

/* ---- trace probes ---- */

static void guest_os_trace_job_start(struct guest_os_cpu *cpu, struct guest_os_job *job)
{
        struct guest_os_task *task = job->task;

        trace_begin(cpu->os->trace, cpu->trace_track, sim_now(cpu->os->sim), TRACE_JOB,
                    task->head_started ? TRACE_RESUME : TRACE_START, task->config->name,
                    task->completed);
        task->head_started = true;
}

static void guest_os_trace_job_done(struct guest_os_cpu *cpu, struct guest_os_job *job)
{
        struct guest_os_task *task = job->task;
        sim_time_t now = sim_now(cpu->os->sim);

        trace_end(cpu->os->trace, cpu->trace_track, now, TRACE_FINISH);
        if (now > job->deadline_ps)
                trace_instant(cpu->os->trace, cpu->trace_track, now, TRACE_DEADLINE_MISS,
                              task->config->name, task->completed);
        task->completed++;
        task->head_started = false;
}

/* ---- decisions ---- */

static void guest_os_decide(struct sim *sim, void *arg);

static void guest_os_request_decision(struct guest_os_cpu *cpu)
{
        struct sim *sim = cpu->os->sim;

        if (cpu->decision != 0)
                return;
        cpu->decision = sim_schedule_prio(sim, sim_now(sim), SIM_PRIO_LOW, guest_os_decide, cpu);
        if (cpu->decision == 0)
                guest_os_fail(cpu->os, -ENOMEM);
}

static void guest_os_policy_timer(struct sim *sim, void *arg)
{
        struct guest_os_cpu *cpu = arg;

        (void)sim;
        cpu->policy_timer = 0;
        guest_os_request_decision(cpu);
}

/* Replace the later decision the policy asked for by the one it asks for now. */
static void guest_os_arm_policy_timer(struct guest_os_cpu *cpu)
{
        const struct guest_os_sched_ops *sched = cpu->os->sched;
        struct sim *sim = cpu->os->sim;
        sim_time_t when;

        if (sched->next_decision_ps == NULL || cpu->os->config->tick_period_ps > 0)
                return; /* ticked: the tick's decisions see the policy's deadlines */
        when = sched->next_decision_ps(cpu->ready);
        if (cpu->policy_timer != 0) {
                (void)sim_cancel(sim, cpu->policy_timer);
                cpu->policy_timer = 0;
        }
        if (when == SIM_TIME_MAX)
                return;
        assert(when > sim_now(sim));
        cpu->policy_timer = sim_schedule_prio(sim, when, SIM_PRIO_LOW, guest_os_policy_timer, cpu);
        if (cpu->policy_timer == 0)
                guest_os_fail(cpu->os, -ENOMEM);
}

static void guest_os_run_stop(struct guest_os_cpu *cpu)
{
        if (cpu->os->sched->run_stop != NULL)
                cpu->os->sched->run_stop(cpu->ready, sim_now(cpu->os->sim));
}

/* A profiled job has finished: add its segment's counters to the task's metrics. */
static void guest_os_account_segment(struct guest_os_task *task)
{
        const struct mem_exec_stats *st = &task->segment.stats;

        task->segment_live = false;
        metric_add(task->metrics.instructions, st->instructions);
        metric_add(task->metrics.l1_misses, st->l1_misses);
        metric_add(task->metrics.llc_misses, st->llc_misses);
        if (task->metrics.coherence_transfers != NULL) {
                metric_add(task->metrics.coherence_transfers, st->coherence_transfers);
                metric_add(task->metrics.coherence_invalidations, st->coherence_invalidations);
        }
        task->memory_stall_ps += st->stall_ps;
        task->memory_bytes += st->llc_misses * task->line_bytes;
}

static int guest_os_release_job(struct guest_os_task *task, sim_time_t activation_ps);

/* A job of `task` completed at `now`: the event task it activates is released, then the
 * models hooked on it learn of it (a doorbell rings). */
static void guest_os_activate(struct guest_os_task *task, sim_time_t now)
{
        struct guest_os *os = task->os;

        if (task->activates != SIZE_MAX && now < os->horizon_ps &&
            guest_os_release_job(&os->tasks[task->activates], now) != 0) {
                guest_os_fail(os, -ENOMEM);
                return;
        }
        for (size_t i = 0; i < task->hook_count; i++)
                task->hooks[i].fn(task->hooks[i].arg, (size_t)(task - os->tasks), now);
}

static int guest_os_start_job(struct guest_os_cpu *cpu, struct guest_os_job *job);

/* The job's work has executed: its task's end hook may add work or block it. Returns whether
 * the job goes on. */
static bool guest_os_job_end(struct guest_os_cpu *cpu, struct guest_os_job *job)
{
        struct guest_os_task *task = job->task;
        struct guest_os *os = cpu->os;
        struct guest_os_job_end asked = { 0 };
        int err;

        os->job_end = &asked;
        task->end_hook(task->end_hook_arg, (size_t)(task - os->tasks), sim_now(os->sim));
        os->job_end = NULL;
        if (!asked.extend && !asked.block)
                return false;
        task->head_extended = true;
        job->remaining_ps = asked.extend ? asked.extra_ps : 0;
        if (asked.block) {
                trace_end(os->trace, cpu->trace_track, sim_now(os->sim), TRACE_PREEMPT);
                cpu->running = NULL;
                guest_os_run_stop(cpu);
                os->sched->remove(cpu->ready, job);
                task->head_blocked = true;
                guest_os_request_decision(cpu);
                return true;
        }
        err = guest_os_start_job(cpu, job);
        if (err != 0)
                guest_os_fail(os, err);
        return true;
}

static void guest_os_job_done(void *arg)
{
        struct guest_os_cpu *cpu = arg;
        struct guest_os_job *job = cpu->running;
        struct guest_os_task *task = job->task;
        sim_time_t now = sim_now(cpu->os->sim);

        assert(task->head == job);
        if (task->end_hook != NULL && guest_os_job_end(cpu, job))
                return;
        task->head_extended = false;
        if (task->segment_live)
                guest_os_account_segment(task);
        guest_os_trace_job_done(cpu, job);
        cpu->running = NULL;
        guest_os_run_stop(cpu);
        metric_add(task->metrics.completions, 1);
        if (histogram_record(&task->metrics.response_time->histogram, now - job->activation_ps))
                guest_os_fail(cpu->os, -ENOMEM);
        if (now > job->deadline_ps)
                metric_add(task->metrics.deadline_misses, 1);

        cpu->os->sched->remove(cpu->ready, job);
        task->head = job->task_next;
        if (task->head == NULL)
                task->tail = NULL;
        else
                cpu->os->sched->insert(cpu->ready, task->head);
        guest_os_job_recycle(&cpu->os->free_jobs, job);
        guest_os_request_decision(cpu);
        guest_os_activate(task, now);
}

static bool guest_os_take_irq(struct guest_os_cpu *cpu);

static void guest_os_switch_done(void *arg)
{
        struct guest_os_cpu *cpu = arg;

        trace_end(cpu->os->trace, cpu->trace_track, sim_now(cpu->os->sim), TRACE_FINISH);
        cpu->loaded = cpu->switching_to;
        cpu->switching_to = NULL;
        if (!guest_os_take_irq(cpu))
                guest_os_request_decision(cpu);
}

/* Take the running job off the core; `by_interrupt`: for an ISR, which a policy that keeps
 * its running job across interrupts does not see as a stop. */
static void guest_os_preempt_running(struct guest_os_cpu *cpu, bool by_interrupt)
{
        struct guest_os_job *job = cpu->running;

        if (job->task->profiled && !job->task->head_extended)
                cpu->segments.ops->preempt(cpu->segments.resource);
        else
                job->remaining_ps = cpu->exec.ops->preempt(cpu->exec.resource);
        trace_end(cpu->os->trace, cpu->trace_track, sim_now(cpu->os->sim), TRACE_PREEMPT);
        if (by_interrupt && cpu->os->sched->interrupts_keep_running)
                cpu->interrupted = job;
        else
                guest_os_run_stop(cpu);
        metric_add(job->task->metrics.preemptions, 1);
        cpu->running = NULL;
}

static int guest_os_start_job(struct guest_os_cpu *cpu, struct guest_os_job *job)
{
        struct guest_os_task *task = job->task;

        if (!task->profiled || task->head_extended)
                return cpu->exec.ops->start(cpu->exec.resource, job->remaining_ps,
                                            guest_os_job_done, cpu);
        if (!task->segment_live) {
                mem_exec_segment_init(&task->segment, &task->profile, &task->gen,
                                      task->config->instructions);
                task->segment_live = true;
        }
        return cpu->segments.ops->start(cpu->segments.resource, &task->segment, guest_os_job_done,
                                        cpu);
}

/* Run the policy's first job on the core. */
static void guest_os_dispatch(struct guest_os_cpu *cpu)
{
        struct guest_os_job *best;
        int err;

        best = cpu->os->sched->first(cpu->ready);
        if (cpu->interrupted != NULL && best != cpu->interrupted)
                guest_os_run_stop(cpu); /* the job an ISR interrupted does not resume */
        cpu->interrupted = NULL;
        if (best == cpu->running)
                return;
        if (cpu->running != NULL)
                guest_os_preempt_running(cpu, false);
        if (best == NULL)
                return;
        if (best->task != cpu->loaded) {
                metric_add(cpu->context_switches, 1);
                if (cpu->context_switch_ps > 0) {
                        err = cpu->exec.ops->start(cpu->exec.resource, cpu->context_switch_ps,
                                                   guest_os_switch_done, cpu);
                        if (err != 0) {
                                guest_os_fail(cpu->os, err);
                                return;
                        }
                        cpu->switching_to = best->task;
                        trace_begin(cpu->os->trace, cpu->trace_track, sim_now(cpu->os->sim),
                                    TRACE_CONTEXT_SWITCH, TRACE_START, best->task->config->name,
                                    best->task->completed);
                        return;
                }
                cpu->loaded = best->task;
        }
        err = guest_os_start_job(cpu, best);
        if (err != 0) {
                guest_os_fail(cpu->os, err);
                return;
        }
        cpu->running = best;
        guest_os_trace_job_start(cpu, best);
        if (cpu->os->sched->run_start != NULL)
                cpu->os->sched->run_start(cpu->ready, best, sim_now(cpu->os->sim));
}

static void guest_os_decide(struct sim *sim, void *arg)
{
        struct guest_os_cpu *cpu = arg;

        cpu->decision = 0;
        if (cpu->switching_to != NULL || cpu->isr_stage != GUEST_OS_ISR_NONE)
                return; /* non-preemptible; its completion asks again */
        if (cpu->os->sched->update != NULL)
                cpu->os->sched->update(cpu->ready, sim_now(sim));
        guest_os_dispatch(cpu);
        guest_os_arm_policy_timer(cpu);
}

/* ---- interrupts ---- */

static struct guest_os_isr *guest_os_find_isr(struct guest_os *os, uint32_t irq)
{
        for (size_t i = 0; i < os->isr_count; i++)
                if (os->isrs[i].config->irq == irq)
                        return &os->isrs[i];
        return NULL;
}

static void guest_os_record_latency(struct guest_os_cpu *cpu, sim_time_t latency_ps)
{
        for (size_t i = 0; i < cpu->latency_count; i++) {
                if (cpu->latencies[i].irq != cpu->isr_irq)
                        continue;
                if (metric_record(cpu->latencies[i].latency, latency_ps) != 0)
                        guest_os_fail(cpu->os, -ENOMEM);
                return;
        }
}

static void guest_os_isr_body_done(void *arg)
{
        struct guest_os_cpu *cpu = arg;
        struct guest_os_isr *isr = cpu->isr;
        size_t activates = isr->config->activates;

        trace_end(cpu->os->trace, cpu->trace_track, sim_now(cpu->os->sim), TRACE_FINISH);
        cpu->isr_stage = GUEST_OS_ISR_NONE;
        cpu->isr = NULL;
        if (activates < cpu->os->task_count && sim_now(cpu->os->sim) < cpu->os->horizon_ps &&
            guest_os_release_job(&cpu->os->tasks[activates], sim_now(cpu->os->sim)) != 0) {
                guest_os_fail(cpu->os, -ENOMEM);
                return;
        }
        if (!guest_os_take_irq(cpu))
                guest_os_request_decision(cpu);
}

/* The ISR's configured body: its plain cycles, or its memory profile as one segment. */
static void guest_os_isr_body_start(struct guest_os_cpu *cpu)
{
        struct guest_os_isr *isr = cpu->isr;
        int err;

        cpu->isr_stage = GUEST_OS_ISR_BODY;
        if (isr->profiled && cpu->segments.ops != NULL) {
                mem_exec_segment_init(&isr->segment, &isr->profile, &isr->gen,
                                      isr->config->instructions);
                err = cpu->segments.ops->start(cpu->segments.resource, &isr->segment,
                                               guest_os_isr_body_done, cpu);
        } else {
                err = cpu->exec.ops->start(cpu->exec.resource, isr->body_ps, guest_os_isr_body_done,
                                           cpu);
        }
        if (err != 0)
                guest_os_fail(cpu->os, err);
}

static void guest_os_isr_extra_done(void *arg)
{
        guest_os_isr_body_start(arg);
}

/* The first instruction of the ISR: the latency ends here; the work its hook added (if any),
 * then the body follow. */
static void guest_os_isr_entry_done(void *arg)
{
        struct guest_os_cpu *cpu = arg;
        struct guest_os_isr *isr = cpu->isr;
        sim_time_t extra_ps = 0;
        int err;

        guest_os_record_latency(cpu, sim_now(cpu->os->sim) - cpu->isr_edge_ps);
        if (isr->hook != NULL) {
                cpu->os->isr_extra_ps = &extra_ps;
                isr->hook(isr->hook_arg, cpu->isr_irq, cpu->isr_edge_ps);
                cpu->os->isr_extra_ps = NULL;
        }
        if (extra_ps == 0) {
                guest_os_isr_body_start(cpu);
                return;
        }
        cpu->isr_stage = GUEST_OS_ISR_EXTRA;
        err = cpu->exec.ops->start(cpu->exec.resource, extra_ps, guest_os_isr_extra_done, cpu);
        if (err != 0)
                guest_os_fail(cpu->os, err);
}

/*
 * Take the next pending interrupt, if any: the running job is preempted (it keeps its
 * remaining work) and the exception entry starts. Interrupts without an ISR in this OS are
 * acknowledged and dropped. Returns whether an ISR started.
 */
static bool guest_os_take_irq(struct guest_os_cpu *cpu)
{
        uint32_t irq;
        sim_time_t edge_ps;
        struct guest_os_isr *isr = NULL;
        int err;

        if (cpu->irq.ops == NULL || cpu->isr_stage != GUEST_OS_ISR_NONE ||
            cpu->switching_to != NULL)
                return false;
        while (isr == NULL) {
                if (!cpu->irq.ops->ack(cpu->irq.resource, &irq, &edge_ps))
                        return false;
                if (cpu->os->started) /* before its start-up ends, the OS drops them */
                        isr = guest_os_find_isr(cpu->os, irq);
        }
        if (cpu->running != NULL)
                guest_os_preempt_running(cpu, true);
        cpu->isr = isr;
        cpu->isr_irq = irq;
        cpu->isr_edge_ps = edge_ps;
        cpu->isr_stage = GUEST_OS_ISR_ENTRY;
        trace_begin(cpu->os->trace, cpu->trace_track, sim_now(cpu->os->sim), TRACE_ISR, TRACE_START,
                    isr->config->name, isr->runs++);
        err = cpu->exec.ops->start(cpu->exec.resource, cpu->exception_entry_ps,
                                   guest_os_isr_entry_done, cpu);
        if (err != 0)
                guest_os_fail(cpu->os, err);
        return true;
}

static void guest_os_irq_signalled(void *arg)
{
        (void)guest_os_take_irq(arg);
}

int guest_os_add_completion_hook(struct guest_os *os, const char *task_name,
                                 guest_os_completion_hook_fn hook, void *arg)
{
        size_t index = guest_os_find_task(os->config, task_name);
        struct guest_os_task *task;
        struct guest_os_completion_hook *hooks;

        if (index == SIZE_MAX)
                return -ENOENT;
        task = &os->tasks[index];
        hooks = realloc(task->hooks, (task->hook_count + 1) * sizeof(*hooks));
        if (hooks == NULL)
                return -ENOMEM;
        hooks[task->hook_count++] = (struct guest_os_completion_hook){ .fn = hook, .arg = arg };
        task->hooks = hooks;
        return 0;
}

int guest_os_isr_extend(struct guest_os *os, sim_time_t extra_ps)
{
        if (os->isr_extra_ps == NULL)
                return -EINVAL;
        *os->isr_extra_ps = guest_os_add_saturating(*os->isr_extra_ps, extra_ps);
        return 0;
}

int guest_os_set_job_end_hook(struct guest_os *os, const char *task_name,
                              guest_os_job_end_hook_fn hook, void *arg)
{
        size_t index = guest_os_find_task(os->config, task_name);

        if (index == SIZE_MAX)
                return -ENOENT;
        if (os->tasks[index].end_hook != NULL)
                return -EBUSY;
        os->tasks[index].end_hook = hook;
        os->tasks[index].end_hook_arg = arg;
        return 0;
}

int guest_os_job_extend(struct guest_os *os, sim_time_t extra_ps)
{
        if (os->job_end == NULL)
                return -EINVAL;
        os->job_end->extend = true;
        os->job_end->extra_ps = guest_os_add_saturating(os->job_end->extra_ps, extra_ps);
        return 0;
}

int guest_os_job_block(struct guest_os *os)
{
        if (os->job_end == NULL)
                return -EINVAL;
        os->job_end->block = true;
        return 0;
}

int guest_os_job_resume(struct guest_os *os, size_t task)
{
        struct guest_os_task *t = task < os->task_count ? &os->tasks[task] : NULL;

        if (t == NULL || !t->head_blocked)
                return -EINVAL;
        t->head_blocked = false;
        os->sched->insert(t->cpu->ready, t->head);
        guest_os_request_decision(t->cpu);
        return 0;
}

int guest_os_release_event(struct guest_os *os, size_t task)
{
        int err;

        if (task >= os->task_count || os->tasks[task].config->activation != TASK_EVENT)
                return -EINVAL;
        if (sim_now(os->sim) >= os->horizon_ps)
                return 0;
        err = guest_os_release_job(&os->tasks[task], sim_now(os->sim));
        if (err != 0)
                guest_os_fail(os, err);
        return err;
}

int guest_os_set_isr_hook(struct guest_os *os, uint32_t irq, guest_os_isr_hook_fn hook, void *arg)
{
        struct guest_os_isr *isr = guest_os_find_isr(os, irq);

        if (isr == NULL)
                return -EINVAL;
        isr->hook = hook;
        isr->hook_arg = arg;
        return 0;
}

struct irq_signal guest_os_irq_signal(struct guest_os *os, size_t cpu)
{
        return (struct irq_signal){ .fn = guest_os_irq_signalled, .arg = &os->cpus[cpu] };
}

static void guest_os_isr_profile(struct guest_os_isr *isr, const struct memory_profile_config *p)
{
        isr->profile = (struct mem_profile){
                .name = p->name,
                .instructions = p->instructions,
                .base_cpi = p->base_cpi,
                .accesses_per_kilo_instruction = p->accesses_per_kilo_instruction,
                .working_set_bytes = p->working_set_bytes,
                .pattern = guest_os_patterns[p->pattern],
                .stride_bytes = p->stride_bytes,
                .access_bytes = p->access_bytes,
                .writes_per_thousand = p->writes_per_thousand,
        };
}

int guest_os_set_interrupts(struct guest_os *os, const struct irq_cpu_port *ports,
                            const struct guest_os_irq_source *sources, size_t source_count,
                            const uint64_t *isr_bases, uint64_t seed)
{
        const struct os_config *config = os->config;

        for (size_t i = 0; i < os->cpu_count; i++) {
                struct guest_os_cpu *cpu = &os->cpus[i];

                cpu->irq = ports[i];
                cpu->exception_entry_ps =
                    cpu->exec.ops->cycles_to_ps(cpu->exec.resource, config->exception_entry_cycles);
                cpu->latencies = calloc(source_count ? source_count : 1, sizeof(*cpu->latencies));
                if (cpu->latencies == NULL)
                        return -ENOMEM;
                for (size_t s = 0; s < source_count; s++) {
                        if (sources[s].cpu == i)
                                cpu->latencies[cpu->latency_count++] =
                                    (struct guest_os_irq_latency){ .irq = sources[s].irq,
                                                                   .latency = sources[s].latency };
                }
        }
        os->isrs = calloc(config->isr_count ? config->isr_count : 1, sizeof(*os->isrs));
        if (os->isrs == NULL)
                return -ENOMEM;
        os->isr_count = config->isr_count;
        for (size_t i = 0; i < config->isr_count; i++) {
                struct guest_os_isr *isr = &os->isrs[i];
                const struct isr_config *c = &config->isrs[i];
                const struct exec_port *exec = &os->cpus[0].exec;
                uint64_t cycles = c->cycles;

                isr->config = c;
                if (c->profile != NULL) {
                        guest_os_isr_profile(isr, c->profile);
                        if (mem_profile_validate(&isr->profile) != 0 ||
                            c->profile->pattern == MEMORY_TRACE)
                                return -EINVAL;
                        /* without the memory models: the compute estimate */
                        cycles = (uint64_t)((double)c->instructions * isr->profile.base_cpi);
                        if (isr_bases != NULL && os->cpus[0].segments.ops != NULL) {
                                mem_gen_init(&isr->gen, &isr->profile, seed,
                                             (uint16_t)(0x8000u + i), isr_bases[i]);
                                isr->profiled = true;
                        }
                }
                isr->body_ps = exec->ops->cycles_to_ps(exec->resource, cycles);
        }
        return 0;
}

/* ---- releases ---- */

static void guest_os_release(struct sim *sim, void *arg);

/* The generator's next release, on the OS's time base. */
static void guest_os_next_release(const struct guest_os_task *task, struct task *generator,
                                  struct task_release *out)
{
        sim_time_t epoch = task->os->epoch_ps;

        task_next_release(generator, out);
        out->activation_ps = guest_os_add_saturating(out->activation_ps, epoch);
        out->release_ps = guest_os_add_saturating(out->release_ps, epoch);
}

static int guest_os_schedule_next_release(struct guest_os_task *task)
{
        if (task->config->activation == TASK_EVENT)
                return 0; /* released by its ISR only */
        guest_os_next_release(task, &task->generator, &task->next);
        if (task->next.activation_ps >= task->os->horizon_ps ||
            task->next.release_ps == SIM_TIME_MAX)
                return 0; /* past the end of the run */
        task->release_event = sim_schedule_prio(task->os->sim, task->next.release_ps,
                                                SIM_PRIO_NORMAL, guest_os_release, task);
        return task->release_event == 0 ? -ENOMEM : 0;
}

/* Release a job of `task` activated at `activation_ps`: 0 or -ENOMEM. */
static int guest_os_release_job(struct guest_os_task *task, sim_time_t activation_ps)
{
        struct guest_os_cpu *cpu = task->cpu;
        struct guest_os_job *job;
        uint64_t demand_cycles;

        job = guest_os_job_alloc(task->os);
        if (job == NULL)
                return -ENOMEM;
        /* a profiled job's remaining_ps is only an estimate for the policies (its compute
         * part); its segment decides when it completes */
        demand_cycles =
            task->profiled ? (uint64_t)((double)task->config->instructions * task->profile.base_cpi)
                           : task_draw_demand(&task->generator);
        *job = (struct guest_os_job){
                .priority = task->config->priority,
                .task_index = (uint32_t)(task - task->os->tasks),
                .activation_ps = activation_ps,
                .release_ps = sim_now(task->os->sim),
                .deadline_ps = guest_os_add_saturating(activation_ps, task->config->deadline_ps),
                .remaining_ps = cpu->exec.ops->cycles_to_ps(cpu->exec.resource, demand_cycles),
                .task = task,
        };
        metric_add(task->metrics.activations, 1);
        trace_instant(task->os->trace, cpu->trace_track, sim_now(task->os->sim), TRACE_RELEASE,
                      task->config->name, task->released++);
        if (task->tail == NULL) {
                task->head = job;
                task->tail = job;
                task->os->sched->insert(cpu->ready, job);
                guest_os_request_decision(cpu);
        } else {
                task->tail->task_next = job;
                task->tail = job;
        }
        return 0;
}

static void guest_os_release(struct sim *sim, void *arg)
{
        struct guest_os_task *task = arg;

        (void)sim;
        task->release_event = 0;
        if (guest_os_release_job(task, task->next.activation_ps) != 0 ||
            guest_os_schedule_next_release(task) != 0)
                guest_os_fail(task->os, -ENOMEM);
}

/* ---- construction ---- */

static const struct guest_os_sched_ops *guest_os_policy(enum os_scheduler scheduler)
{
        switch (scheduler) {
        case OS_SCHED_FIXED_PRIORITY:
                return &sched_fixed_priority_ops;
        case OS_SCHED_EDF:
                return &sched_edf_ops;
        case OS_SCHED_FAIR:
                return &sched_fair_ops;
        default:
                return NULL;
        }
}

int guest_os_check_config(const struct os_config *config)
{
        if (guest_os_policy(config->scheduler) == NULL)
                return -EINVAL;
        for (size_t i = 0; i < config->task_count; i++) {
                const struct task_config *a = &config->tasks[i];
                long cpu = scenario_task_cpu(config, a);
                size_t activates = guest_os_find_task(config, a->activates);

                if (cpu < 0 || activates == i ||
                    (activates != SIZE_MAX && config->tasks[activates].activation != TASK_EVENT))
                        return -EINVAL;
                for (size_t j = 0; j < i; j++) {
                        const struct task_config *b = &config->tasks[j];

                        if (config->scheduler == OS_SCHED_FIXED_PRIORITY &&
                            scenario_task_cpu(config, b) == cpu && a->priority == b->priority)
                                return -EINVAL;
                }
        }
        return 0;
}

static int guest_os_init_cpus(struct guest_os *os, const struct exec_port *cores,
                              struct metric *const *context_switches)
{
        for (size_t i = 0; i < os->cpu_count; i++) {
                struct guest_os_cpu *cpu = &os->cpus[i];

                cpu->os = os;
                cpu->exec = cores[i];
                cpu->context_switches = context_switches[i];
                cpu->context_switch_ps = cores[i].ops->cycles_to_ps(
                    cores[i].resource, os->config->context_switch_cycles);
                cpu->ready = os->sched->create(os->config);
                if (cpu->ready == NULL)
                        return -ENOMEM;
        }
        return 0;
}

static int guest_os_init_tasks(struct guest_os *os, uint64_t seed,
                               const struct guest_os_task_metrics *task_metrics)
{
        for (size_t i = 0; i < os->task_count; i++) {
                struct guest_os_task *task = &os->tasks[i];
                const struct task_config *config = &os->config->tasks[i];
                int err;

                task->os = os;
                task->config = config;
                task->cpu = &os->cpus[scenario_task_cpu(os->config, config)];
                task->metrics = task_metrics[i];
                task->activates = guest_os_find_task(os->config, config->activates);
                err = task_init(&task->generator, config, os->config->name, seed);
                if (err != 0)
                        return err;
        }
        return 0;
}

static void guest_os_free(struct guest_os *os)
{
        for (size_t i = 0; i < os->cpu_count; i++) {
                if (os->cpus[i].ready != NULL)
                        os->sched->destroy(os->cpus[i].ready);
                free(os->cpus[i].latencies);
        }
        free(os->isrs);
        for (size_t i = 0; i < os->task_count; i++) {
                free(os->tasks[i].hooks);
                guest_os_free_list(os->tasks[i].head);
                mem_trace_fini(&os->tasks[i].trace);
        }
        guest_os_free_list(os->free_jobs);
        free(os->tasks);
        free(os->cpus);
        free(os);
}

int guest_os_create(struct sim *sim, const struct os_config *config, uint64_t seed,
                    const struct exec_port *cores, struct metric *const *context_switches,
                    const struct guest_os_task_metrics *task_metrics, struct guest_os **out)
{
        const struct guest_os_sched_ops *sched = guest_os_policy(config->scheduler);
        struct guest_os *os;
        int err;

        err = guest_os_check_config(config);
        if (err != 0)
                return err;
        os = calloc(1, sizeof(*os));
        if (os == NULL)
                return -ENOMEM;
        *os = (struct guest_os){ .sim = sim, .config = config, .sched = sched };
        os->cpus = calloc(config->core_count ? config->core_count : 1, sizeof(*os->cpus));
        os->tasks = calloc(config->task_count ? config->task_count : 1, sizeof(*os->tasks));
        if (os->cpus == NULL || os->tasks == NULL) {
                err = -ENOMEM;
                goto err_free;
        }
        os->cpu_count = config->core_count;
        err = guest_os_init_cpus(os, cores, context_switches);
        if (err != 0)
                goto err_free;
        os->task_count = config->task_count;
        err = guest_os_init_tasks(os, seed, task_metrics);
        if (err != 0)
                goto err_free;
        *out = os;
        return 0;

err_free:
        guest_os_free(os);
        return err;
}

int guest_os_start(struct guest_os *os, sim_time_t horizon_ps)
{
        return guest_os_start_at(os, 0, horizon_ps);
}

int guest_os_start_at(struct guest_os *os, sim_time_t epoch_ps, sim_time_t horizon_ps)
{
        os->horizon_ps = horizon_ps;
        os->epoch_ps = epoch_ps;
        os->started = true;
        for (size_t i = 0; i < os->task_count; i++) {
                int err = guest_os_schedule_next_release(&os->tasks[i]);

                if (err != 0)
                        return err;
        }
        return 0;
}

/* Jobs activated by `end` whose release lies beyond it; counted on a copy of the generator so
 * the task's own state is left as the run ended. */
static void guest_os_finish_unreleased(struct guest_os_task *task, sim_time_t end)
{
        struct task generator = task->generator;
        struct task_release pending = task->next;

        if (task->release_event == 0)
                return; /* nothing pending */
        while (pending.activation_ps < end) {
                metric_add(task->metrics.activations, 1);
                if (guest_os_add_saturating(pending.activation_ps, task->config->deadline_ps) <=
                    end)
                        metric_add(task->metrics.deadline_misses, 1);
                guest_os_next_release(task, &generator, &pending);
        }
}

static int guest_os_compare_u64(const void *a, const void *b)
{
        uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

        return x < y ? -1 : x > y;
}

/* A trace profile: parse the text the loader read; its working set is the bytes of the
 * distinct lines it touches (what the fast model needs). 0, -EINVAL or -ENOMEM. */
static int guest_os_load_trace(struct guest_os_task *task, uint32_t line_bytes)
{
        const struct memory_profile_config *p = task->config->profile;
        struct mem_trace *trace = &task->trace;
        uint64_t *lines, distinct = 0;
        char err[128];
        int rc = mem_trace_parse(p->trace_text, p->trace_len, trace, err, sizeof(err));

        if (rc != 0)
                return rc;
        lines = malloc(trace->count * sizeof(*lines));
        if (lines == NULL)
                return -ENOMEM;
        for (size_t i = 0; i < trace->count; i++)
                lines[i] = trace->accesses[i].addr / line_bytes;
        qsort(lines, trace->count, sizeof(*lines), guest_os_compare_u64);
        for (size_t i = 0; i < trace->count; i++)
                distinct += i == 0 || lines[i] != lines[i - 1];
        free(lines);
        task->profile.trace = trace;
        task->profile.working_set_bytes = distinct * line_bytes;
        return 0;
}

int guest_os_set_memory(struct guest_os *os, const struct mem_exec_port *ports,
                        const uint64_t *task_bases, uint64_t seed, uint32_t line_bytes)
{
        for (size_t i = 0; i < os->cpu_count; i++)
                os->cpus[i].segments = ports[i];
        for (size_t i = 0; i < os->task_count; i++) {
                struct guest_os_task *task = &os->tasks[i];
                const struct memory_profile_config *p = task->config->profile;

                if (p == NULL)
                        continue;
                task->profile = (struct mem_profile){
                        .name = p->name,
                        .instructions = p->instructions,
                        .base_cpi = p->base_cpi,
                        .accesses_per_kilo_instruction = p->accesses_per_kilo_instruction,
                        .working_set_bytes = p->working_set_bytes,
                        .pattern = guest_os_patterns[p->pattern],
                        .stride_bytes = p->stride_bytes,
                        .access_bytes = p->access_bytes,
                        .writes_per_thousand = p->writes_per_thousand,
                };
                if (p->shared_region != NULL) {
                        task->profile.shared_per_million = p->shared_per_million;
                        task->profile.shared_base =
                            MEM_PROFILE_SHARED_BASE + p->shared_region->offset;
                        task->profile.shared_bytes = p->shared_region->bytes;
                }
                if (p->pattern == MEMORY_TRACE) {
                        int err = guest_os_load_trace(task, line_bytes);

                        if (err != 0)
                                return err;
                }
                if (mem_profile_validate(&task->profile) != 0)
                        return -EINVAL;
                mem_gen_init(&task->gen, &task->profile, seed, (uint16_t)i, task_bases[i]);
                task->profiled = true;
                task->line_bytes = line_bytes;
        }
        return 0;
}

static void guest_os_finish_memory(struct guest_os_task *task, sim_time_t end)
{
        const struct guest_os_task_metrics *m = &task->metrics;
        double kilo;

        if (task->segment_live)
                guest_os_account_segment(task); /* the unfinished job's work so far */
        kilo = (double)m->instructions->counter / 1000.0;

        if (m->llc_mpki == NULL)
                return;
        m->llc_mpki->gauge = kilo > 0 ? (double)m->llc_misses->counter / kilo : 0.0;
        m->memory_stall_time->gauge = (double)task->memory_stall_ps;
        m->l1_mpki->gauge = kilo > 0 ? (double)m->l1_misses->counter / kilo : 0.0;
        m->bandwidth->gauge = end > 0 ? (double)task->memory_bytes * 1e12 / (double)end : 0.0;
}

void guest_os_finish(struct guest_os *os, sim_time_t end)
{
        for (size_t i = 0; i < os->task_count; i++) {
                struct guest_os_task *task = &os->tasks[i];

                if (task->profiled)
                        guest_os_finish_memory(task, end);

                for (struct guest_os_job *job = task->head; job != NULL; job = job->task_next) {
                        if (job->deadline_ps <= end)
                                metric_add(task->metrics.deadline_misses, 1);
                }
                guest_os_finish_unreleased(task, end);
        }
}

int guest_os_error(const struct guest_os *os)
{
        return os->error;
}

void guest_os_set_trace(struct guest_os *os, struct trace_sink *sink, const uint32_t *tracks)
{
        os->trace = sink;
        for (size_t i = 0; i < os->cpu_count; i++)
                os->cpus[i].trace_track = tracks[i];
}

void guest_os_destroy(struct guest_os *os)
{
        if (os == NULL)
                return;
        for (size_t i = 0; i < os->cpu_count; i++) {
                struct guest_os_cpu *cpu = &os->cpus[i];

                if (cpu->isr_stage == GUEST_OS_ISR_BODY && cpu->isr->profiled &&
                    cpu->segments.ops != NULL)
                        cpu->segments.ops->preempt(cpu->segments.resource);
                else if (cpu->isr_stage != GUEST_OS_ISR_NONE)
                        (void)cpu->exec.ops->preempt(cpu->exec.resource);
                else if (cpu->running != NULL && cpu->running->task->profiled &&
                         !cpu->running->task->head_extended)
                        cpu->segments.ops->preempt(cpu->segments.resource);
                else if (cpu->running != NULL || cpu->switching_to != NULL)
                        (void)cpu->exec.ops->preempt(cpu->exec.resource);
                if (cpu->decision != 0)
                        (void)sim_cancel(os->sim, cpu->decision);
                if (cpu->policy_timer != 0)
                        (void)sim_cancel(os->sim, cpu->policy_timer);
        }
        for (size_t i = 0; i < os->task_count; i++) {
                if (os->tasks[i].release_event != 0)
                        (void)sim_cancel(os->sim, os->tasks[i].release_event);
        }
        guest_os_free(os);
}
