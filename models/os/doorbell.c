#include "models/os/doorbell.h"

#include <errno.h>
#include <stdlib.h>

#include "models/hv/hypervisor.h"
#include "models/hw/gic.h"
#include "models/os/guest_os.h"

struct doorbell {
        struct sim *sim;
        struct doorbell_target target;
        sim_event_id ring_event; /* pending rings, sent at this instant */
        uint64_t pending;
        int error;
};

static void doorbell_fail(struct doorbell *d, int err)
{
        if (d->error == 0)
                d->error = err;
        sim_stop(d->sim);
}

static void doorbell_ring(struct sim *sim, void *arg)
{
        struct doorbell *d = arg;
        const struct doorbell_target *t = &d->target;

        (void)sim;
        d->ring_event = 0;
        for (; d->pending > 0 && d->error == 0; d->pending--) {
                int err;

                if (t->from == NULL) {
                        err = gic_send_sgi(t->gic, t->sgi, t->core);
                } else {
                        if (t->raised != NULL)
                                metric_add(t->raised, 1);
                        err = hv_vcpu_send_sgi(t->from, t->sgi, t->to);
                }
                if (err != 0)
                        doorbell_fail(d, err);
        }
}

/* The producer's job completed: ring from an event of its own at this instant. */
static void doorbell_completion(void *arg, size_t task, sim_time_t now)
{
        struct doorbell *d = arg;

        (void)task;
        d->pending++;
        if (d->ring_event != 0)
                return;
        d->ring_event = sim_schedule_prio(d->sim, now, SIM_PRIO_NORMAL, doorbell_ring, d);
        if (d->ring_event == 0)
                doorbell_fail(d, -ENOMEM);
}

int doorbell_create(struct sim *sim, struct guest_os *producer, const char *task,
                    const struct doorbell_target *target, struct doorbell **out)
{
        struct doorbell *d = calloc(1, sizeof(*d));
        int err;

        *out = NULL;
        if (d == NULL)
                return -ENOMEM;
        *d = (struct doorbell){ .sim = sim, .target = *target };
        err = guest_os_add_completion_hook(producer, task, doorbell_completion, d);
        if (err != 0) {
                free(d);
                return err;
        }
        *out = d;
        return 0;
}

int doorbell_error(const struct doorbell *doorbell)
{
        return doorbell->error;
}

void doorbell_destroy(struct doorbell *doorbell)
{
        if (doorbell == NULL)
                return;
        if (doorbell->ring_event != 0)
                (void)sim_cancel(doorbell->sim, doorbell->ring_event);
        free(doorbell);
}
