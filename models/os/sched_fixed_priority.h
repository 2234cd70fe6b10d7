/*
 * sched_fixed_priority: the fixed-priority preemptive policy (OSEK/AUTOSAR-like) for guest_os.
 *
 * The ready queue of a core is kept sorted by priority, highest (largest value) first; the
 * first job runs. Priorities are unique per core (the loader and guest_os_create enforce it),
 * so the order never depends on insertion order. Should equal priorities still meet, the
 * earlier-inserted job stays first (FIFO), which keeps the policy total. Insertion is linear
 * in the queue length, which is at most the number of tasks on the core.
 */
#ifndef MOSAIC_OS_SCHED_FIXED_PRIORITY_H
#define MOSAIC_OS_SCHED_FIXED_PRIORITY_H

#include "models/os/guest_os.h"

extern const struct guest_os_sched_ops sched_fixed_priority_ops;

#endif
