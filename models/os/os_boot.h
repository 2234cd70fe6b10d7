/*
 * os_boot: the start-up of an AMP operating system (struct boot_config, an OS's "boot").
 *
 * The boot loader loads the OS's image (image_bytes at load_bytes_per_s) and the OS
 * initialises itself (creation_cycles at the core's clock), as one piece of work on the OS's
 * first core; nothing else runs there in AMP, since the OS owns its cores. When it ends the OS
 * has booted: its gauge boot_time (ps) is set to that instant and the OS is started
 * (guest_os_start_at: its tasks' times count from then), then the start-ups waiting for it
 * (os_boot_add_dependent) begin. os_boot_start begins one from an event at the current
 * instant (SIM_PRIO_HIGH), so the trace subscribers attached after the build see it. A VM's
 * start-up is the hypervisor's work instead (hv_boot in models/hv/hypervisor.h).
 */
#ifndef MOSAIC_OS_OS_BOOT_H
#define MOSAIC_OS_OS_BOOT_H

#include "models/hw/core.h"
#include "sim/metrics.h"
#include "sim/scenario.h"
#include "sim/sim.h"

struct guest_os;
struct os_boot;

/* The start-up of `os` per `config` on `core` (copied), its tasks activated before
 * `horizon_ps`: 0 or -ENOMEM. */
int os_boot_create(struct sim *sim, struct guest_os *os, const struct boot_config *config,
                   const struct exec_port *core, sim_time_t horizon_ps, struct metric *boot_time,
                   struct os_boot **out);
/* `dependent` begins when `boot` has ended: 0 or -ENOMEM. */
int os_boot_add_dependent(struct os_boot *boot, struct os_boot *dependent);
/* Begin at the current instant: 0 or -ENOMEM. */
int os_boot_start(struct os_boot *boot);
/* 0, or the error that stopped the kernel. */
int os_boot_error(const struct os_boot *boot);
/* Cancel what is pending (the core's work included) and free; NULL is ignored. */
void os_boot_destroy(struct os_boot *boot);

#endif
