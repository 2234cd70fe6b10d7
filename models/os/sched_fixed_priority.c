#include "models/os/sched_fixed_priority.h"

#include <assert.h>
#include <stdlib.h>

struct sched_fixed_priority_queue {
        struct guest_os_job *head;
};

static void *sched_fixed_priority_create(const struct os_config *config)
{
        (void)config;
        return calloc(1, sizeof(struct sched_fixed_priority_queue));
}

static void sched_fixed_priority_destroy(void *queue)
{
        free(queue);
}

static void sched_fixed_priority_insert(void *queue, struct guest_os_job *job)
{
        struct sched_fixed_priority_queue *q = queue;
        struct guest_os_job **link = &q->head;

        while (*link != NULL && (*link)->priority >= job->priority)
                link = &(*link)->ready_next;
        job->ready_next = *link;
        *link = job;
}

static void sched_fixed_priority_remove(void *queue, struct guest_os_job *job)
{
        struct sched_fixed_priority_queue *q = queue;
        struct guest_os_job **link = &q->head;

        while (*link != NULL && *link != job)
                link = &(*link)->ready_next;
        assert(*link == job);
        *link = job->ready_next;
        job->ready_next = NULL;
}

static struct guest_os_job *sched_fixed_priority_first(const void *queue)
{
        const struct sched_fixed_priority_queue *q = queue;

        return q->head;
}

const struct guest_os_sched_ops sched_fixed_priority_ops = {
        .name = "fixed_priority",
        .create = sched_fixed_priority_create,
        .destroy = sched_fixed_priority_destroy,
        .insert = sched_fixed_priority_insert,
        .remove = sched_fixed_priority_remove,
        .first = sched_fixed_priority_first,
};
