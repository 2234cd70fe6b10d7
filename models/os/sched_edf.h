/*
 * sched_edf: preemptive earliest-deadline-first for guest_os, partitioned per core (or vCPU).
 *
 * The ready queue of a core is kept sorted by absolute deadline (activation + relative
 * deadline), earliest first; the first job runs, and a newly released job with an earlier
 * deadline preempts the running one at its release. Equal deadlines are broken by the earlier
 * activation, then by the lower task index in the OS configuration, so the order is total and
 * never depends on insertion order. Task priorities are not read. Insertion is linear in the
 * queue length, which is at most the number of tasks on the core (one job per task).
 *
 * On one core with D = T, EDF meets every deadline iff the utilisation is at most 1 (Liu and
 * Layland 1973); overload is not contained: once U > 1 any task may miss (the domino effect).
 */
#ifndef MOSAIC_OS_SCHED_EDF_H
#define MOSAIC_OS_SCHED_EDF_H

#include "models/os/guest_os.h"

extern const struct guest_os_sched_ops sched_edf_ops;

#endif
