#include "models/hw/core.h"

#include <assert.h>
#include <errno.h>
#include <stddef.h>

void core_init(struct core *core, const struct core_config *config, struct sim *sim)
{
        *core = (struct core){ .config = config, .sim = sim };
}

void core_fini(struct core *core)
{
        if (core->busy)
                (void)sim_cancel(core->sim, core->completion);
        core->busy = false;
        core->completion = 0;
}

sim_time_t core_cycles_to_ps(const struct core *core, uint64_t cycles)
{
        return sim_cycles_to_ps(cycles, core->config->clock_hz);
}

static void core_complete(struct sim *sim, void *arg)
{
        struct core *core = arg;

        (void)sim;
        assert(core->busy);
        core->busy_ps += core->finish_ps - core->started_ps;
        core->busy = false;
        core->completion = 0;
        core->done(core->done_arg);
}

int core_start(struct core *core, sim_time_t work_ps, exec_done_fn done, void *arg)
{
        sim_time_t now = sim_now(core->sim);

        assert(!core->busy);
        assert(work_ps <= SIM_TIME_MAX - now);
        core->completion =
            sim_schedule_prio(core->sim, now + work_ps, SIM_PRIO_HIGH, core_complete, core);
        if (core->completion == 0)
                return -ENOMEM;
        core->busy = true;
        core->started_ps = now;
        core->finish_ps = now + work_ps;
        core->done = done;
        core->done_arg = arg;
        return 0;
}

sim_time_t core_preempt(struct core *core)
{
        sim_time_t now = sim_now(core->sim);
        int cancelled;

        assert(core->busy);
        cancelled = sim_cancel(core->sim, core->completion);
        assert(cancelled == 0);
        (void)cancelled;
        assert(now <= core->finish_ps);
        core->busy_ps += now - core->started_ps;
        core->busy = false;
        core->completion = 0;
        return core->finish_ps - now;
}

bool core_busy(const struct core *core)
{
        return core->busy;
}

sim_time_t core_busy_ps(const struct core *core, sim_time_t now)
{
        if (!core->busy)
                return core->busy_ps;
        assert(now >= core->started_ps);
        if (now > core->finish_ps)
                now = core->finish_ps;
        return core->busy_ps + (now - core->started_ps);
}

static sim_time_t core_port_cycles_to_ps(const void *resource, uint64_t cycles)
{
        return core_cycles_to_ps(resource, cycles);
}

static int core_port_start(void *resource, sim_time_t work_ps, exec_done_fn done, void *arg)
{
        return core_start(resource, work_ps, done, arg);
}

static sim_time_t core_port_preempt(void *resource)
{
        return core_preempt(resource);
}

static bool core_port_busy(const void *resource)
{
        return core_busy(resource);
}

static const struct exec_port_ops core_port_ops = {
        .cycles_to_ps = core_port_cycles_to_ps,
        .start = core_port_start,
        .preempt = core_port_preempt,
        .busy = core_port_busy,
};

struct exec_port core_exec_port(struct core *core)
{
        return (struct exec_port){ .ops = &core_port_ops, .resource = core };
}
