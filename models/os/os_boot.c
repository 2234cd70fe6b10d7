#include "models/os/os_boot.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "models/os/guest_os.h"

struct os_boot {
        struct sim *sim;
        struct guest_os *os;
        struct exec_port core;
        sim_time_t work_ps;
        sim_time_t horizon_ps;
        struct metric *boot_time;
        sim_event_id start_event;
        bool running; /* its work is on the core */
        size_t dependent_count;
        struct os_boot **dependents;
        int error;
};

static void os_boot_fail(struct os_boot *boot, int err)
{
        if (boot->error == 0)
                boot->error = err;
        sim_stop(boot->sim);
}

static void os_boot_begin(struct os_boot *boot);

static void os_boot_done(void *arg)
{
        struct os_boot *boot = arg;
        sim_time_t now = sim_now(boot->sim);
        int err;

        boot->running = false;
        metric_set(boot->boot_time, (double)now);
        err = guest_os_start_at(boot->os, now, boot->horizon_ps);
        if (err != 0)
                os_boot_fail(boot, err);
        for (size_t i = 0; i < boot->dependent_count; i++)
                os_boot_begin(boot->dependents[i]);
}

static void os_boot_begin(struct os_boot *boot)
{
        int err = boot->core.ops->start(boot->core.resource, boot->work_ps, os_boot_done, boot);

        if (err != 0)
                os_boot_fail(boot, err);
        else
                boot->running = true;
}

static void os_boot_start_event(struct sim *sim, void *arg)
{
        struct os_boot *boot = arg;

        (void)sim;
        boot->start_event = 0;
        os_boot_begin(boot);
}

int os_boot_create(struct sim *sim, struct guest_os *os, const struct boot_config *config,
                   const struct exec_port *core, sim_time_t horizon_ps, struct metric *boot_time,
                   struct os_boot **out)
{
        struct os_boot *boot = calloc(1, sizeof(*boot));
        double load_ps = (double)config->image_bytes * (double)SIM_PS_PER_S /
                         (double)(config->load_bytes_per_s ? config->load_bytes_per_s : 1);

        if (boot == NULL)
                return -ENOMEM;
        *boot = (struct os_boot){
                .sim = sim,
                .os = os,
                .core = *core,
                .work_ps = core->ops->cycles_to_ps(core->resource, config->creation_cycles) +
                           (sim_time_t)llround(load_ps),
                .horizon_ps = horizon_ps,
                .boot_time = boot_time,
        };
        *out = boot;
        return 0;
}

int os_boot_add_dependent(struct os_boot *boot, struct os_boot *dependent)
{
        struct os_boot **grown =
            realloc(boot->dependents, (boot->dependent_count + 1) * sizeof(*grown));

        if (grown == NULL)
                return -ENOMEM;
        grown[boot->dependent_count++] = dependent;
        boot->dependents = grown;
        return 0;
}

int os_boot_start(struct os_boot *boot)
{
        boot->start_event = sim_schedule_prio(boot->sim, sim_now(boot->sim), SIM_PRIO_HIGH,
                                              os_boot_start_event, boot);
        return boot->start_event == 0 ? -ENOMEM : 0;
}

int os_boot_error(const struct os_boot *boot)
{
        return boot->error;
}

void os_boot_destroy(struct os_boot *boot)
{
        if (boot == NULL)
                return;
        if (boot->start_event != 0)
                (void)sim_cancel(boot->sim, boot->start_event);
        if (boot->running)
                (void)boot->core.ops->preempt(boot->core.resource);
        free(boot->dependents);
        free(boot);
}
