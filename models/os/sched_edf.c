#include "models/os/sched_edf.h"

#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>

struct sched_edf_queue {
        struct guest_os_job *head;
};

static void *sched_edf_create(const struct os_config *config)
{
        (void)config;
        return calloc(1, sizeof(struct sched_edf_queue));
}

static void sched_edf_destroy(void *queue)
{
        free(queue);
}

/* Whether job a runs before job b: (deadline, activation, task index) ascending. */
static bool sched_edf_before(const struct guest_os_job *a, const struct guest_os_job *b)
{
        if (a->deadline_ps != b->deadline_ps)
                return a->deadline_ps < b->deadline_ps;
        if (a->activation_ps != b->activation_ps)
                return a->activation_ps < b->activation_ps;
        return a->task_index < b->task_index;
}

static void sched_edf_insert(void *queue, struct guest_os_job *job)
{
        struct sched_edf_queue *q = queue;
        struct guest_os_job **link = &q->head;

        while (*link != NULL && !sched_edf_before(job, *link))
                link = &(*link)->ready_next;
        job->ready_next = *link;
        *link = job;
}

static void sched_edf_remove(void *queue, struct guest_os_job *job)
{
        struct sched_edf_queue *q = queue;
        struct guest_os_job **link = &q->head;

        while (*link != NULL && *link != job)
                link = &(*link)->ready_next;
        assert(*link == job);
        *link = job->ready_next;
        job->ready_next = NULL;
}

static struct guest_os_job *sched_edf_first(const void *queue)
{
        const struct sched_edf_queue *q = queue;

        return q->head;
}

const struct guest_os_sched_ops sched_edf_ops = {
        .name = "edf",
        .create = sched_edf_create,
        .destroy = sched_edf_destroy,
        .insert = sched_edf_insert,
        .remove = sched_edf_remove,
        .first = sched_edf_first,
};
