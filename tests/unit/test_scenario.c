/*
 * Tests of the scenario loader (sim/scenario.c) and its text helpers (sim/json_read.c).
 *
 * Fixtures live in tests/unit/scenarios/ and are found relative to the project root, where
 * make runs the tests. Every bad_*.json fixture is base.json (which loads) with one defect, so
 * each table row tests exactly one rule; its line is the line of the defect in the fixture
 * (see `diff base.json bad_x.json`) and its column is counted by hand in the row's comment.
 */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/json_read.h"
#include "sim/scenario.h"

#define FIXTURES "tests/unit/scenarios/"

/* ---- valid scenarios ---- */

START_TEST(test_valid_full)
{
        struct scenario s;
        struct scenario_diag d;
        int rc = scenario_load(FIXTURES "valid_full.json", &s, &d);
        ck_assert_msg(rc == 0, "%s:%d:%d %s: %s", d.file, d.line, d.column, d.path, d.message);

        ck_assert_str_eq(s.name, "full-example");
        ck_assert_str_eq(s.description, "Fixture: every key, several units");
        ck_assert_str_eq(s.file, FIXTURES "valid_full.json");
        /* duration_s 1.5 -> 1.5 * 10^12 ps */
        ck_assert_uint_eq(s.run.duration_ps, 1500000000000ull);
        ck_assert_uint_eq(s.run.seed, 42);
        ck_assert_int_eq(s.run.fidelity, FIDELITY_FAST);

        /* the platform path is joined to the scenario's directory */
        ck_assert_str_eq(s.platform.file,
                         FIXTURES "../../../scenarios/platforms/generic-4core.json");
        ck_assert_str_eq(s.platform.name, "generic-4core");
        ck_assert_uint_eq(s.platform.core_count, 4);
        ck_assert_uint_eq(s.platform.source_count, 0);
        for (size_t i = 0; i < 4; i++) {
                char name[8] = "cpu0";
                name[3] = (char)('0' + i);
                ck_assert_str_eq(s.platform.cores[i].name, name);
                /* clock_mhz 1200 -> 1200 * 10^6 Hz */
                ck_assert_uint_eq(s.platform.cores[i].clock_hz, 1200000000ull);
        }

        ck_assert_uint_eq(s.os_count, 2);
        const struct os_config *rtos = &s.oses[0];
        ck_assert_str_eq(rtos->name, "rtos");
        ck_assert_int_eq(rtos->scheduler, OS_SCHED_FIXED_PRIORITY);
        ck_assert_uint_eq(rtos->context_switch_cycles, 400);
        ck_assert_uint_eq(rtos->core_count, 2);
        ck_assert_uint_eq(rtos->cores[0], 0);
        ck_assert_uint_eq(rtos->cores[1], 1);
        ck_assert_uint_eq(rtos->task_count, 3);

        const struct task_config *brake = &rtos->tasks[0];
        ck_assert_str_eq(brake->name, "brake");
        ck_assert_int_eq(brake->activation, TASK_PERIODIC);
        ck_assert_uint_eq(brake->period_ps, 1000000000ull);           /* 1000 us */
        ck_assert_uint_eq(brake->max_interarrival_ps, 1000000000ull); /* = period */
        ck_assert_uint_eq(brake->offset_ps, 2500000ull);              /* 2500 ns */
        ck_assert_uint_eq(brake->jitter_ps, 50000000ull);             /* 50 us */
        ck_assert_uint_eq(brake->deadline_ps, 900000000ull);          /* 0.9 ms */
        ck_assert_uint_eq(brake->priority, 10);
        ck_assert_uint_eq(brake->core, 0);
        ck_assert_int_eq(brake->demand.distribution, DEMAND_FIXED);
        ck_assert_uint_eq(brake->demand.min_cycles, 120000);
        ck_assert_uint_eq(brake->demand.max_cycles, 120000);
        ck_assert_double_eq(brake->demand.mean_cycles, 120000.0);
        ck_assert_double_eq(brake->demand.stddev_cycles, 0.0);

        const struct task_config *diag = &rtos->tasks[1];
        ck_assert_str_eq(diag->name, "diag");
        ck_assert_int_eq(diag->activation, TASK_SPORADIC);
        ck_assert_uint_eq(diag->period_ps, 10000000000ull);           /* min 10 ms */
        ck_assert_uint_eq(diag->max_interarrival_ps, 50000000000ull); /* 50 ms */
        ck_assert_uint_eq(diag->deadline_ps, 10000000000ull);         /* = min inter-arrival */
        ck_assert_uint_eq(diag->offset_ps, 0);
        ck_assert_uint_eq(diag->jitter_ps, 0);
        ck_assert_uint_eq(diag->priority, 1);
        ck_assert_uint_eq(diag->core, 0); /* first core of the OS */
        ck_assert_int_eq(diag->demand.distribution, DEMAND_UNIFORM);
        ck_assert_uint_eq(diag->demand.min_cycles, 1000);
        ck_assert_uint_eq(diag->demand.max_cycles, 5000);
        ck_assert_double_eq(diag->demand.mean_cycles, 3000.0);
        /* discrete uniform over n = 4001 values: sqrt((4001^2 - 1) / 12) = sqrt(1334000);
         * 1155^2 = 1334025, so sqrt ~ 1155 - 25 / 2310 = 1154.98918 */
        ck_assert_double_eq_tol(diag->demand.stddev_cycles, 1154.98918, 1e-4);

        const struct task_config *logger = &rtos->tasks[2];
        ck_assert_str_eq(logger->name, "logger.v2");
        ck_assert_uint_eq(logger->period_ps, 2500000000ull); /* 2.5e9 ps */
        ck_assert_uint_eq(logger->deadline_ps, 2500000000ull);
        ck_assert_uint_eq(logger->priority, 10); /* same as brake, but on another core */
        ck_assert_uint_eq(logger->core, 1);
        ck_assert_int_eq(logger->demand.distribution, DEMAND_NORMAL);
        ck_assert_uint_eq(logger->demand.min_cycles, 1500);
        ck_assert_uint_eq(logger->demand.max_cycles, 3000);
        ck_assert_double_eq(logger->demand.mean_cycles, 2000.5);
        ck_assert_double_eq(logger->demand.stddev_cycles, 100.0);

        const struct os_config *linux_os = &s.oses[1];
        ck_assert_str_eq(linux_os->name, "linux");
        ck_assert_uint_eq(linux_os->context_switch_cycles, 0);
        ck_assert_uint_eq(linux_os->core_count, 1);
        ck_assert_uint_eq(linux_os->cores[0], 3);
        ck_assert_uint_eq(linux_os->task_count, 1);
        /* 16.666666 ms = 16666666 * 10^3 ps exactly (a double would not be exact) */
        ck_assert_uint_eq(linux_os->tasks[0].period_ps, 16666666000ull);
        ck_assert_uint_eq(linux_os->tasks[0].core, 3);
        ck_assert_uint_eq(linux_os->tasks[0].priority, 0);
        ck_assert_int_eq(linux_os->tasks[0].demand.distribution, DEMAND_FIXED);
        ck_assert_uint_eq(linux_os->tasks[0].demand.max_cycles, 7);

        ck_assert_uint_eq(s.requirement_count, 3);
        ck_assert_str_eq(s.requirements[0].metric, "os/rtos/task/brake/response_time_p99_us");
        ck_assert_str_eq(s.requirements[0].entity, "os/rtos/task/brake");
        ck_assert_str_eq(s.requirements[0].name, "response_time_p99_us");
        ck_assert(s.requirements[0].has_max);
        ck_assert(!s.requirements[0].has_min);
        ck_assert_double_eq(s.requirements[0].max, 300.0);
        ck_assert_str_eq(s.requirements[1].name, "deadline_misses");
        ck_assert_double_eq(s.requirements[1].max, 0.0);
        ck_assert_str_eq(s.requirements[2].entity, "core/cpu3");
        ck_assert_str_eq(s.requirements[2].name, "utilisation");
        ck_assert(s.requirements[2].has_min && s.requirements[2].has_max);
        ck_assert_double_eq(s.requirements[2].min, 0.1);
        ck_assert_double_eq(s.requirements[2].max, 0.9);

        ck_assert_ptr_eq(scenario_find_os(&s, "linux"), &s.oses[1]);
        ck_assert_ptr_null(scenario_find_os(&s, "vxworks"));
        ck_assert_int_eq(platform_find_core(&s.platform, "cpu2"), 2);
        ck_assert_int_eq(platform_find_core(&s.platform, "cpu4"), -1);

        scenario_free(&s);
        ck_assert_ptr_null(s.oses);
        scenario_free(&s); /* freeing twice is harmless: scenario_free zeroes the struct */
}
END_TEST

START_TEST(test_valid_defaults)
{
        struct scenario s;
        struct scenario_diag d;
        int rc = scenario_load(FIXTURES "valid_defaults.json", &s, &d);
        ck_assert_msg(rc == 0, "%s:%d:%d %s: %s", d.file, d.line, d.column, d.path, d.message);

        ck_assert_str_eq(s.description, "");
        ck_assert_uint_eq(s.run.duration_ps, 10000000000ull); /* 10 ms */
        ck_assert_uint_eq(s.run.seed, 1);
        ck_assert_int_eq(s.run.fidelity, FIDELITY_DETAILED);
        ck_assert_uint_eq(s.requirement_count, 0);

        /* the ZCU102 platform file: 4x Cortex-A53 at 1.2 GHz (UG1085), with its source */
        ck_assert_str_eq(s.platform.name, "zynqmp-a53");
        ck_assert_uint_eq(s.platform.core_count, 4);
        for (size_t i = 0; i < 4; i++)
                ck_assert_uint_eq(s.platform.cores[i].clock_hz, 1200000000ull);
        ck_assert_uint_eq(s.platform.source_count, 5);
        ck_assert_int_eq(strncmp(s.platform.sources[0], "Xilinx UG1085", 13), 0);
        /* its memory section: 32 KiB 4-way L1D and 1 MiB 16-way L2 (UG1085, A53 TRM), DDR4-2400R
         * 16-16-16 at 1200 MHz (JEDEC speed bin) */
        ck_assert(s.platform.memory.present);
        ck_assert_uint_eq(s.platform.memory.l1.size_bytes, 32768);
        ck_assert_uint_eq(s.platform.memory.l1.ways, 4);
        ck_assert_uint_eq(s.platform.memory.llc.size_bytes, 1048576);
        ck_assert_uint_eq(s.platform.memory.llc.ways, 16);
        ck_assert_uint_eq(s.platform.memory.dram_clock_hz, 1200000000ull);
        ck_assert_uint_eq(s.platform.memory.dram_t_cl, 16);

        const struct os_config *os = &s.oses[0];
        ck_assert_uint_eq(os->context_switch_cycles, 0);
        ck_assert_uint_eq(os->cores[0], 2); /* "cpu2" listed first */
        ck_assert_uint_eq(os->cores[1], 1);

        const struct task_config *t1 = &os->tasks[0];
        ck_assert_int_eq(t1->activation, TASK_PERIODIC);
        ck_assert_uint_eq(t1->period_ps, 1); /* 0.001 ns */
        ck_assert_uint_eq(t1->max_interarrival_ps, 1);
        ck_assert_uint_eq(t1->deadline_ps, 1);
        ck_assert_uint_eq(t1->offset_ps, 0);
        ck_assert_uint_eq(t1->jitter_ps, 0);
        ck_assert_uint_eq(t1->priority, 65535);
        ck_assert_uint_eq(t1->core, 2); /* first core of the OS, not core 0 */
        ck_assert_uint_eq(t1->demand.min_cycles, 1);
        ck_assert_uint_eq(t1->demand.max_cycles, 1);

        const struct task_config *t2 = &os->tasks[1];
        ck_assert_int_eq(t2->activation, TASK_SPORADIC);
        ck_assert_uint_eq(t2->period_ps, 250000000ull); /* 250 us */
        ck_assert_uint_eq(t2->max_interarrival_ps, 250000000ull);
        ck_assert_uint_eq(t2->deadline_ps, 250000000ull);
        ck_assert_uint_eq(t2->priority, 0);
        ck_assert_uint_eq(t2->core, 2);
        scenario_free(&s);
}
END_TEST

START_TEST(test_base_fixture_is_valid)
{
        struct scenario s;
        struct scenario_diag d;
        int rc = scenario_load(FIXTURES "base.json", &s, &d);
        ck_assert_msg(rc == 0, "%s:%d:%d %s: %s", d.file, d.line, d.column, d.path, d.message);
        ck_assert_uint_eq(s.oses[0].task_count, 2);
        scenario_free(&s);
}
END_TEST

START_TEST(test_missing_scenario_file)
{
        struct scenario s;
        struct scenario_diag d;
        ck_assert_int_eq(scenario_load(FIXTURES "no_such_file.json", &s, &d), -ENOENT);
        ck_assert_str_eq(d.file, FIXTURES "no_such_file.json");
        ck_assert_str_eq(d.path, "$");
        ck_assert_int_eq(d.line, 0);
        ck_assert_ptr_nonnull(strstr(d.message, "No such file"));
        ck_assert_ptr_null(s.name);
}
END_TEST

/* ---- hypervisor designs ---- */

START_TEST(test_valid_hv)
{
        struct scenario s;
        struct scenario_diag d;
        int rc = scenario_load(FIXTURES "hv_base.json", &s, &d);
        ck_assert_msg(rc == 0, "%s:%d:%d %s: %s", d.file, d.line, d.column, d.path, d.message);

        const struct hv_config *hv = s.hypervisor;
        ck_assert_ptr_nonnull(hv);
        ck_assert_int_eq(hv->policy, HV_POLICY_FIXED_PRIORITY);
        ck_assert_uint_eq(hv->world_switch_cycles, 1200);
        ck_assert_uint_eq(hv->trap_entry_cycles, 150);
        ck_assert_uint_eq(hv->trap_exit_cycles, 100);
        ck_assert_uint_eq(hv->schedule_count, 0);
        ck_assert_uint_eq(hv->vm_count, 2);
        ck_assert_str_eq(hv->vms[0].name, "rtos");
        ck_assert_uint_eq(hv->vms[0].vcpu_count, 1);
        ck_assert_uint_eq(hv->vms[0].vcpus[0].core, 0);
        ck_assert_uint_eq(hv->vms[0].vcpus[0].priority, 2);
        ck_assert_uint_eq(hv->vms[0].vcpus[0].budget_ps, 2000000000ull); /* 2000 us */
        ck_assert_uint_eq(hv->vms[0].vcpus[0].period_ps, 5000000000ull); /* 5000 us */
        ck_assert_uint_eq(hv->vms[1].vcpu_count, 2);
        ck_assert_uint_eq(hv->vms[1].vcpus[1].core, 1);
        ck_assert_uint_eq(hv->vms[1].vcpus[1].budget_ps, 5000000000ull); /* 5 ms */

        /* one guest OS per VM, in VM order, on the VM's vCPUs */
        ck_assert_uint_eq(s.os_count, 2);
        const struct os_config *rtos = &s.oses[0], *linux_os = &s.oses[1];
        ck_assert_str_eq(rtos->name, "rtos");
        ck_assert_str_eq(rtos->entity, "vm/rtos");
        ck_assert_ptr_eq(rtos->vm, &hv->vms[0]);
        ck_assert_uint_eq(rtos->context_switch_cycles, 400);
        ck_assert_uint_eq(rtos->core_count, 1);
        ck_assert_uint_eq(rtos->cores[0], 0);
        ck_assert_ptr_eq(linux_os->vm, &hv->vms[1]);
        ck_assert_uint_eq(linux_os->context_switch_cycles, 0);
        ck_assert_uint_eq(linux_os->core_count, 2);
        ck_assert_uint_eq(linux_os->cores[0], 0);
        ck_assert_uint_eq(linux_os->cores[1], 1);
        /* media on vCPU 1 (core cpu1), ui on the default vCPU 0 (core cpu0) */
        ck_assert_uint_eq(linux_os->tasks[0].vcpu, 1);
        ck_assert_uint_eq(linux_os->tasks[0].core, 1);
        ck_assert_uint_eq(linux_os->tasks[1].vcpu, 0);
        ck_assert_uint_eq(linux_os->tasks[1].core, 0);
        ck_assert_int_eq(scenario_task_cpu(linux_os, &linux_os->tasks[0]), 1);
        ck_assert_ptr_eq(scenario_find_os(&s, "linux"), linux_os);
        ck_assert_int_eq(scenario_find_vm(hv, "linux"), 1);
        ck_assert_int_eq(scenario_find_vm(hv, "nope"), -1);

        char entity[64];
        scenario_task_entity(entity, sizeof entity, &s, 1, 0);
        ck_assert_str_eq(entity, "vm/linux/task/media");

        ck_assert_uint_eq(s.requirement_count, 3);
        ck_assert_str_eq(s.requirements[0].entity, "vm/rtos/task/brake");
        ck_assert_str_eq(s.requirements[1].entity, "hv/vm/linux/vcpu/1");
        ck_assert_str_eq(s.requirements[1].name, "wait_time_p99_us");
        ck_assert_str_eq(s.requirements[2].entity, "hv/core/cpu0");
        scenario_free(&s);
        ck_assert_ptr_null(s.hypervisor);
}
END_TEST

START_TEST(test_amp_task_entity)
{
        struct scenario s;
        char entity[64];
        ck_assert_int_eq(scenario_load(FIXTURES "base.json", &s, NULL), 0);
        ck_assert_ptr_null(s.hypervisor);
        ck_assert_ptr_null(s.oses[0].vm);
        ck_assert_str_eq(s.oses[0].entity, "os/rtos");
        scenario_task_entity(entity, sizeof entity, &s, 0, 1);
        ck_assert_str_eq(entity, "os/rtos/task/diag");
        scenario_free(&s);
}
END_TEST

START_TEST(test_valid_arinc653)
{
        struct scenario s;
        struct scenario_diag d;
        int rc = scenario_load(FIXTURES "arinc_base.json", &s, &d);
        ck_assert_msg(rc == 0, "%s:%d:%d %s: %s", d.file, d.line, d.column, d.path, d.message);
        const struct hv_config *hv = s.hypervisor;
        ck_assert_int_eq(hv->policy, HV_POLICY_ARINC653);
        /* one schedule per platform core, in core order; unlisted cores idle (no windows) */
        ck_assert_uint_eq(hv->schedule_count, 4);
        ck_assert_uint_eq(hv->schedules[0].major_frame_ps, 10000000000ull); /* 10 ms */
        ck_assert_uint_eq(hv->schedules[0].window_count, 2);
        ck_assert_uint_eq(hv->schedules[0].windows[0].vm, 0);
        ck_assert_uint_eq(hv->schedules[0].windows[0].vcpu, 0);
        ck_assert_uint_eq(hv->schedules[0].windows[0].duration_ps, 3000000000ull);
        ck_assert_uint_eq(hv->schedules[0].windows[1].vm, HV_IDLE);
        ck_assert_uint_eq(hv->schedules[0].windows[1].duration_ps, 7000000000ull);
        for (size_t c = 1; c < 4; c++)
                ck_assert_uint_eq(hv->schedules[c].window_count, 0);
        scenario_free(&s);
}
END_TEST

START_TEST(test_valid_rtds_defaults)
{
        struct scenario s;
        struct scenario_diag d;
        int rc = scenario_load(FIXTURES "valid_hv_rtds.json", &s, &d);
        ck_assert_msg(rc == 0, "%s:%d:%d %s: %s", d.file, d.line, d.column, d.path, d.message);
        const struct hv_vcpu_config *v = s.hypervisor->vms[0].vcpus;
        /* Xen RTDS defaults: budget 4 ms, period 10 ms; extra time off unless asked for */
        ck_assert_uint_eq(v[0].budget_ps, 4000000000ull);
        ck_assert_uint_eq(v[0].period_ps, 10000000000ull);
        ck_assert(!v[0].extra_time);
        ck_assert_uint_eq(v[1].budget_ps, 1000000000ull);
        ck_assert_uint_eq(v[1].period_ps, 2000000000ull);
        ck_assert(v[1].extra_time);
        /* t0 and t1 share priority 3 on one physical core (cpu2) but not on one vCPU */
        ck_assert_uint_eq(s.oses[0].tasks[0].core, s.oses[0].tasks[1].core);
        ck_assert_uint_eq(s.oses[0].tasks[1].vcpu, 1);
        scenario_free(&s);
}
END_TEST

START_TEST(test_valid_credit_defaults)
{
        struct scenario s;
        struct scenario_diag d;
        int rc = scenario_load(FIXTURES "valid_hv_credit.json", &s, &d);
        ck_assert_msg(rc == 0, "%s:%d:%d %s: %s", d.file, d.line, d.column, d.path, d.message);
        const struct hv_config *hv = s.hypervisor;
        ck_assert_uint_eq(hv->credit_timeslice_ps, 2500000000ull); /* 2500 us */
        ck_assert_uint_eq(hv->vms[0].vcpus[0].weight, 256);        /* Xen's default */
        ck_assert_uint_eq(hv->vms[0].vcpus[0].cap_percent, 0);     /* no cap */
        ck_assert_uint_eq(hv->vms[0].vcpus[1].weight, 512);
        ck_assert_uint_eq(hv->vms[0].vcpus[1].cap_percent, 40);
        scenario_free(&s);
}
END_TEST

/* base.json under the fair scheduler: its keys with units, nice and an explicit weight. */
START_TEST(test_valid_fair)
{
        struct scenario s;
        struct scenario_diag d;
        int rc = scenario_load(FIXTURES "valid_fair.json", &s, &d);
        ck_assert_msg(rc == 0, "%s:%d:%d %s: %s", d.file, d.line, d.column, d.path, d.message);
        const struct os_config *os = &s.oses[0];
        ck_assert_int_eq(os->scheduler, OS_SCHED_FAIR);
        ck_assert_uint_eq(os->fair_target_latency_ps, 12 * SIM_PS_PER_MS);
        ck_assert_uint_eq(os->fair_min_granularity_ps, 1500 * SIM_PS_PER_US);
        ck_assert_int_eq(os->tasks[0].nice, -5);
        ck_assert_uint_eq(os->tasks[0].weight, 0); /* the weight of nice -5 */
        ck_assert_int_eq(os->tasks[1].nice, 0);
        ck_assert_uint_eq(os->tasks[1].weight, 2048);
        scenario_free(&s);
}
END_TEST

/* EDF accepts equal (and ignores) priorities: both tasks of base.json at priority 10. */
START_TEST(test_valid_edf)
{
        struct scenario s;
        struct scenario_diag d;
        int rc = scenario_load(FIXTURES "valid_edf.json", &s, &d);
        ck_assert_msg(rc == 0, "%s:%d:%d %s: %s", d.file, d.line, d.column, d.path, d.message);
        ck_assert_int_eq(s.oses[0].scheduler, OS_SCHED_EDF);
        ck_assert_uint_eq(s.oses[0].tasks[0].priority, 10);
        ck_assert_uint_eq(s.oses[0].tasks[1].priority, 10);
        scenario_free(&s);
}
END_TEST

/* VM guests: rtos on EDF without a priority, linux fair with a latency and the default
 * minimum granularity (Linux's 0.75 ms). */
START_TEST(test_valid_hv_schedulers)
{
        struct scenario s;
        struct scenario_diag d;
        int rc = scenario_load(FIXTURES "valid_hv_sched.json", &s, &d);
        ck_assert_msg(rc == 0, "%s:%d:%d %s: %s", d.file, d.line, d.column, d.path, d.message);
        ck_assert_int_eq(s.oses[0].scheduler, OS_SCHED_EDF);
        ck_assert_uint_eq(s.oses[0].tasks[0].priority, 0);
        ck_assert_int_eq(s.oses[1].scheduler, OS_SCHED_FAIR);
        ck_assert_uint_eq(s.oses[1].fair_target_latency_ps, 3 * SIM_PS_PER_MS);
        ck_assert_uint_eq(s.oses[1].fair_min_granularity_ps, 750 * SIM_PS_PER_US);
        ck_assert_int_eq(s.oses[1].tasks[0].nice, 19);
        ck_assert_int_eq(s.oses[1].tasks[1].nice, 0);
        ck_assert_uint_eq(s.oses[1].tasks[1].weight, 0);
        scenario_free(&s);
}
END_TEST

/* Interrupts: sources, ISRs, an event task, the hypervisor's interrupt path, VM colours. */
/* Task activation, doorbells, chains and VM start-up as the loader fills them in. */
START_TEST(test_valid_activations_chains_boot)
{
        struct scenario s;
        struct scenario_diag d;
        int rc = scenario_load(FIXTURES "activation_task.json", &s, &d);
        ck_assert_msg(rc == 0, "%s:%d:%d %s: %s", d.file, d.line, d.column, d.path, d.message);
        ck_assert_str_eq(s.oses[0].tasks[0].activates, "control");
        ck_assert_str_eq(s.oses[0].tasks[1].activates, "actuate");
        ck_assert_ptr_null(s.oses[0].tasks[2].activates);
        ck_assert_int_eq(s.oses[0].tasks[1].activation, TASK_EVENT);
        scenario_free(&s);

        rc = scenario_load(FIXTURES "chain_amp.json", &s, &d);
        ck_assert_msg(rc == 0, "%s:%d:%d %s: %s", d.file, d.line, d.column, d.path, d.message);
        ck_assert_uint_eq(s.irq_source_count, 1);
        ck_assert_int_eq(s.irq_sources[0].kind, IRQ_SOURCE_DOORBELL);
        ck_assert_uint_eq(s.irq_sources[0].irq, 1);
        ck_assert_uint_eq(s.irq_sources[0].os, 1);
        ck_assert_uint_eq(s.irq_sources[0].from_os, 0);
        ck_assert_str_eq(s.irq_sources[0].from_task, "sensor");
        ck_assert_uint_eq(s.chain_count, 1);
        ck_assert_str_eq(s.chains[0].name, "brake");
        ck_assert_uint_eq(s.chains[0].stage_count, 3);
        ck_assert_str_eq(s.chains[0].stages[2].os, "b");
        ck_assert_str_eq(s.chains[0].stages[2].task, "actuator");
        ck_assert_uint_eq(s.chains[0].stages[2].os_index, 1);
        ck_assert_uint_eq(s.chains[0].stages[2].task_index, 1);
        ck_assert_str_eq(s.requirements[0].entity, "chain/brake");
        ck_assert_str_eq(s.requirements[0].name, "reaction_time_max_us");
        scenario_free(&s);

        rc = scenario_load(FIXTURES "boot_hv.json", &s, &d);
        ck_assert_msg(rc == 0, "%s:%d:%d %s: %s", d.file, d.line, d.column, d.path, d.message);
        const struct boot_config *rtos = &s.hypervisor->vms[0].boot;
        const struct boot_config *linux = &s.hypervisor->vms[1].boot;
        ck_assert(rtos->present);
        ck_assert_uint_eq(rtos->image_bytes, 1024 * 1024);
        ck_assert_uint_eq(rtos->load_bytes_per_s, 1024ULL * 1024 * 1024);
        ck_assert_uint_eq(rtos->creation_cycles, 120000);
        ck_assert_uint_eq(rtos->after, SIZE_MAX);
        ck_assert_uint_eq(linux->after, 0);
        ck_assert(!s.hypervisor->vms[2].boot.present);
        scenario_free(&s);
}
END_TEST

START_TEST(test_valid_interrupts)
{
        struct scenario s;
        struct scenario_diag d;
        int rc = scenario_load(FIXTURES "irq_base.json", &s, &d);
        ck_assert_msg(rc == 0, "%s:%d:%d %s: %s", d.file, d.line, d.column, d.path, d.message);

        const struct hv_config *hv = s.hypervisor;
        ck_assert_uint_eq(hv->irq_entry_cycles, 100);
        ck_assert_uint_eq(hv->irq_handling_cycles, 800);
        ck_assert_uint_eq(hv->irq_injection_cycles, 200);
        ck_assert_uint_eq(hv->irq_exit_cycles, 120);
        ck_assert(hv->direct_injection);
        ck_assert(!hv->direct_vsgi); /* not given: trapped SGIs, the default */
        ck_assert_ptr_eq(hv->irq_profile, &s.profiles[0]);
        ck_assert_uint_eq(hv->irq_instructions, 1200);
        ck_assert_uint_eq(hv->colour_mask, 0x3); /* colours 0, 1 */

        const struct os_config *os = &s.oses[0];
        ck_assert_uint_eq(os->colour_mask, 0xc); /* colours 2, 3 */
        ck_assert_uint_eq(os->exception_entry_cycles, 60);
        ck_assert_int_eq(os->tasks[1].activation, TASK_EVENT);
        ck_assert_uint_eq(os->tasks[1].deadline_ps, 200 * SIM_PS_PER_US);
        ck_assert_uint_eq(os->tasks[1].period_ps, 0);
        ck_assert_uint_eq(os->isr_count, 2);
        ck_assert_str_eq(os->isrs[0].name, "tick");
        ck_assert_uint_eq(os->isrs[0].irq, 27);
        ck_assert_uint_eq(os->isrs[0].cycles, 300);
        ck_assert_ptr_null(os->isrs[0].profile);
        ck_assert_uint_eq(os->isrs[0].activates, 1);
        ck_assert_uint_eq(os->isrs[1].irq, 40);
        ck_assert_ptr_eq(os->isrs[1].profile, &s.profiles[0]);
        ck_assert_uint_eq(os->isrs[1].instructions, 500);
        ck_assert_uint_eq(os->isrs[1].activates, SIZE_MAX);

        ck_assert_uint_eq(s.irq_source_count, 2);
        const struct irq_source_config *timer = &s.irq_sources[0];
        ck_assert_str_eq(timer->name, "timer");
        ck_assert_int_eq(timer->kind, IRQ_SOURCE_TIMER);
        ck_assert_uint_eq(timer->irq, IRQ_PPI_VIRT_TIMER); /* the default in a VM */
        ck_assert_uint_eq(timer->os, 0);
        ck_assert_uint_eq(timer->cpu, 0);
        ck_assert_uint_eq(timer->period_ps, 250 * SIM_PS_PER_US);
        ck_assert_uint_eq(timer->offset_ps, 10 * SIM_PS_PER_US);
        ck_assert_uint_eq(timer->jitter_ps, 500 * SIM_PS_PER_NS);
        const struct irq_source_config *nic = &s.irq_sources[1];
        ck_assert_int_eq(nic->kind, IRQ_SOURCE_DEVICE);
        ck_assert_uint_eq(nic->irq, 40);
        ck_assert_uint_eq(nic->period_ps, 0);
        ck_assert_str_eq(s.requirements[0].entity, "irq/rtos/timer");
        ck_assert_str_eq(s.requirements[0].name, "latency_p99_us");
        scenario_free(&s);
}
END_TEST

/* ---- hypervisor profiles ---- */

START_TEST(test_hv_profile)
{
        struct scenario s;
        struct scenario_diag d;
        int rc = scenario_load(FIXTURES "hv_profile.json", &s, &d);
        ck_assert_msg(rc == 0, "%s:%d:%d %s: %s", d.file, d.line, d.column, d.path, d.message);
        /* hv_profile.json names only policy and profile: every cost is the profile's
         * (hv_profile_data.json: 1111, 222, 333, 44, 555, 66, 77, direct injection on) */
        const struct hv_config *hv = s.hypervisor;
        ck_assert_int_eq(hv->policy, HV_POLICY_FIXED_PRIORITY);
        ck_assert_uint_eq(hv->world_switch_cycles, 1111);
        ck_assert_uint_eq(hv->trap_entry_cycles, 222);
        ck_assert_uint_eq(hv->trap_exit_cycles, 333);
        ck_assert_uint_eq(hv->irq_entry_cycles, 44);
        ck_assert_uint_eq(hv->irq_handling_cycles, 555);
        ck_assert_uint_eq(hv->irq_injection_cycles, 66);
        ck_assert_uint_eq(hv->irq_exit_cycles, 77);
        ck_assert(hv->direct_injection);
        scenario_free(&s);
}
END_TEST

START_TEST(test_hv_profile_override)
{
        struct scenario s;
        struct scenario_diag d;
        int rc = scenario_load(FIXTURES "hv_profile_override.json", &s, &d);
        ck_assert_msg(rc == 0, "%s:%d:%d %s: %s", d.file, d.line, d.column, d.path, d.message);
        /* the scenario writes irq_handling_cycles 999 and direct_injection false: those win over
         * the profile's 555 and true; the rest stay the profile's */
        const struct hv_config *hv = s.hypervisor;
        ck_assert_uint_eq(hv->irq_handling_cycles, 999);
        ck_assert(!hv->direct_injection);
        ck_assert_uint_eq(hv->world_switch_cycles, 1111);
        ck_assert_uint_eq(hv->trap_entry_cycles, 222);
        ck_assert_uint_eq(hv->irq_exit_cycles, 77);
        scenario_free(&s);
}
END_TEST

START_TEST(test_shipped_hv_profiles)
{
        /* hv_profile_<x>.json name scenarios/hypervisors/<x>.json; the expected costs are the
         * numbers written in those files (world switch, trap entry, irq handling, direct) */
        static const struct {
                const char *fixture;
                uint64_t world_switch, trap_entry, irq_handling;
                bool direct;
        } cases[] = {
                { "hv_profile_static.json", 1200, 150, 800, true },
                { "hv_profile_xen.json", 2000, 200, 1500, false },
                { "hv_profile_microkernel.json", 1500, 150, 3000, false },
        };
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
                char path[256];
                struct scenario s;
                struct scenario_diag d;
                snprintf(path, sizeof path, FIXTURES "%s", cases[i].fixture);
                int rc = scenario_load(path, &s, &d);
                ck_assert_msg(rc == 0, "%s:%d:%d %s: %s", d.file, d.line, d.column, d.path,
                              d.message);
                ck_assert_uint_eq(s.hypervisor->world_switch_cycles, cases[i].world_switch);
                ck_assert_uint_eq(s.hypervisor->trap_entry_cycles, cases[i].trap_entry);
                ck_assert_uint_eq(s.hypervisor->irq_handling_cycles, cases[i].irq_handling);
                ck_assert(s.hypervisor->direct_injection == cases[i].direct);
                scenario_free(&s);
        }
}
END_TEST

/* The same scenario with "direct_vsgi": true in its hypervisor section. */
START_TEST(test_direct_vsgi_key)
{
        struct scenario s;
        struct scenario_diag d;
        int rc = scenario_load(FIXTURES "irq_direct_vsgi.json", &s, &d);
        ck_assert_msg(rc == 0, "%s:%d:%d %s: %s", d.file, d.line, d.column, d.path, d.message);
        ck_assert(s.hypervisor->direct_vsgi);
        ck_assert(s.hypervisor->direct_injection);
        scenario_free(&s);
}
END_TEST

/* ---- malformed scenarios ---- */

struct bad_case {
        const char *fixture; /* under FIXTURES */
        int rc;              /* -EINVAL unless stated */
        const char *file;    /* the file named in the diagnostic; NULL: the fixture */
        const char *path;    /* JSON path */
        int line;            /* line of the defect in the fixture */
        int column;          /* 0: not asserted */
        const char *message; /* a substring of the message */
};

static const struct bad_case bad_cases[] = {
        /* "priority": 10 lacks its comma; jansson notices at the next token, the string
         * "execution_cycles" on line 15, which ends in column 28 (10 spaces + 18 chars). */
        { "bad_syntax.json", -EINVAL, NULL, "$", 15, 28, "JSON syntax error" },
        /* a second "priority" in one object, line 22: rejected, not silently kept */
        { "bad_duplicate_key.json", -EINVAL, NULL, "$", 22, 0, "duplicate object key" },
        { "bad_root.json", -EINVAL, NULL, "$", 1, 1, "expected an object" },
        { "bad_unknown_key.json", -EINVAL, NULL, "$.oses[0].tasks[0].perod_us", 13, 0,
          "unknown key 'perod_us'; did you mean 'period_us'?" },
        { "bad_wcet.json", -EINVAL, NULL, "$.oses[0].tasks[0].wcet_cycles", 15, 0,
          "unknown key 'wcet_cycles'" },
        { "bad_wrong_type.json", -EINVAL, NULL, "$.oses[0].tasks[0].priority", 14, 0,
          "expected an integer" },
        { "bad_negative_period.json", -EINVAL, NULL, "$.oses[0].tasks[0].period_us", 13, 0,
          "must not be negative" },
        { "bad_zero_period.json", -EINVAL, NULL, "$.oses[0].tasks[0].period_us", 13, 0,
          "must be greater than zero" },
        /* the second spelling in file order is the one reported */
        { "bad_duplicate_unit.json", -EINVAL, NULL, "$.oses[0].tasks[0].period_ms", 14, 0,
          "'period_us' and 'period_ms' both give period" },
        /* 0.0005 ns = 0.5 ps */
        { "bad_fractional_ps.json", -EINVAL, NULL, "$.oses[0].tasks[0].period_ns", 13, 0,
          "not a whole number of picoseconds" },
        /* 2e7 s = 2e19 ps > 2^64 - 1 ~ 1.8447e19 ps */
        { "bad_duration_overflow.json", -EINVAL, NULL, "$.run.duration_s", 4, 0, "too large" },
        /* reported at the "run" object: `  "run": {` puts '{' in column 10 */
        { "bad_missing_duration.json", -EINVAL, NULL, "$.run", 4, 10,
          "missing required key 'duration_<unit>'" },
        /* reported at the reference: `  "platform": "` puts the string in column 15 */
        { "bad_missing_platform.json", -ENOENT, NULL, "$.platform", 3, 15,
          "cannot read platform file '" FIXTURES "platforms/missing.json'" },
        { "bad_platform_key.json", -EINVAL, FIXTURES "platforms/bad_key.json",
          "$.cores[1].clock_mz", 5, 0, "unknown key 'clock_mz'; did you mean 'clock_mhz'?" },
        /* 1200.0000001 MHz = 1200000000.1 Hz */
        { "bad_platform_clock.json", -EINVAL, FIXTURES "platforms/bad_clock.json",
          "$.cores[1].clock_mhz", 6, 0, "not a whole number of Hz" },
        { "bad_duplicate_task.json", -EINVAL, NULL, "$.oses[0].tasks[1].name", 18, 0,
          "duplicate task name 'brake'" },
        { "bad_duplicate_priority.json", -EINVAL, NULL, "$.oses[0].tasks[1].priority", 21, 0,
          "priority 10 of task 'diag' is already used by task 'brake' on core 'cpu0'" },
        { "bad_task_core.json", -EINVAL, NULL, "$.oses[0].tasks[1].core", 22, 0,
          "core 'cpu2' is not one of the cores of OS 'rtos'" },
        /* `      "cores": ["cpu0", "cpu7"],`: "cpu7" starts in column 25 */
        { "bad_os_core_missing.json", -EINVAL, NULL, "$.oses[0].cores[1]", 8, 25,
          "has no core 'cpu7'" },
        { "bad_core_shared.json", -EINVAL, NULL, "$.oses[1].cores[1]", 28, 0,
          "core 'cpu1' already belongs to OS 'rtos'" },
        { "bad_req_missing_task.json", -EINVAL, NULL, "$.requirements[0].metric", 28, 0,
          "OS 'rtos' has no task 'brakes'" },
        /* AMP tasks are os/...; vm/... names the tasks of a VM, and there is none here */
        { "bad_req_entity.json", -EINVAL, NULL, "$.requirements[0].metric", 28, 0,
          "no VM named 'rtos': this is an AMP design" },
        { "bad_req_core.json", -EINVAL, NULL, "$.requirements[0].metric", 28, 0,
          "platform 'generic-4core' has no core 'cpu9'" },
        { "bad_req_unknown_metric.json", -EINVAL, NULL, "$.requirements[0].metric", 28, 0,
          "unknown task metric 'deadline_miss'; did you mean 'deadline_misses'?" },
        /* reported at the requirement object, `    { "metric"`: column 5 */
        { "bad_req_no_bounds.json", -EINVAL, NULL, "$.requirements[0]", 28, 5,
          "needs 'max' and/or 'min'" },
        { "bad_uniform_min_max.json", -EINVAL, NULL, "$.oses[0].tasks[1].execution_cycles.max", 22,
          0, "max (1000) is less than min (5000)" },
        /* `"max": 5000, "mean": 3 }` on line 22: mean belongs to "normal" only */
        { "bad_demand_key.json", -EINVAL, NULL, "$.oses[0].tasks[1].execution_cycles.mean", 22, 0,
          "'mean' does not apply to distribution 'uniform'" },
        { "bad_normal_mean.json", -EINVAL, NULL, "$.oses[0].tasks[1].execution_cycles.mean", 22, 0,
          "mean 900 is outside [min, max] = [1000, 5000]" },
        { "bad_name.json", -EINVAL, NULL, "$.oses[0].tasks[0].name", 12, 0,
          "invalid name 'brake/front'" },
        { "bad_empty_tasks.json", -EINVAL, NULL, "$.oses[0].tasks", 10, 0,
          "needs at least one element" },
        { "bad_fidelity.json", -EINVAL, NULL, "$.run.fidelity", 4, 0,
          "unknown value 'detaild' (expected 'detailed', 'fast'); did you mean 'detailed'?" },
        { "bad_priority_range.json", -EINVAL, NULL, "$.oses[0].tasks[0].priority", 14, 0,
          "70000 is out of range [0, 65535]" },
        { "bad_sporadic_period.json", -EINVAL, NULL, "$.oses[0].tasks[1].period_ms", 20, 0,
          "applies to periodic tasks only" },
        /* 9999 us < 10 ms */
        { "bad_interarrival_order.json", -EINVAL, NULL, "$.oses[0].tasks[1].max_interarrival_us",
          21, 0, "less than the minimum inter-arrival time" },
        /* a key that needs the quoted path form; `"bad key": 1` has its value in column 43 */
        { "bad_quoted_key.json", -EINVAL, NULL, "$.run[\"bad key\"]", 4, 43,
          "unknown key 'bad key'" },
        /* ---- scheduler-specific keys (base.json with one defect) ---- */
        /* `      "scheduler": "fiar",`: the value starts in column 20 */
        { "bad_scheduler.json", -EINVAL, NULL, "$.oses[0].scheduler", 9, 20,
          "unknown value 'fiar' (expected 'fixed_priority', 'edf', 'fair'); did you mean "
          "'fair'?" },
        /* scheduler "fair"; the first task's `"priority": 10` (line 14) is refused */
        { "bad_fair_priority.json", -EINVAL, NULL, "$.oses[0].tasks[0].priority", 14, 0,
          "'priority' is not used by scheduler 'fair'" },
        { "bad_nice_fixed_priority.json", -EINVAL, NULL, "$.oses[0].tasks[0].nice", 14, 0,
          "'nice' applies to scheduler 'fair' only (this OS's scheduler is 'fixed_priority')" },
        /* `      "scheduler": "edf", "target_latency_ms": 6,`: the 6 is in column 48 */
        { "bad_edf_fair_key.json", -EINVAL, NULL, "$.oses[0].target_latency_ms", 9, 48,
          "'target_latency_ms' applies to scheduler 'fair' only (this OS's scheduler is "
          "'edf')" },
        { "bad_nice_range.json", -EINVAL, NULL, "$.oses[0].tasks[0].nice", 14, 0,
          "20 is out of range [-20, 19]" },
        { "bad_nice_weight.json", -EINVAL, NULL, "$.oses[0].tasks[1].weight", 21, 0,
          "'nice' and 'weight' both give the task's weight; use one" },
        { "bad_fair_granularity.json", -EINVAL, NULL, "$.oses[0].min_granularity_us", 9, 0,
          "must be greater than zero" },

        /* ---- hypervisor designs: hv_base.json (fixed_priority) or arinc_base.json with one
         * defect ---- */
        /* `  "oses": [],`: the array starts in column 11 */
        { "bad_hv_with_oses.json", -EINVAL, NULL, "$.oses", 5, 11,
          "'oses' (an AMP design, each OS owning its cores) and 'hypervisor'" },
        /* no "hypervisor" object; reported at `  "vms": [`, column 10 */
        { "bad_hv_missing.json", -EINVAL, NULL, "$.vms", 5, 10, "'vms' needs a 'hypervisor'" },
        { "bad_arinc_missing_schedule.json", -EINVAL, NULL, "$.hypervisor", 5, 17,
          "missing required key 'schedule'" },
        { "bad_hv_policy.json", -EINVAL, NULL, "$.hypervisor.policy", 6, 15,
          "unknown value 'fixed_prioirty' (expected 'static', 'arinc653', 'fixed_priority', "
          "'rtds', 'credit'); did you mean 'fixed_priority'?" },
        /* "credit" is on line 10 (line 9 only gained a comma) */
        { "bad_hv_credit_section.json", -EINVAL, NULL, "$.hypervisor.credit", 10, 0,
          "'credit' applies to policy 'credit' only (this hypervisor's policy is "
          "'fixed_priority')" },
        { "bad_hv_vcpu_key_policy.json", -EINVAL, NULL, "$.vms[0].vcpus[0].weight", 15, 0,
          "'weight' applies to policy 'credit' only" },
        /* 6000 us > 5000 us; `budget_us": 6000`: the value is in column 55 */
        { "bad_hv_budget.json", -EINVAL, NULL, "$.vms[0].vcpus[0].budget_us", 15, 55,
          "budget 6000 us exceeds the period 5000 us" },
        /* RTDS defaults: period 10 ms (Xen), so a 12 ms budget alone is too long */
        { "bad_rtds_default_budget.json", -EINVAL, NULL, "$.vms[0].vcpus[0].budget_ms", 9, 0,
          "budget 12000 us exceeds the period 10000 us (the default)" },
        { "bad_hv_vcpu_priority.json", -EINVAL, NULL, "$.vms[1].vcpus[0].priority", 26, 0,
          "priority 2 is already used by vCPU 0 of VM 'rtos' on core 'cpu0'" },
        { "bad_hv_vcpu_core.json", -EINVAL, NULL, "$.vms[1].vcpus[1].core", 27, 0,
          "platform 'generic-4core' has no core 'cpu9'" },
        /* two vCPUs on cpu0 under static partitioning: the second is reported, line 12 */
        { "bad_static_shared.json", -EINVAL, NULL, "$.vms[0].vcpus[1].core", 12, 0,
          "core 'cpu0' already runs vCPU 0 of VM 'rtos'" },
        { "bad_hv_duplicate_vm.json", -EINVAL, NULL, "$.vms[1].name", 24, 0,
          "duplicate VM name 'rtos'" },
        { "bad_hv_vm_key.json", -EINVAL, NULL, "$.vms[1].guest", 29, 0, "unknown key 'guest'" },
        { "bad_hv_task_core.json", -EINVAL, NULL, "$.vms[1].tasks[1].core", 33, 0,
          "'core' places AMP tasks; a task of VM 'linux' runs on one of its vCPUs" },
        { "bad_hv_task_vcpu.json", -EINVAL, NULL, "$.vms[1].tasks[0].vcpu", 31, 0,
          "VM 'linux' has no vCPU 2 (it has 2)" },
        /* media moved to vCPU 0, where ui (line 33) also has priority 5 */
        { "bad_hv_guest_priority.json", -EINVAL, NULL, "$.vms[1].tasks[1].priority", 33, 0,
          "priority 5 of task 'ui' is already used by task 'media' on vCPU 0" },
        /* 3 ms + 6 ms; reported at `        "major_frame_ms": 10`, value in column 27 */
        { "bad_arinc_sum.json", -EINVAL, NULL, "$.hypervisor.schedule[0].major_frame_ms", 11, 27,
          "the windows add up to 9000 us but the major frame is 10000 us" },
        { "bad_arinc_vm.json", -EINVAL, NULL, "$.hypervisor.schedule[0].windows[0].vm", 13, 19,
          "no VM named 'rtso'" },
        /* the schedule moved to cpu1 (line 10); the window naming the cpu0 vCPU is reported */
        { "bad_arinc_window_core.json", -EINVAL, NULL, "$.hypervisor.schedule[0].windows[0].vcpu",
          13, 0, "vCPU 0 of VM 'rtos' runs on core 'cpu0', not on 'cpu1'" },
        { "bad_arinc_idle_vm.json", -EINVAL, NULL, "$.hypervisor.schedule[0].windows[1].vm", 14, 0,
          "an idle window belongs to no VM" },
        { "bad_arinc_no_window.json", -EINVAL, NULL, "$.vms[0].vcpus[1]", 22, 0,
          "vCPU 1 of VM 'rtos' has no window in the schedule of its core" },
        { "bad_hv_req_os.json", -EINVAL, NULL, "$.requirements[0].metric", 38, 0,
          "under a hypervisor the tasks are 'vm/<vm>/task/<task>'" },
        { "bad_hv_req_vcpu.json", -EINVAL, NULL, "$.requirements[1].metric", 39, 0,
          "VM 'linux' has no vCPU '2'" },
        { "bad_hv_req_metric.json", -EINVAL, NULL, "$.requirements[2].metric", 40, 0,
          "unknown hypervisor metric 'world_switch'; did you mean 'world_switches'?" },
        /* VM guests take the same scheduler keys: "nice" under fixed_priority (line 31) */
        { "bad_hv_guest_nice.json", -EINVAL, NULL, "$.vms[1].tasks[0].nice", 31, 0,
          "'nice' applies to scheduler 'fair' only (this OS's scheduler is 'fixed_priority')" },
        /* linux's guest made fair (line 29); its first task keeps `"priority": 5` (line 31) */
        { "bad_hv_fair_priority.json", -EINVAL, NULL, "$.vms[1].tasks[0].priority", 31, 0,
          "'priority' is not used by scheduler 'fair'" },

        /* ---- interrupts: irq_base.json with one defect ---- */
        /* the tick ISR serves 26, so the timer's default id 27 has none; reported at the
         * source object, `    { "name": "timer"`: column 5 */
        { "bad_irq_no_isr.json", -EINVAL, NULL, "$.interrupts[0]", 32, 5,
          "VM 'rtos' has no ISR for interrupt 27" },
        { "bad_irq_activates_periodic.json", -EINVAL, NULL, "$.vms[0].isrs[0].activates", 26, 0,
          "task 'main' is not an event task" },
        { "bad_irq_event_period.json", -EINVAL, NULL, "$.vms[0].tasks[1].period_us", 22, 0,
          "'period_us' does not apply to an event task" },
        { "bad_irq_device_period.json", -EINVAL, NULL, "$.interrupts[1].period_us", 33, 0,
          "'period_us' applies to timers only" },
        { "bad_irq_device_ppi.json", -EINVAL, NULL, "$.interrupts[1].irq", 33, 0,
          "27 is out of range [32, 1019]" },
        /* `    "irq_profile": "hv_cod"`: the string starts in column 20 */
        { "bad_irq_profile.json", -EINVAL, NULL, "$.hypervisor.irq_profile", 13, 20,
          "unknown profile 'hv_cod'; did you mean 'hv_code'?" },
        { "bad_irq_target.json", -EINVAL, NULL, "$.interrupts[0].os", 32, 0,
          "'os' targets an AMP OS; this is a hypervisor design: use 'vm'" },
        { "bad_irq_isr_body.json", -EINVAL, NULL, "$.vms[0].isrs[0].profile", 26, 0,
          "an ISR's body is 'cycles' or a 'profile'" },
        { "bad_irq_vcpu.json", -EINVAL, NULL, "$.interrupts[1].vcpu", 33, 0,
          "VM 'rtos' has no vCPU 1" },
        { "bad_irq_req.json", -EINVAL, NULL, "$.requirements[0].metric", 36, 0,
          "unknown interrupt metric 'latency_p99'" },
        /* ---- activation by tasks: activation_task.json / activation_doorbell_hv.json with one
         * defect ---- */
        /* control's `"activates": "sensor"` (line 14, value in column 50): sensor is periodic */
        { "bad_task_activates_periodic.json", -EINVAL, NULL, "$.oses[0].tasks[1].activates", 14, 50,
          "task 'sensor' is not an event task" },
        /* sensor's `"activates": "contrl" },` on line 12, value in column 24 */
        { "bad_task_activates_unknown.json", -EINVAL, NULL, "$.oses[0].tasks[0].activates", 12, 24,
          "OS 'rtos' has no task 'contrl'" },
        { "bad_doorbell_from.json", -EINVAL, NULL, "$.interrupts[0].from", 31, 76,
          "VM 'rtos' has no task 'sensr'" },
        /* SGI 15 is the hypervisor's own IPI */
        { "bad_doorbell_reserved.json", -EINVAL, NULL, "$.interrupts[0].irq", 31, 50,
          "15 is out of range [0, 14]" },
        { "bad_doorbell_period.json", -EINVAL, NULL, "$.interrupts[0].period_ms", 31, 0,
          "'period_ms' applies to timers only" },
        /* ---- chains: chain_amp.json with one defect; the stage strings of
         * `    { "name": "brake", "stages": ["a/sensor", "b/brake", "b/actuatr"] }` (line 28)
         * start in columns 35, 47 and 58 ---- */
        { "bad_chain_task.json", -EINVAL, NULL, "$.chains[0].stages[2]", 28, 58,
          "OS 'b' has no task 'actuatr'" },
        { "bad_chain_os.json", -EINVAL, NULL, "$.chains[0].stages[0]", 28, 35, "no OS named 'x'" },
        { "bad_chain_req.json", -EINVAL, NULL, "$.requirements[1].metric", 32, 0,
          "no chain 'brakes'" },
        /* ---- VM start-up: boot_hv.json with one defect ---- */
        /* linux's `"after": "svc" },` (line 17, value in column 26): svc is listed later */
        { "bad_boot_after.json", -EINVAL, NULL, "$.vms[1].boot.after", 17, 26,
          "no VM named 'svc' before this one" },
        /* boot_amp.json: rtos (the first OS) cannot start after linux; `"after": "linux" },`
         * on line 9, value in column 67 */
        { "bad_boot_amp_after.json", -EINVAL, NULL, "$.oses[0].boot.after", 9, 67,
          "no OS named 'linux' before this one" },
        /* rtos's boot without load_mib_per_s: reported at the boot object, line 10 column 15 */
        { "bad_boot_bandwidth.json", -EINVAL, NULL, "$.vms[0].boot", 10, 15,
          "an image needs 'load_mib_per_s'" },
        /* hypervisor profiles: errors inside the profile are reported against the profile file.
         * trap_entry_cycles (line 4) has no entry in "sources";
         * `  "trap_entry_cycles": 222,` puts the value in column 2 + 19 + 2 + 1 = 24 */
        { "bad_hv_profile_nosource.json", -EINVAL, FIXTURES "bad_hv_profile_nosource_data.json",
          "$.trap_entry_cycles", 4, 24, "'trap_entry_cycles' has no entry in 'sources'" },
        /* a misspelt key on line 4 of the profile */
        { "bad_hv_profile_key.json", -EINVAL, FIXTURES "bad_hv_profile_key_data.json",
          "$.irq_handling_cyles", 4, 0,
          "unknown key 'irq_handling_cyles'; did you mean 'irq_handling_cycles'?" },
        /* reported at the reference: `    "profile": "` puts the string in column 16, line 7 */
        { "bad_hv_profile_missing.json", -ENOENT, NULL, "$.hypervisor.profile", 7, 16,
          "cannot read hypervisor profile file '" FIXTURES "hv_profile_missing.json'" },
};

START_TEST(test_bad_scenario)
{
        const struct bad_case *c = &bad_cases[_i];
        char path[256];
        struct scenario s;
        struct scenario_diag d;
        snprintf(path, sizeof path, FIXTURES "%s", c->fixture);
        int rc = scenario_load(path, &s, &d);
        ck_assert_msg(rc == c->rc, "%s: rc %d, expected %d (%s: %s)", c->fixture, rc, c->rc, d.path,
                      d.message);
        ck_assert_str_eq(d.file, c->file ? c->file : path);
        ck_assert_str_eq(d.path, c->path);
        ck_assert_msg(strstr(d.message, c->message) != NULL, "%s: message '%s' lacks '%s'",
                      c->fixture, d.message, c->message);
        ck_assert_int_eq(d.line, c->line);
        if (c->column)
                ck_assert_int_eq(d.column, c->column);
        /* nothing is left behind on error (ASan checks the memory) */
        ck_assert_ptr_null(s.name);
        ck_assert_ptr_null(s.oses);
        ck_assert_ptr_null(s.platform.cores);
        ck_assert_ptr_null(s.hypervisor);
}
END_TEST

/* ---- json_read ---- */

struct decimal_case {
        const char *text;
        unsigned scale;
        int rc;
        uint64_t value;
};

static const struct decimal_case decimal_cases[] = {
        { "1000", 6, 0, 1000000000ull },
        { "0.9", 9, 0, 900000000ull },
        { "2.5e9", 0, 0, 2500000000ull },
        { "16.666666", 9, 0, 16666666000ull },
        { "1.5E-3", 12, 0, 1500000000ull },
        { "100e-2", 0, 0, 1 },
        { "1000000000000000000000e-10", 0, 0, 100000000000ull }, /* 10^21 / 10^10 */
        { "0.000", 0, 0, 0 },
        { "-0.0", 3, 0, 0 },
        { "18446744073709551615", 0, 0, UINT64_MAX },
        { "1.8446744073709551615e19", 0, 0, UINT64_MAX },
        { "18446744073709551616", 0, -ERANGE, 0 },
        { "1844674407370955162", 1, -ERANGE, 0 }, /* 18446744073709551620 */
        { "-5", 0, -ERANGE, 0 },
        { "0.0005", 3, -EDOM, 0 }, /* 0.5 */
        { "1e-1", 0, -EDOM, 0 },
        { "x", 0, -EINVAL, 0 },
};

START_TEST(test_decimal_scaled)
{
        const struct decimal_case *c = &decimal_cases[_i];
        uint64_t value = 0;
        int rc = jread_decimal_scaled(c->text, strlen(c->text), 0, c->scale, &value);
        ck_assert_msg(rc == c->rc, "%s: rc %d, expected %d", c->text, rc, c->rc);
        if (rc == 0)
                ck_assert_uint_eq(value, c->value);
}
END_TEST

START_TEST(test_edit_distance)
{
        ck_assert_uint_eq(jread_edit_distance("perod_us", "period_us"), 1);
        ck_assert_uint_eq(jread_edit_distance("clock_mz", "clock_mhz"), 1);
        ck_assert_uint_eq(jread_edit_distance("pirority", "priority"), 1); /* swap */
        ck_assert_uint_eq(jread_edit_distance("kitten", "sitting"), 3);
        ck_assert_uint_eq(jread_edit_distance("", "abc"), 3);
        ck_assert_uint_eq(jread_edit_distance("same", "same"), 0);
}
END_TEST

START_TEST(test_locate)
{
        /* line 2 holds a 2-byte UTF-8 character, which counts as one column */
        const char *text = "{\"a\": [1, {\"b c\": \"x\\\"]y\", \"d\": 2}],\n"
                           " \"\xc3\xa9\": 3, \"\\u00e9x\": [ ]}";
        size_t len = strlen(text), offset;
        int line, column;
        char path[64] = "$";
        size_t path_len = 1;

        ck_assert_int_eq(jread_locate(text, len, "$.a[1].d", &offset), 0);
        ck_assert_int_eq(text[offset], '2');
        ck_assert_int_eq(jread_locate(text, len, "$.a[1][\"b c\"]", &offset), 0);
        ck_assert_int_eq(text[offset], '"');
        ck_assert_int_eq(jread_locate(text, len, "$.a[2]", &offset), -ENOENT);
        ck_assert_int_eq(jread_locate(text, len, "$.z", &offset), -ENOENT);
        ck_assert_int_eq(jread_locate(text, len, "$.a.b", &offset), -ENOENT);

        jread_path_append_key(path, sizeof path, &path_len, "\xc3\xa9");
        ck_assert_str_eq(path, "$[\"\xc3\xa9\"]");
        ck_assert_int_eq(jread_locate(text, len, path, &offset), 0);
        ck_assert_int_eq(text[offset], '3');
        jread_line_column(text, len, offset, &line, &column);
        /* line 2 is ` "é": 3`: space, quote, é, quote, colon, space, then '3' in column 7 */
        ck_assert_int_eq(line, 2);
        ck_assert_int_eq(column, 7);

        /* a key written with an escape in the text matches its decoded name */
        path_len = 1;
        path[1] = '\0';
        jread_path_append_key(path, sizeof path, &path_len, "\xc3\xa9x");
        ck_assert_int_eq(jread_locate(text, len, path, &offset), 0);
        ck_assert_int_eq(text[offset], '[');

        path_len = 1;
        path[1] = '\0';
        jread_path_append_key(path, sizeof path, &path_len, "q\"k");
        jread_path_append_index(path, sizeof path, &path_len, 12);
        ck_assert_str_eq(path, "$[\"q\\\"k\"][12]");
}
END_TEST

static Suite *scenario_suite(void)
{
        Suite *s = suite_create("scenario");
        TCase *valid = tcase_create("valid");
        tcase_add_test(valid, test_valid_full);
        tcase_add_test(valid, test_valid_defaults);
        tcase_add_test(valid, test_base_fixture_is_valid);
        tcase_add_test(valid, test_valid_hv);
        tcase_add_test(valid, test_hv_profile);
        tcase_add_test(valid, test_hv_profile_override);
        tcase_add_test(valid, test_shipped_hv_profiles);
        tcase_add_test(valid, test_amp_task_entity);
        tcase_add_test(valid, test_valid_arinc653);
        tcase_add_test(valid, test_valid_rtds_defaults);
        tcase_add_test(valid, test_valid_credit_defaults);
        tcase_add_test(valid, test_valid_fair);
        tcase_add_test(valid, test_valid_edf);
        tcase_add_test(valid, test_valid_hv_schedulers);
        tcase_add_test(valid, test_valid_interrupts);
        tcase_add_test(valid, test_direct_vsgi_key);
        tcase_add_test(valid, test_valid_activations_chains_boot);
        suite_add_tcase(s, valid);

        TCase *bad = tcase_create("malformed");
        tcase_add_test(bad, test_missing_scenario_file);
        tcase_add_loop_test(bad, test_bad_scenario, 0,
                            (int)(sizeof bad_cases / sizeof bad_cases[0]));
        suite_add_tcase(s, bad);

        TCase *text = tcase_create("json_read");
        tcase_add_loop_test(text, test_decimal_scaled, 0,
                            (int)(sizeof decimal_cases / sizeof decimal_cases[0]));
        tcase_add_test(text, test_edit_distance);
        tcase_add_test(text, test_locate);
        suite_add_tcase(s, text);
        return s;
}

int main(void)
{
        SRunner *runner = srunner_create(scenario_suite());
        srunner_run_all(runner, CK_NORMAL);
        int failed = srunner_ntests_failed(runner);
        srunner_free(runner);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
