/*
 * core: a processor core with a clock that executes one piece of work at a time.
 *
 * Work is handed to a core as an amount of execution time in picoseconds at the core's clock:
 * callers convert a cycle count once (core_cycles_to_ps, rounded to the nearest picosecond by
 * sim_cycles_to_ps) and keep the remaining picoseconds across preemptions, so N cycles cut into
 * any number of slices still take exactly the same total time. core_start() runs work to
 * completion unless core_preempt() takes it off first; the completion callback runs at the
 * finishing instant in the SIM_PRIO_HIGH class (a hardware completion), so every decision made
 * in a later class at that instant already sees the core as free. The core accounts busy time
 * (every picosecond it spends executing anything) for utilisation.
 *
 * Software above the hardware (a guest OS) does not call core_* directly: it talks to a
 * struct exec_port, the execution-resource interface defined here, which a core provides
 * through core_exec_port() and which a hypervisor's vCPU can provide later. Memory-access
 * profiles and stalls are the memory engines' (mem_exec.h, mem_fast.h), which provide the
 * same exec_port; not modelled: frequency changes.
 */
#ifndef MOSAIC_HW_CORE_H
#define MOSAIC_HW_CORE_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/scenario.h"
#include "sim/sim.h"

/* Called when the work given to an execution resource has completed. */
typedef void (*exec_done_fn)(void *arg);

/*
 * An execution resource (a core, later a vCPU). `cycles_to_ps` converts a cycle count into the
 * resource's work unit (picoseconds of execution). `start` begins `work_ps` of work on an idle
 * resource and calls done(arg) when it completes: 0 or -ENOMEM. `preempt` stops the current
 * work and returns how much of it is left (0 if it would finish at this very instant); the done
 * callback of preempted work never runs. `busy` tells whether work is in progress.
 */
struct exec_port_ops {
        sim_time_t (*cycles_to_ps)(const void *resource, uint64_t cycles);
        int (*start)(void *resource, sim_time_t work_ps, exec_done_fn done, void *arg);
        sim_time_t (*preempt)(void *resource);
        bool (*busy)(const void *resource);
};

struct exec_port {
        const struct exec_port_ops *ops;
        void *resource;
};

struct core {
        const struct core_config *config;
        struct sim *sim;
        bool busy;
        sim_time_t started_ps; /* when the current work began */
        sim_time_t finish_ps;  /* when the current work completes */
        sim_time_t busy_ps;    /* busy time of finished or preempted work */
        sim_event_id completion;
        exec_done_fn done;
        void *done_arg;
};

/* Initialise an idle core; the config must outlive it. */
void core_init(struct core *core, const struct core_config *config, struct sim *sim);
/* Cancel pending work, if any, without calling its callback. */
void core_fini(struct core *core);

sim_time_t core_cycles_to_ps(const struct core *core, uint64_t cycles);
/* Begin work on an idle core (assert): 0, or -ENOMEM when the event cannot be scheduled. */
int core_start(struct core *core, sim_time_t work_ps, exec_done_fn done, void *arg);
/* Stop the current work (assert busy) and return the picoseconds it still needed. */
sim_time_t core_preempt(struct core *core);
bool core_busy(const struct core *core);
/* Busy time up to `now` (>= the start of the current work), the current work included. */
sim_time_t core_busy_ps(const struct core *core, sim_time_t now);

/* The core seen as an execution resource. */
struct exec_port core_exec_port(struct core *core);

#endif
