/*
 * test_hv_harness: shared fixture for the hypervisor unit tests (header-only, static functions).
 *
 * Up to HVT_MAX_CORES physical cores at 1 GHz (1 cycle = 1 ns = 1000 ps exactly) and up to
 * HVT_MAX_VMS VMs of one vCPU each. A VM runs either a real guest_os (fixed priority, its
 * tasks built in C as the OS tests do) on its vCPU's exec_port, or an always-busy workload
 * that keeps work on the vCPU at all times. With `bare` set there is no hypervisor: each
 * guest runs directly on the core its vCPU would be pinned to, as an AMP design does.
 */
#ifndef MOSAIC_TESTS_UNIT_TEST_HV_HARNESS_H
#define MOSAIC_TESTS_UNIT_TEST_HV_HARNESS_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "models/hv/hypervisor.h"
#include "models/hw/core.h"
#include "models/os/guest_os.h"
#include "sim/metrics.h"
#include "sim/sim.h"

#define US SIM_PS_PER_US
#define MS SIM_PS_PER_MS
#define NS SIM_PS_PER_NS

#define HVT_MAX_CORES   2
#define HVT_MAX_VMS     4
#define HVT_MAX_TASKS   5
#define HVT_MAX_WINDOWS 8
#define HVT_NAME        16

/* Always-busy work: one second at a time, restarted the instant it completes. */
struct hvt_busy {
        struct exec_port port;
};

struct hvt_guest {
        struct os_config os;
        size_t os_core; /* the OS's only CPU: its vCPU, index 0 */
        struct task_config tasks[HVT_MAX_TASKS];
        char task_names[HVT_MAX_TASKS][HVT_NAME];
        struct guest_os_task_metrics task_metrics[HVT_MAX_TASKS];
        struct metric *context_switches;
        struct guest_os *model;
};

struct hvt {
        struct sim *sim;
        struct metrics *metrics;
        bool bare;
        size_t core_count;
        struct core_config core_configs[HVT_MAX_CORES];
        char core_names[HVT_MAX_CORES][HVT_NAME];
        const char *core_name_ptrs[HVT_MAX_CORES];
        struct core cores[HVT_MAX_CORES];
        struct exec_port ports[HVT_MAX_CORES];
        struct hv_config config;
        struct hv_vm_config vms[HVT_MAX_VMS];
        char vm_names[HVT_MAX_VMS][HVT_NAME];
        struct hv_vcpu_config vcpus[HVT_MAX_VMS];
        struct hv_core_schedule_config schedules[HVT_MAX_CORES];
        struct hv_window_config windows[HVT_MAX_CORES][HVT_MAX_WINDOWS];
        struct hv *hv;
        bool has_guest[HVT_MAX_VMS];
        struct hvt_guest guests[HVT_MAX_VMS];
        bool is_busy[HVT_MAX_VMS];
        struct hvt_busy busy[HVT_MAX_VMS];
};

static inline void hvt_init(struct hvt *t, enum hv_policy policy, size_t core_count)
{
        *t = (struct hvt){ 0 };
        ck_assert_uint_le(core_count, HVT_MAX_CORES);
        t->core_count = core_count;
        for (size_t i = 0; i < core_count; i++) {
                (void)snprintf(t->core_names[i], HVT_NAME, "cpu%zu", i);
                t->core_name_ptrs[i] = t->core_names[i];
                t->core_configs[i] =
                    (struct core_config){ .name = t->core_names[i], .clock_hz = 1000000000 };
        }
        t->config = (struct hv_config){ .policy = policy,
                                        .vms = t->vms,
                                        .schedule_count = core_count,
                                        .schedules = t->schedules };
        for (size_t i = 0; i < HVT_MAX_CORES; i++)
                t->schedules[i].windows = t->windows[i];
}

/* A VM with one vCPU pinned to `core`; returns the vCPU's config for policy parameters. */
static inline struct hv_vcpu_config *hvt_vm(struct hvt *t, const char *name, size_t core)
{
        size_t index = t->config.vm_count++;

        ck_assert_uint_le(t->config.vm_count, HVT_MAX_VMS);
        (void)snprintf(t->vm_names[index], HVT_NAME, "%s", name);
        t->vcpus[index] = (struct hv_vcpu_config){ .core = core };
        t->vms[index] = (struct hv_vm_config){ .name = t->vm_names[index],
                                               .vcpu_count = 1,
                                               .vcpus = &t->vcpus[index] };
        return &t->vcpus[index];
}

/* A periodic task of VM `vm`'s guest: fixed demand, deadline = period, offset 0. */
static inline struct task_config *hvt_task(struct hvt *t, size_t vm, const char *name,
                                           sim_time_t period_ps, uint64_t cycles, uint32_t priority)
{
        struct hvt_guest *guest = &t->guests[vm];
        size_t index = guest->os.task_count;
        struct task_config *task = &guest->tasks[index];

        ck_assert_uint_lt(index, HVT_MAX_TASKS);
        if (!t->has_guest[vm]) {
                t->has_guest[vm] = true;
                guest->os = (struct os_config){ .name = t->vm_names[vm],
                                                .scheduler = OS_SCHED_FIXED_PRIORITY,
                                                .core_count = 1,
                                                .cores = &guest->os_core,
                                                .tasks = guest->tasks };
        }
        guest->os.task_count++;
        (void)snprintf(guest->task_names[index], HVT_NAME, "%s", name);
        *task = (struct task_config){
                .name = guest->task_names[index],
                .activation = TASK_PERIODIC,
                .period_ps = period_ps,
                .max_interarrival_ps = period_ps,
                .deadline_ps = period_ps,
                .priority = priority,
                .core = 0,
                .demand = { .distribution = DEMAND_FIXED,
                            .min_cycles = cycles,
                            .max_cycles = cycles,
                            .mean_cycles = (double)cycles },
        };
        return task;
}

static inline void hvt_busy(struct hvt *t, size_t vm)
{
        t->is_busy[vm] = true;
}

/* Append a window to `core`'s ARINC 653 schedule (vm == HV_IDLE: an idle window). */
static inline void hvt_window(struct hvt *t, size_t core, size_t vm, sim_time_t duration_ps)
{
        struct hv_core_schedule_config *schedule = &t->schedules[core];

        ck_assert_uint_lt(schedule->window_count, HVT_MAX_WINDOWS);
        t->windows[core][schedule->window_count++] =
            (struct hv_window_config){ .vm = vm, .vcpu = 0, .duration_ps = duration_ps };
}

static void hvt_busy_done(void *arg)
{
        struct hvt_busy *busy = arg;

        ck_assert_int_eq(
            busy->port.ops->start(busy->port.resource, SIM_PS_PER_S, hvt_busy_done, busy), 0);
}

static inline struct metric *hvt_new_counter(struct hvt *t, const char *entity, const char *name)
{
        struct metric *metric = metrics_counter(t->metrics, entity, name);

        ck_assert_ptr_nonnull(metric);
        return metric;
}

static inline void hvt_build_guest(struct hvt *t, size_t vm, struct exec_port port)
{
        struct hvt_guest *guest = &t->guests[vm];
        char entity[64];

        for (size_t i = 0; i < guest->os.task_count; i++) {
                struct guest_os_task_metrics *m = &guest->task_metrics[i];

                (void)snprintf(entity, sizeof(entity), "os/%s/task/%s", t->vm_names[vm],
                               guest->task_names[i]);
                m->activations = hvt_new_counter(t, entity, "activations");
                m->completions = hvt_new_counter(t, entity, "completions");
                m->deadline_misses = hvt_new_counter(t, entity, "deadline_misses");
                m->preemptions = hvt_new_counter(t, entity, "preemptions");
                m->response_time =
                    metrics_histogram(t->metrics, entity, "response_time", METRIC_UNIT_PS);
                ck_assert_ptr_nonnull(m->response_time);
        }
        (void)snprintf(entity, sizeof(entity), "os/%s/cpu0", t->vm_names[vm]);
        guest->context_switches = hvt_new_counter(t, entity, "context_switches");
        ck_assert_int_eq(guest_os_create(t->sim, &guest->os, 1, &port, &guest->context_switches,
                                         guest->task_metrics, &guest->model),
                         0);
}

/* The execution resource VM `vm` runs on: its vCPU, or its core when bare. */
static inline struct exec_port hvt_port(struct hvt *t, size_t vm)
{
        if (t->bare)
                return t->ports[t->vcpus[vm].core];
        return hv_vcpu_exec_port(hv_find_vcpu(t->hv, vm, 0));
}

/* Build the kernel, cores, hypervisor and guests; start the guests and busy workloads. */
static inline void hvt_build(struct hvt *t, sim_time_t duration_ps)
{
        t->sim = sim_create(NULL);
        t->metrics = metrics_create();
        ck_assert_ptr_nonnull(t->sim);
        ck_assert_ptr_nonnull(t->metrics);
        for (size_t i = 0; i < t->core_count; i++) {
                core_init(&t->cores[i], &t->core_configs[i], t->sim);
                t->ports[i] = core_exec_port(&t->cores[i]);
        }
        if (!t->bare)
                ck_assert_int_eq(hv_create(t->sim, &t->config, t->ports, t->core_name_ptrs,
                                           t->core_count, t->metrics, &t->hv),
                                 0);
        for (size_t vm = 0; vm < t->config.vm_count; vm++) {
                if (t->has_guest[vm]) {
                        hvt_build_guest(t, vm, hvt_port(t, vm));
                        ck_assert_int_eq(guest_os_start(t->guests[vm].model, duration_ps), 0);
                }
                if (t->is_busy[vm]) {
                        t->busy[vm].port = hvt_port(t, vm);
                        hvt_busy_done(&t->busy[vm]);
                }
        }
}

/* Run a built fixture over [0, duration]; the hypervisor and guests close their books. */
static inline void hvt_go(struct hvt *t, sim_time_t duration_ps)
{
        ck_assert_int_eq(sim_run_until(t->sim, duration_ps), 0);
        if (t->hv != NULL) {
                ck_assert_int_eq(hv_error(t->hv), 0);
                hv_finish(t->hv, duration_ps);
        }
        for (size_t vm = 0; vm < t->config.vm_count; vm++) {
                if (t->has_guest[vm]) {
                        ck_assert_int_eq(guest_os_error(t->guests[vm].model), 0);
                        guest_os_finish(t->guests[vm].model, duration_ps);
                }
        }
}

static inline void hvt_run(struct hvt *t, sim_time_t duration_ps)
{
        hvt_build(t, duration_ps);
        hvt_go(t, duration_ps);
}

static inline void hvt_free(struct hvt *t)
{
        for (size_t vm = 0; vm < t->config.vm_count; vm++)
                guest_os_destroy(t->guests[vm].model);
        hv_destroy(t->hv);
        for (size_t i = 0; i < t->core_count; i++)
                core_fini(&t->cores[i]);
        sim_destroy(t->sim);
        metrics_destroy(t->metrics);
}

static inline const struct metric *hvt_metric(const struct hvt *t, const char *entity,
                                              const char *name)
{
        const struct metric *metric = metrics_find(t->metrics, entity, name);

        ck_assert_msg(metric != NULL, "no metric %s/%s", entity, name);
        return metric;
}

/* Guest work executed by VM `vm`'s vCPU, in ps. */
static inline uint64_t hvt_run_time(const struct hvt *t, size_t vm)
{
        char entity[64];

        (void)snprintf(entity, sizeof(entity), "hv/vm/%s/vcpu/0", t->vm_names[vm]);
        return hvt_metric(t, entity, "run_time")->counter;
}

static inline const struct histogram *hvt_wait(const struct hvt *t, size_t vm)
{
        char entity[64];

        (void)snprintf(entity, sizeof(entity), "hv/vm/%s/vcpu/0", t->vm_names[vm]);
        return &hvt_metric(t, entity, "wait_time")->histogram;
}

static inline uint64_t hvt_core_counter(const struct hvt *t, size_t core, const char *name)
{
        char entity[64];

        (void)snprintf(entity, sizeof(entity), "hv/core/cpu%zu", core);
        return hvt_metric(t, entity, name)->counter;
}

static inline const struct histogram *hvt_response(const struct hvt *t, size_t vm, const char *task)
{
        char entity[64];

        (void)snprintf(entity, sizeof(entity), "os/%s/task/%s", t->vm_names[vm], task);
        return &hvt_metric(t, entity, "response_time")->histogram;
}

#endif
