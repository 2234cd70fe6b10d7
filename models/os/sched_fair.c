#include "models/os/sched_fair.h"

#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>

/* Linux's sched_prio_to_weight (kernel/sched/core.c), nice -20 first. */
static const uint32_t sched_fair_weights[] = {
        88761, 71755, 56483, 46273, 36291, /* -20 */
        29154, 23254, 18705, 14949, 11916, /* -15 */
        9548,  7620,  6100,  4904,  3906,  /* -10 */
        3121,  2501,  1991,  1586,  1277,  /*  -5 */
        1024,  820,   655,   526,   423,   /*   0 */
        335,   272,   215,   172,   137,   /*   5 */
        110,   87,    70,    56,    45,    /*  10 */
        36,    29,    23,    18,    15,    /*  15 */
};

/* Per task of the OS; only the tasks on this queue's core are used. */
struct sched_fair_entity {
        uint64_t vruntime;           /* virtual picoseconds */
        uint64_t vruntime_remainder; /* of delta * 1024 / weight, < weight */
        uint32_t weight;
        bool placed;              /* queued and placed (false: waking, or asleep) */
        struct guest_os_job *job; /* queued job, NULL while asleep */
        uint32_t index;
};

struct sched_fair_queue {
        struct sched_fair_entity *entities;
        struct guest_os_job *head; /* queued jobs, unordered */
        uint64_t total_weight;     /* of the queued tasks */
        uint64_t min_vruntime;
        sim_time_t target_latency_ps;
        sim_time_t min_granularity_ps;
        /* The task holding the core and its slice; `running` while its job executes. */
        struct sched_fair_entity *holder;
        bool running;
        bool slice_expired; /* set by update: the holder must yield */
        sim_time_t exec_start_ps;
        sim_time_t slice_start_ps;
        /* Between a stop and the next decision: the stopped task and its slice, and whether
         * its job completed (then its next job, if already released, continues the slice). */
        struct sched_fair_entity *stopped;
        struct sched_fair_entity *completed;
        sim_time_t stopped_slice_start_ps;
};

uint32_t sched_fair_nice_weight(int32_t nice)
{
        assert(nice >= OS_FAIR_NICE_MIN && nice <= OS_FAIR_NICE_MAX);
        return sched_fair_weights[nice - OS_FAIR_NICE_MIN];
}

static void *sched_fair_create(const struct os_config *config)
{
        struct sched_fair_queue *q = calloc(1, sizeof(*q));

        if (q == NULL)
                return NULL;
        q->entities = calloc(config->task_count ? config->task_count : 1, sizeof(*q->entities));
        if (q->entities == NULL) {
                free(q);
                return NULL;
        }
        for (size_t i = 0; i < config->task_count; i++) {
                const struct task_config *task = &config->tasks[i];

                q->entities[i].weight =
                    task->weight != 0 ? task->weight : sched_fair_nice_weight(task->nice);
                q->entities[i].index = (uint32_t)i;
        }
        q->target_latency_ps = config->fair_target_latency_ps != 0
                                   ? config->fair_target_latency_ps
                                   : OS_FAIR_DEFAULT_TARGET_LATENCY_PS;
        q->min_granularity_ps = config->fair_min_granularity_ps != 0
                                    ? config->fair_min_granularity_ps
                                    : OS_FAIR_DEFAULT_MIN_GRANULARITY_PS;
        return q;
}

static void sched_fair_destroy(void *queue)
{
        struct sched_fair_queue *q = queue;

        free(q->entities);
        free(q);
}

static struct sched_fair_entity *sched_fair_entity(struct sched_fair_queue *q,
                                                   const struct guest_os_job *job)
{
        return &q->entities[job->task_index];
}

/* vruntime += delta * 1024 / weight, exactly over time: the remainder is carried. */
static void sched_fair_charge(struct sched_fair_entity *e, sim_time_t delta_ps)
{
        uint64_t scaled;

        e->vruntime += delta_ps / e->weight * SCHED_FAIR_NICE_0_WEIGHT;
        scaled = e->vruntime_remainder + delta_ps % e->weight * SCHED_FAIR_NICE_0_WEIGHT;
        e->vruntime += scaled / e->weight;
        e->vruntime_remainder = scaled % e->weight;
}

static void sched_fair_charge_holder(struct sched_fair_queue *q, sim_time_t now)
{
        if (q->holder == NULL || !q->running)
                return;
        sched_fair_charge(q->holder, now - q->exec_start_ps);
        q->exec_start_ps = now;
}

static void sched_fair_update_min_vruntime(struct sched_fair_queue *q)
{
        bool any = false;
        uint64_t least = 0;

        for (const struct guest_os_job *job = q->head; job != NULL; job = job->ready_next) {
                const struct sched_fair_entity *e = &q->entities[job->task_index];

                if (e->placed && (!any || e->vruntime < least)) {
                        least = e->vruntime;
                        any = true;
                }
        }
        if (any && least > q->min_vruntime)
                q->min_vruntime = least;
}

/* Sleeper credit: at most half a target latency below min_vruntime. */
static void sched_fair_place(struct sched_fair_queue *q, struct sched_fair_entity *e)
{
        sim_time_t credit_ps = q->target_latency_ps / 2;
        uint64_t floor = q->min_vruntime > credit_ps ? q->min_vruntime - credit_ps : 0;

        if (e->vruntime < floor) {
                e->vruntime = floor;
                e->vruntime_remainder = 0;
        }
        e->placed = true;
}

static sim_time_t sched_fair_slice_ps(const struct sched_fair_queue *q,
                                      const struct sched_fair_entity *e)
{
        sim_time_t share_ps = q->target_latency_ps * e->weight / q->total_weight;

        return share_ps > q->min_granularity_ps ? share_ps : q->min_granularity_ps;
}

/* The queued task with the least vruntime other than `except`; ties to the lower index. */
static struct sched_fair_entity *sched_fair_least(const struct sched_fair_queue *q,
                                                  const struct sched_fair_entity *except)
{
        struct sched_fair_entity *best = NULL;

        for (const struct guest_os_job *job = q->head; job != NULL; job = job->ready_next) {
                struct sched_fair_entity *e = &q->entities[job->task_index];

                if (e == except)
                        continue;
                if (best == NULL || e->vruntime < best->vruntime ||
                    (e->vruntime == best->vruntime && e->index < best->index))
                        best = e;
        }
        return best;
}

static void sched_fair_insert(void *queue, struct guest_os_job *job)
{
        struct sched_fair_queue *q = queue;
        struct sched_fair_entity *e = sched_fair_entity(q, job);

        assert(e->job == NULL);
        e->job = job;
        job->ready_next = q->head;
        q->head = job;
        q->total_weight += e->weight;
        if (e == q->completed) {
                /* the next job was waiting: the task did not sleep and keeps its slice */
                e->placed = true;
                q->holder = e;
                q->running = false;
                q->slice_start_ps = q->stopped_slice_start_ps;
        } else {
                e->placed = false; /* placed at the next update, against an up-to-date min */
        }
}

static void sched_fair_remove(void *queue, struct guest_os_job *job)
{
        struct sched_fair_queue *q = queue;
        struct sched_fair_entity *e = sched_fair_entity(q, job);
        struct guest_os_job **link = &q->head;

        while (*link != NULL && *link != job)
                link = &(*link)->ready_next;
        assert(*link == job);
        *link = job->ready_next;
        job->ready_next = NULL;
        e->job = NULL;
        e->placed = false;
        q->total_weight -= e->weight;
        if (e == q->holder)
                q->holder = NULL;
        if (e == q->stopped)
                q->completed = e;
}

static struct guest_os_job *sched_fair_first(const void *queue)
{
        const struct sched_fair_queue *q = queue;
        const struct sched_fair_entity *e;

        if (q->holder != NULL && !q->slice_expired)
                return q->holder->job;
        /* an expired holder yields even to an equal vruntime */
        e = sched_fair_least(q, q->slice_expired ? q->holder : NULL);
        return e != NULL ? e->job : NULL;
}

static void sched_fair_run_start(void *queue, struct guest_os_job *job, sim_time_t now)
{
        struct sched_fair_queue *q = queue;
        struct sched_fair_entity *e = sched_fair_entity(q, job);

        if (e != q->holder || q->slice_expired)
                q->slice_start_ps = now;
        q->holder = e;
        q->running = true;
        q->slice_expired = false;
        q->exec_start_ps = now;
}

static void sched_fair_run_stop(void *queue, sim_time_t now)
{
        struct sched_fair_queue *q = queue;

        sched_fair_charge_holder(q, now);
        q->stopped = q->holder;
        q->stopped_slice_start_ps = q->slice_start_ps;
        q->holder = NULL;
        q->running = false;
}

/* Charge the holder, place waking tasks, and settle the holder's slice. */
static void sched_fair_update(void *queue, sim_time_t now)
{
        struct sched_fair_queue *q = queue;
        struct sched_fair_entity *other;

        q->stopped = NULL;
        q->completed = NULL;
        sched_fair_charge_holder(q, now);
        sched_fair_update_min_vruntime(q);
        for (struct guest_os_job *job = q->head; job != NULL; job = job->ready_next) {
                struct sched_fair_entity *e = sched_fair_entity(q, job);

                if (!e->placed)
                        sched_fair_place(q, e);
        }
        q->slice_expired = false;
        if (q->holder == NULL || now - q->slice_start_ps < sched_fair_slice_ps(q, q->holder))
                return;
        other = sched_fair_least(q, q->holder);
        if (other != NULL && other->vruntime <= q->holder->vruntime)
                q->slice_expired = true;
        else
                q->slice_start_ps = now; /* nobody is owed the core: a new slice */
}

static sim_time_t sched_fair_next_decision_ps(const void *queue)
{
        const struct sched_fair_queue *q = queue;

        if (q->holder == NULL || !q->running)
                return SIM_TIME_MAX;
        return q->slice_start_ps + sched_fair_slice_ps(q, q->holder);
}

const struct guest_os_sched_ops sched_fair_ops = {
        .name = "fair",
        .create = sched_fair_create,
        .destroy = sched_fair_destroy,
        .insert = sched_fair_insert,
        .remove = sched_fair_remove,
        .first = sched_fair_first,
        .run_start = sched_fair_run_start,
        .run_stop = sched_fair_run_stop,
        .update = sched_fair_update,
        .next_decision_ps = sched_fair_next_decision_ps,
        .interrupts_keep_running = true,
};
