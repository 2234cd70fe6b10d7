/*
 * Tests of virtio devices in scenarios (sim/scenario_devices.c, models/platform_devices.c):
 * scenario files written to a temporary directory, loaded by the real loader, built by the
 * platform and run; the end-to-end latency of one request on an idle system checked against
 * the sum of the modelled costs worked out by hand, and the loader's diagnostics.
 *
 * Platform "one-ghz": cores at 1000 MHz (one cycle = 1 ns) and no memory section, so the rings'
 * caches use platform_devices.c's estimates, which are the cost table of
 * tests/io/io_test_config.h: L1 hit 4, LLC hit 30, DRAM 80 ns, transfer 100, invalidation 20,
 * barriers 1/2/20. The device: virtio-blk, split ring of 8, EVENT_IDX, one flash channel with
 * read 4 us and 512 MB/s, the payload copied by the backend's CPU (timed: 8 lines written in the
 * response), one 512-byte read of sector 0, driver submit software 300 ns,
 * completion 200 ns, backend 100 ns per request: the configuration of test_io_vdev.c's
 * test_idle_read_latency, whose ring costs it works out access by access (same line layout:
 * descriptors, avail and used areas on their own pages, the request slot's header line and 8
 * data lines, a cold start):
 *   driver submit  526 ns of ring and header accesses + 300 = 826 ns
 *   backend pop    361 + 100 = 461 ns; the device then takes 4 us + 512 B / 512 MB/s = 5000 ns
 *   backend completion (response, push, interrupt decision, after the backend slept) 1084 ns
 *   driver handler 273 + 200 = 473 ns
 * The handler runs inside the guest's ISR, which lasts 473 ns longer than its configured cycles;
 * a backend in a service VM or an AMP OS runs inside that OS's ISRs, which last its steps longer
 * (a pop with its empty look, 461 + 132; a completion with its, 1084 + 32). The latencies do not
 * change (the ISRs start when they did); tasks released meanwhile wait longer (asserted below).
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/os/guest_os.h"
#include "models/platform.h"
#include "sim/metrics.h"
#include "sim/scenario.h"
#include "sim/sim.h"
#include "tests/unit/test_run_harness.h"

#define NS SIM_PS_PER_NS

static char dir[64];

static void write_file(const char *name, const char *text)
{
        char path[128];
        FILE *f;

        snprintf(path, sizeof path, "%s/%s", dir, name);
        f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        ck_assert_int_ge(fputs(text, f), 0);
        ck_assert_int_eq(fclose(f), 0);
}

static void setup(void)
{
        snprintf(dir, sizeof dir, "/tmp/mosaic-devices-XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(dir));
        write_file("one-ghz.json",
                   "{ \"name\": \"one-ghz\", \"description\": \"test\",\n"
                   "  \"cores\": [ { \"name\": \"cpu0\", \"clock_mhz\": 1000 },\n"
                   "             { \"name\": \"cpu1\", \"clock_mhz\": 1000 } ] }\n");
}

static void teardown(void)
{
        char cmd[128];

        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        ck_assert_int_eq(system(cmd), 0);
}

/* Write `text` as a scenario in the test's folder and run it (test_run_harness.h). */
static void run_text(struct run *run, const char *text)
{
        char path[128];

        write_file("s.json", text);
        snprintf(path, sizeof path, "%s/s.json", dir);
        run_fixture(run, path);
}

/* |measured - expected| <= 1% of expected. */
static void assert_within_1pc(uint64_t measured, uint64_t expected)
{
        uint64_t diff = measured > expected ? measured - expected : expected - measured;

        ck_assert_msg(diff * 100u <= expected, "measured %llu, expected %llu",
                      (unsigned long long)measured, (unsigned long long)expected);
}

struct phase {
        const char *name;
        uint64_t ns;
};

static void assert_phases(const struct run *run, const char *entity, uint64_t latency_ns,
                          const struct phase *phases, size_t count)
{
        const struct metric *latency = metric(run, entity, "latency");

        ck_assert_uint_eq(latency->histogram.count, 1);
        assert_within_1pc(latency->histogram.max, latency_ns * NS);
        for (size_t i = 0; i < count; i++) {
                const struct metric *m = metric(run, entity, phases[i].name);

                ck_assert_uint_eq(m->histogram.count, 1);
                if (phases[i].ns == 0)
                        ck_assert_uint_eq(m->histogram.max, 0);
                else
                        assert_within_1pc(m->histogram.max, phases[i].ns * NS);
        }
        ck_assert_uint_eq(metric(run, entity, "completed")->counter, 1);
        ck_assert_uint_eq(metric(run, entity, "notifications")->counter, 1);
        ck_assert_uint_eq(metric(run, entity, "interrupts")->counter, 1);
        /* as in test_io_vdev: 4 ring L1 misses per side, 5 hand-offs */
        ck_assert_uint_eq(metric(run, entity, "ring_l1_misses")->counter, 8);
        ck_assert_uint_eq(metric(run, entity, "ring_handoffs")->counter, 5);
}

#define DEVICE_COMMON                                                                              \
        "\"kind\": \"blk\", \"irq\": 40,\n"                                                        \
        "  \"ring\": { \"layout\": \"split\", \"event_idx\": true, \"queue_size\": 8 },\n"         \
        "  \"blk\": { \"channels\": 1, \"read_us\": 4, \"channel_mb_per_s\": 512,\n"               \
        "          \"payload_by_cpu\": true },\n"                                                  \
        "  \"workload\": { \"arrival\": \"periodic\", \"interval_us\": 1000, \"bytes\": 512,\n"    \
        "                 \"count\": 1, \"start_us\": 100 }"

/* The static hypervisor of these tests: world switch 0, trap entry 150 + exit 150, interrupt
 * path 100 + 800 + 200 + 100 cycles. */
#define HV_STATIC                                                                                  \
        "  \"hypervisor\": { \"policy\": \"static\", \"world_switch_cycles\": 0,\n"                \
        "    \"trap_entry_cycles\": 150, \"trap_exit_cycles\": 150,\n"                             \
        "    \"irq_entry_cycles\": 100, \"irq_handling_cycles\": 800,\n"                           \
        "    \"irq_injection_cycles\": 200, \"irq_exit_cycles\": 100 },\n"

/* The guest VM on cpu0 and a service VM "svc" on cpu1 (task "t", then `svc_tasks`; doorbell SGI
 * 1 and wake SPI 41, 300 cycles each) hosting the backend (`backend_task`: its "task" key). */
#define SERVICE_VM_SCENARIO(svc_tasks, backend_task)                                               \
        "{ \"name\": \"idle-svc\", \"platform\": \"one-ghz.json\",\n"                              \
        "  \"run\": { \"duration_ms\": 1 },\n" HV_STATIC                                           \
        "  \"vms\": [ { \"name\": \"guest\", \"vcpus\": [ { \"core\": \"cpu0\" } ],\n"             \
        "    \"os\": { \"scheduler\": \"fixed_priority\", \"exception_entry_cycles\": 60 },\n"     \
        "    \"tasks\": [ { \"name\": \"t\", \"period_ms\": 10, \"priority\": 1,\n"                \
        "                 \"execution_cycles\": 1000 } ],\n"                                       \
        "    \"isrs\": [ { \"name\": \"virtblk\", \"irq\": 40, \"cycles\": 500 } ] },\n"           \
        "   { \"name\": \"svc\", \"vcpus\": [ { \"core\": \"cpu1\" } ],\n"                         \
        "    \"os\": { \"scheduler\": \"fixed_priority\", \"exception_entry_cycles\": 60 },\n"     \
        "    \"tasks\": [ { \"name\": \"t\", \"period_ms\": 10, \"priority\": 1,\n"                \
        "                 \"execution_cycles\": 1000 },\n" svc_tasks " ],\n"                       \
        "    \"isrs\": [ { \"name\": \"doorbell\", \"irq\": 1, \"cycles\": 300 },\n"               \
        "              { \"name\": \"flash\", \"irq\": 41, \"cycles\": 300 } ] } ],\n"             \
        "  \"devices\": [ { \"name\": \"disk\", " DEVICE_COMMON ",\n"                              \
        "    \"driver\": { \"vm\": \"guest\", \"vcpu\": 0, \"submit_ns\": 300,\n"                  \
        "                \"complete_ns\": 200 },\n"                                                \
        "    \"backend\": { \"placement\": \"service_vm\", \"vm\": \"svc\", " backend_task "\n"    \
        "                 \"doorbell_sgi\": 1, \"wake_irq\": 41, \"notify_cycles\": 1000,\n"       \
        "                 \"request_ns\": 100 } } ] }\n"

/*
 * Backend in the hypervisor, static partitioning, world switch 0, trap entry 150 + exit 150,
 * notify handler 1000 cycles; trapped interrupt path 100 + 800 + 200 + 100 = 1200 cycles; guest
 * exception entry 60. The guest's one task ran at 0 (1 us) and the vCPU idles in its context.
 *   t=100 us + 0      request arrives, driver submit 826 ns
 *   +826              QueueNotify traps: 150 + 1000 + 150 = 1300 ns of hypervisor work
 *   +2126             trap done: the backend (in the hypervisor) pops, 461 ns, charged to cpu0
 *                     as a trap (150 + 161 + 150)
 *   +2587             device 5000 ns; the backend sleeps meanwhile
 *   +7587             device done: the backend runs the completion step at once, 1084 ns
 *                     (charged to cpu0 the same way)
 *   +8671             SPI 40 raised: the hypervisor's path 1200 ns, then guest entry 60 ns
 *   +9931             ISR's first instruction: the handler 473 ns
 *   +10404            done.
 * Phases: driver 826, notify 1300, backend_wait 0, backend_ring 461 + 1084 = 1545, device 5000,
 * interrupt 1260, completion 473; sum 10404 ns.
 */
START_TEST(test_idle_hypervisor_backend)
{
        static const struct phase phases[] = {
                { "phase_guest_queue", 0 },     { "phase_driver", 826 },
                { "phase_notify", 1300 },       { "phase_backend_wait", 0 },
                { "phase_backend_ring", 1545 }, { "phase_device", 5000 },
                { "phase_interrupt", 1260 },    { "phase_completion", 473 },
        };
        struct run run;

        run_text(
            &run,
            "{ \"name\": \"idle-hv\", \"platform\": \"one-ghz.json\",\n"
            "  \"run\": { \"duration_ms\": 1 },\n" HV_STATIC
            "  \"vms\": [ { \"name\": \"guest\", \"vcpus\": [ { \"core\": \"cpu0\" } ],\n"
            "    \"os\": { \"scheduler\": \"fixed_priority\", \"exception_entry_cycles\": 60 },\n"
            "    \"tasks\": [ { \"name\": \"t\", \"period_ms\": 10, \"priority\": 1,\n"
            "                 \"execution_cycles\": 1000 },\n"
            "               { \"name\": \"late\", \"period_ms\": 10, \"offset_us\": 110,\n"
            "                 \"priority\": 2, \"execution_cycles\": 1000 } ],\n"
            "    \"isrs\": [ { \"name\": \"virtblk\", \"irq\": 40, \"cycles\": 500 } ] } ],\n"
            "  \"devices\": [ { \"name\": \"disk\", " DEVICE_COMMON ",\n"
            "    \"driver\": { \"vm\": \"guest\", \"vcpu\": 0, \"submit_ns\": 300,\n"
            "                \"complete_ns\": 200 },\n"
            "    \"backend\": { \"placement\": \"hypervisor\", \"notify_cycles\": 1000,\n"
            "                 \"request_ns\": 100 } } ] }\n");
        assert_phases(&run, "dev/disk", 10404, phases, sizeof phases / sizeof phases[0]);
        /* the interrupt was taken once, 1260 ns after its edge */
        ck_assert_uint_eq(metric(&run, "irq/guest/disk", "latency")->histogram.max, 1260 * NS);
        /* traps on the vCPU: the notify, and the backend's pop and completion steps charged as
         * hypervisor work (the empty look before sleeping, 132 ns, is shorter than a trap's
         * entry + exit and not charged); the core's hypervisor time: 1300 + 461 + 1084 of
         * traps and 1200 of the interrupt path = 4045 ns */
        ck_assert_uint_eq(metric(&run, "hv/vm/guest/vcpu/0", "traps")->counter, 3);
        ck_assert_uint_eq(metric(&run, "hv/core/cpu0", "hypervisor_time")->counter, 4045 * NS);
        /* only an ISR hook may lengthen an ISR */
        ck_assert_int_eq(guest_os_isr_extend(platform_guest_os(run.platform, 0), NS), -EINVAL);
        /* the handler's 473 ns lengthen the ISR: it runs from 109 931 ns to 109 931 + 473 + 500
         * = 110 904 ns, so task "late" (released at 110 us, 1000 ns, no context-switch cost)
         * waits for it: response 110 904 + 1000 - 110 000 = 1904 ns (1431 if the handler did not
         * take the vCPU) */
        ck_assert_uint_eq(metric(&run, "vm/guest/task/late", "response_time")->histogram.max,
                          1904 * NS);
        /* the backend's steps: pop 461, empty look 132, completion 1084, empty look 32 (see the
         * service VM test) = 1709 ns, 1709 ns / 1 ms of the run */
        ck_assert_uint_eq(metric(&run, "dev/disk", "backend_busy_time")->counter, 1709 * NS);
        ck_assert_double_eq_tol(metric(&run, "dev/disk", "backend_utilisation")->gauge, 1709e-6,
                                1e-9);
        run_free(&run);
}
END_TEST

/*
 * Backend in a service VM "svc" on cpu1 (static partitioning, the costs above): the notify trap
 * (1300 ns) also sends virtual SGI 1 to the service vCPU (its own trap: 150 + 200 injection +
 * 150 = 500 ns). Both are raised while the idle vCPU is not dispatched yet, so they execute as
 * one 1800 ns piece of trap work on cpu0 (the vCPU is held 1800 ns), at whose end the SGI goes
 * through the hypervisor's IPI to cpu1, whose interrupt path (1200 ns) injects it; the service
 * VM's entry (60 ns), then its ISR, where the backend runs. The device's completion wakes it
 * through SPI 41 to the service vCPU: path 1200 + entry 60.
 *   t=100 us + 0      driver submit 826 ns
 *   +826              the notify and SGI traps, 1800 ns
 *   +2626             IPI to cpu1: path 1200 ns, entry 60 ns
 *   +3886             the service VM's doorbell ISR: the backend pops, 461 ns
 *   +4347             device 5000 ns
 *   +9347             SPI 41 to the service vCPU: 1200 + 60 ns
 *   +10607            its wake ISR: the completion step, 1084 ns
 *   +11691            SPI 40 to the guest: 1200 + 60 ns
 *   +12951            the handler 473 ns
 *   +13424            done.
 * Phases: driver 826, notify 1800, backend_wait (3886 - 2626) + (10607 - 9347) = 2520,
 * backend_ring 1545, device 5000, interrupt 1260, completion 473; sum 13424 ns.
 */
START_TEST(test_idle_service_vm_backend)
{
        static const struct phase phases[] = {
                { "phase_guest_queue", 0 },     { "phase_driver", 826 },
                { "phase_notify", 1800 },       { "phase_backend_wait", 2520 },
                { "phase_backend_ring", 1545 }, { "phase_device", 5000 },
                { "phase_interrupt", 1260 },    { "phase_completion", 473 },
        };
        struct run run;

        run_text(&run,
                 SERVICE_VM_SCENARIO(
                     "               { \"name\": \"s\", \"period_ms\": 10, \"offset_us\": 104,\n"
                     "                 \"priority\": 2, \"execution_cycles\": 1000 },\n"
                     "               { \"name\": \"w\", \"period_ms\": 10, \"offset_us\": 111,\n"
                     "                 \"priority\": 3, \"execution_cycles\": 1000 }",
                     ""));
        assert_phases(&run, "dev/disk", 13424, phases, sizeof phases / sizeof phases[0]);
        ck_assert_uint_eq(metric(&run, "irq/svc/disk_wake", "latency")->histogram.max, 1260 * NS);
        /* the guest's vCPU trapped twice (the notify, the SGI), the service VM's never */
        ck_assert_uint_eq(metric(&run, "hv/vm/guest/vcpu/0", "traps")->counter, 2);
        ck_assert_uint_eq(metric(&run, "hv/vm/svc/vcpu/0", "traps")->counter, 0);
        /* the backend's steps lengthen the service VM's ISRs; tasks released meanwhile wait:
         * doorbell ISR from 103 886 ns: pop 461 + empty look 132 + body 300, to 104 779 ns;
         * "s" (104 us, 1000 ns): 104 779 + 1000 - 104 000 = 1779 ns (1186 without the steps);
         * wake ISR from 110 607 ns: completion 1084 + empty look 32 (avail idx hit 4,
         * avail_event store on U1, still the backend's M line, hit 4, full barrier 20, avail
         * idx hit 4) + body 300, to 112 023 ns; "w" (111 us): 112 023 + 1000 - 111 000 =
         * 2023 ns (1000 without) */
        ck_assert_uint_eq(metric(&run, "vm/svc/task/s", "response_time")->histogram.max, 1779 * NS);
        ck_assert_uint_eq(metric(&run, "vm/svc/task/w", "response_time")->histogram.max, 2023 * NS);
        ck_assert_uint_eq(metric(&run, "dev/disk", "backend_busy_time")->counter,
                          (461 + 132 + 1084 + 32) * NS);
        run_free(&run);
}
END_TEST

/*
 * AMP over shared memory: the driver's OS on cpu0 (entry 60 cycles), the backend's OS on cpu1
 * (entry 50), a doorbell write of 100 ns then SGI 1 to cpu1, the wake SPI 41 to cpu1.
 *   t=100 us + 0   driver submit 826 ns; the doorbell write 100 ns
 *   +926           SGI 1 at cpu1: entry 50 ns, the backend runs in its ISR: pop 461 ns
 *   +1437          device 5000 ns (the backend sleeps after 132 ns)
 *   +6437          device done: SPI 41 to cpu1, entry 50; completion step 1084 ns
 *   +7571          SPI 40 at cpu0: entry 60; the handler 473 ns
 *   +8104          done.
 * Phases: driver 826, notify 100, backend_wait 50 + 50, backend_ring 1545, device 5000,
 * interrupt 60, completion 473; sum 8104 ns.
 */
START_TEST(test_idle_shared_memory_backend)
{
        static const struct phase phases[] = {
                { "phase_guest_queue", 0 },     { "phase_driver", 826 },
                { "phase_notify", 100 },        { "phase_backend_wait", 100 },
                { "phase_backend_ring", 1545 }, { "phase_device", 5000 },
                { "phase_interrupt", 60 },      { "phase_completion", 473 },
        };
        struct run run;

        run_text(
            &run,
            "{ \"name\": \"idle-amp\", \"platform\": \"one-ghz.json\",\n"
            "  \"run\": { \"duration_ms\": 1 },\n"
            "  \"oses\": [\n"
            "    { \"name\": \"app\", \"cores\": [\"cpu0\"], \"scheduler\": \"fixed_priority\",\n"
            "      \"exception_entry_cycles\": 60,\n"
            "      \"tasks\": [ { \"name\": \"t\", \"core\": \"cpu0\", \"period_ms\": 10,\n"
            "                   \"priority\": 1, \"execution_cycles\": 1000 },\n"
            "                 { \"name\": \"late\", \"core\": \"cpu0\", \"period_ms\": 10,\n"
            "                   \"offset_us\": 108, \"priority\": 2,\n"
            "                   \"execution_cycles\": 1000 } ],\n"
            "      \"isrs\": [ { \"name\": \"virtblk\", \"irq\": 40, \"cycles\": 500 } ] },\n"
            "    { \"name\": \"io\", \"cores\": [\"cpu1\"], \"scheduler\": \"fixed_priority\",\n"
            "      \"exception_entry_cycles\": 50,\n"
            "      \"tasks\": [ { \"name\": \"t\", \"core\": \"cpu1\", \"period_ms\": 10,\n"
            "                   \"priority\": 1, \"execution_cycles\": 1000 },\n"
            "                 { \"name\": \"s\", \"core\": \"cpu1\", \"period_ms\": 10,\n"
            "                   \"offset_us\": 101, \"priority\": 2,\n"
            "                   \"execution_cycles\": 1000 },\n"
            "                 { \"name\": \"w\", \"core\": \"cpu1\", \"period_ms\": 10,\n"
            "                   \"offset_us\": 107, \"priority\": 3,\n"
            "                   \"execution_cycles\": 1000 } ],\n"
            "      \"isrs\": [ { \"name\": \"doorbell\", \"irq\": 1, \"cycles\": 300 },\n"
            "                { \"name\": \"flash\", \"irq\": 41, \"cycles\": 300 } ] } ],\n"
            "  \"devices\": [ { \"name\": \"disk\", " DEVICE_COMMON ",\n"
            "    \"driver\": { \"os\": \"app\", \"core\": \"cpu0\", \"submit_ns\": 300,\n"
            "                \"complete_ns\": 200 },\n"
            "    \"backend\": { \"placement\": \"shared_memory\", \"os\": \"io\",\n"
            "                 \"core\": \"cpu1\", \"doorbell_sgi\": 1, \"wake_irq\": 41,\n"
            "                 \"mmio_write_ns\": 100, \"request_ns\": 100 } } ] }\n");
        assert_phases(&run, "dev/disk", 8104, phases, sizeof phases / sizeof phases[0]);
        ck_assert_uint_eq(metric(&run, "irq/io/disk_wake", "latency")->histogram.max, 50 * NS);
        /* the ISRs last their device work longer, and tasks released meanwhile wait for it:
         * io's doorbell ISR from 100 976 ns: pop 461 + empty look 132 + body 300 = 101 869 ns,
         * "s" (101 us, 1000 ns) responds in 1869 ns; its wake ISR from 106 487 ns: completion
         * 1084 + empty look 32 + body 300 = 107 903 ns, "w" (107 us) 1903 ns; app's ISR from
         * 107 631 ns: handler 473 + body 500 = 108 604 ns, "late" (108 us) 1604 ns */
        ck_assert_uint_eq(metric(&run, "os/io/task/s", "response_time")->histogram.max, 1869 * NS);
        ck_assert_uint_eq(metric(&run, "os/io/task/w", "response_time")->histogram.max, 1903 * NS);
        ck_assert_uint_eq(metric(&run, "os/app/task/late", "response_time")->histogram.max,
                          1604 * NS);
        run_free(&run);
}
END_TEST

/* A guest VM on cpu0 whose task "io" (1000 cycles, released at 100 us) issues one 512-byte read
 * of sector 0 per job (`wait`: synchronously), task "bg" (1000 cycles, lower priority) released
 * at 102 us and task "hi" (1000 cycles, higher priority) at `hi_ns`; the backend in the
 * hypervisor, the costs of the tests above. */
#define TASK_ISSUED_SCENARIO(wait, hi_ns)                                                          \
        "{ \"name\": \"task-io\", \"platform\": \"one-ghz.json\",\n"                               \
        "  \"run\": { \"duration_ms\": 1 },\n" HV_STATIC                                           \
        "  \"vms\": [ { \"name\": \"guest\", \"vcpus\": [ { \"core\": \"cpu0\" } ],\n"             \
        "    \"os\": { \"scheduler\": \"fixed_priority\", \"exception_entry_cycles\": 60 },\n"     \
        "    \"tasks\": [ { \"name\": \"io\", \"period_ms\": 10, \"offset_us\": 100,\n"            \
        "                 \"priority\": 2, \"execution_cycles\": 1000 },\n"                        \
        "               { \"name\": \"bg\", \"period_ms\": 10, \"offset_us\": 102,\n"              \
        "                 \"priority\": 1, \"execution_cycles\": 1000 },\n"                        \
        "               { \"name\": \"hi\", \"period_ms\": 10, \"offset_ns\": " hi_ns ",\n"        \
        "                 \"priority\": 3, \"execution_cycles\": 1000 } ],\n"                      \
        "    \"isrs\": [ { \"name\": \"virtblk\", \"irq\": 40, \"cycles\": 500 } ] } ],\n"         \
        "  \"devices\": [ { \"name\": \"disk\", \"kind\": \"blk\", \"irq\": 40,\n"                 \
        "    \"ring\": { \"layout\": \"split\", \"event_idx\": true, \"queue_size\": 8 },\n"       \
        "    \"blk\": { \"channels\": 1, \"read_us\": 4, \"channel_mb_per_s\": 512,\n"             \
        "             \"payload_by_cpu\": true },\n"                                               \
        "    \"workload\": { \"arrival\": \"task\", \"task\": \"io\", \"requests\": 1,\n"          \
        "                  \"wait\": " wait ", \"bytes\": 512, \"count\": 1 },\n"                  \
        "    \"driver\": { \"vm\": \"guest\", \"vcpu\": 0, \"submit_ns\": 300,\n"                  \
        "                \"complete_ns\": 200 },\n"                                                \
        "    \"backend\": { \"placement\": \"hypervisor\", \"notify_cycles\": 1000,\n"             \
        "                 \"request_ns\": 100 } } ] }\n"

/*
 * Requests issued by a task (workload arrival "task"), backend in the hypervisor. The job of
 * "io" released at 100 us executes its 1000 ns, then the driver's submit path as work of the
 * job on the vCPU, then the QueueNotify write, which traps:
 *   100 000 ns   job starts (nothing else runs; no context-switch cost)
 *   101 000      its own work done: the request arrives; the submit step, 826 ns of the job
 *   101 826      the notify traps: 1300 ns of hypervisor work, the job waits for it
 *   103 126      the trap has run; the backend, in the hypervisor, pops at once on this core:
 *                461 ns charged to the vCPU as a trap, which the job waits for too
 *   103 587      asynchronous I/O: the job completes,
 *                response = 1000 + 826 + 1300 + 461 = 3587 ns (own work + submit + notify +
 *                the backend's pop executed on its core)
 * and the request goes on as in test_idle_hypervisor_backend from 101 000 ns (latency
 * 10 404 ns, same phases). Synchronous (`wait`), the job blocks at 103 587 ns instead; the
 * request completes at the end of the driver's handler, 101 000 + 10 404 = 111 404 ns, inside
 * the guest's ISR, which lasts to 111 404 + 500 (its body) = 111 904 ns; then the job is
 * dispatched again and completes: response = 111 904 - 100 000 = 11 904 ns = own work 1000 +
 * the request's latency 10 404 + the rest of the ISR 500.
 * While "io" is blocked the vCPU is free for "bg" (released at 102 us): it runs from 103 587
 * to 104 587 ns, response 2587 ns (the completion step's trap, at 108 587 ns, comes after).
 * Asynchronously "bg" starts when "io" completes at 103 587 ns: also 2587 ns. ("hi" runs at
 * 500 us, alone.)
 * The submit path is preemptible work of the job: with "hi" released at 101 500 ns, inside the
 * submit step, "io" is preempted with 326 ns of it left, "hi" runs to 102 500, "io" finishes the
 * step at 102 826 (driver phase 1826 ns: the library calls were made at 101 000) and notifies:
 * trap 1300, pop 461, so the asynchronous job completes at 104 587 ns (response 4587 ns, one
 * preemption) and the request takes 1000 ns longer, 11 404 ns, all in the driver phase.
 */
START_TEST(test_task_issued_requests)
{
        static const struct phase phases[] = {
                { "phase_guest_queue", 0 },     { "phase_driver", 826 },
                { "phase_notify", 1300 },       { "phase_backend_wait", 0 },
                { "phase_backend_ring", 1545 }, { "phase_device", 5000 },
                { "phase_interrupt", 1260 },    { "phase_completion", 473 },
        };
        struct run run;

        run_text(&run, TASK_ISSUED_SCENARIO("true", "500000"));
        assert_phases(&run, "dev/disk", 10404, phases, sizeof phases / sizeof phases[0]);
        ck_assert_uint_eq(metric(&run, "vm/guest/task/io", "response_time")->histogram.max,
                          11904 * NS);
        ck_assert_uint_eq(metric(&run, "vm/guest/task/io", "preemptions")->counter, 0);
        ck_assert_uint_eq(metric(&run, "vm/guest/task/bg", "response_time")->histogram.max,
                          2587 * NS);
        /* the notify trap and the backend's two charged steps, as in the other test */
        ck_assert_uint_eq(metric(&run, "hv/vm/guest/vcpu/0", "traps")->counter, 3);
        run_free(&run);

        run_text(&run, TASK_ISSUED_SCENARIO("false", "500000"));
        assert_phases(&run, "dev/disk", 10404, phases, sizeof phases / sizeof phases[0]);
        ck_assert_uint_eq(metric(&run, "vm/guest/task/io", "response_time")->histogram.max,
                          3587 * NS);
        ck_assert_uint_eq(metric(&run, "vm/guest/task/bg", "response_time")->histogram.max,
                          2587 * NS);
        run_free(&run);

        run_text(&run, TASK_ISSUED_SCENARIO("false", "101500"));
        ck_assert_uint_eq(metric(&run, "dev/disk", "latency")->histogram.max, 11404 * NS);
        ck_assert_uint_eq(metric(&run, "dev/disk", "phase_driver")->histogram.max, 1826 * NS);
        ck_assert_uint_eq(metric(&run, "dev/disk", "phase_notify")->histogram.max, 1300 * NS);
        ck_assert_uint_eq(metric(&run, "vm/guest/task/io", "response_time")->histogram.max,
                          4587 * NS);
        ck_assert_uint_eq(metric(&run, "vm/guest/task/io", "preemptions")->counter, 1);
        ck_assert_uint_eq(metric(&run, "vm/guest/task/hi", "response_time")->histogram.max,
                          1000 * NS);
        run_free(&run);
}
END_TEST

/*
 * Requests issued by a task of an AMP OS, backend over shared memory (the costs of
 * test_idle_shared_memory_backend): the doorbell is an MMIO write the job executes itself.
 * The job of "io" (released at 100 us, 1000 ns) then submits: 826 ns, the doorbell write
 * 100 ns; asynchronously it completes at 100 000 + 1000 + 826 + 100 = 101 926 ns: response
 * 1926 ns. The request runs as in that test from 101 000 ns: latency 8104 ns.
 */
START_TEST(test_task_issued_amp)
{
        static const struct phase phases[] = {
                { "phase_guest_queue", 0 },     { "phase_driver", 826 },
                { "phase_notify", 100 },        { "phase_backend_wait", 100 },
                { "phase_backend_ring", 1545 }, { "phase_device", 5000 },
                { "phase_interrupt", 60 },      { "phase_completion", 473 },
        };
        struct run run;

        run_text(
            &run,
            "{ \"name\": \"task-io-amp\", \"platform\": \"one-ghz.json\",\n"
            "  \"run\": { \"duration_ms\": 1 },\n"
            "  \"oses\": [\n"
            "    { \"name\": \"app\", \"cores\": [\"cpu0\"], \"scheduler\": \"fixed_priority\",\n"
            "      \"exception_entry_cycles\": 60,\n"
            "      \"tasks\": [ { \"name\": \"io\", \"core\": \"cpu0\", \"period_ms\": 10,\n"
            "                   \"offset_us\": 100, \"priority\": 1,\n"
            "                   \"execution_cycles\": 1000 } ],\n"
            "      \"isrs\": [ { \"name\": \"virtblk\", \"irq\": 40, \"cycles\": 500 } ] },\n"
            "    { \"name\": \"backend\", \"cores\": [\"cpu1\"], \"scheduler\": "
            "\"fixed_priority\",\n"
            "      \"exception_entry_cycles\": 50,\n"
            "      \"tasks\": [ { \"name\": \"t\", \"core\": \"cpu1\", \"period_ms\": 10,\n"
            "                   \"priority\": 1, \"execution_cycles\": 1000 } ],\n"
            "      \"isrs\": [ { \"name\": \"doorbell\", \"irq\": 1, \"cycles\": 300 },\n"
            "                { \"name\": \"flash\", \"irq\": 41, \"cycles\": 300 } ] } ],\n"
            "  \"devices\": [ { \"name\": \"disk\", \"kind\": \"blk\", \"irq\": 40,\n"
            "    \"ring\": { \"layout\": \"split\", \"event_idx\": true, \"queue_size\": 8 },\n"
            "    \"blk\": { \"channels\": 1, \"read_us\": 4, \"channel_mb_per_s\": 512,\n"
            "             \"payload_by_cpu\": true },\n"
            "    \"workload\": { \"arrival\": \"task\", \"task\": \"io\", \"bytes\": 512,\n"
            "                  \"count\": 1 },\n"
            "    \"driver\": { \"os\": \"app\", \"core\": \"cpu0\", \"submit_ns\": 300,\n"
            "                \"complete_ns\": 200 },\n"
            "    \"backend\": { \"placement\": \"shared_memory\", \"os\": \"backend\",\n"
            "                 \"core\": \"cpu1\", \"doorbell_sgi\": 1, \"wake_irq\": 41,\n"
            "                 \"mmio_write_ns\": 100, \"request_ns\": 100 } } ] }\n");
        assert_phases(&run, "dev/disk", 8104, phases, sizeof phases / sizeof phases[0]);
        ck_assert_uint_eq(metric(&run, "os/app/task/io", "response_time")->histogram.max,
                          1926 * NS);
        ck_assert_uint_eq(metric(&run, "os/app/task/io", "completions")->counter, 1);
        run_free(&run);
}
END_TEST

/*
 * The backend in the service VM as a thread: its event task "blkback" (priority 5, 200 cycles
 * of its own: the thread's wake-up) is released by the doorbell ISR and by the wake SPI's ISR,
 * and runs the backend's steps as work of its job, one after another until the backend
 * sleeps. The service VM also has "hi" (priority 9, 1000 ns, released at 104 us) and "lo"
 * (priority 2, 1000 ns, released at 112.2 us). The costs of test_idle_service_vm_backend:
 *   t=100 us + 0      driver submit 826 ns; notify and SGI traps 1800 ns
 *   +2626             IPI path 1200 + entry 60
 *   +3886             doorbell ISR (300 ns body): releases "blkback"; "hi" is released at 4000
 *   +4186             ISR done: "hi" (more urgent) runs 1000 ns
 *   +5186             "blkback": its own 200 ns
 *   +5386             the pop, 461 ns (the backend scheduling delay: 5386 - 2626 = 2760 ns)
 *   +5847             device 5000 ns; the thread's empty look, 132 ns, and it sleeps (5979)
 *   +10847            device done: SPI 41 to the service vCPU, 1200 + 60
 *   +12107            wake ISR (300 ns): releases "blkback"; "lo" is released at 12 200
 *   +12407            "blkback" (more urgent than "lo"): own 200 ns
 *   +12607            the completion step, 1084 ns; the interrupt is raised at its end
 *   +13691            its empty look 32 ns, then "lo" runs 13 723 .. 14 723
 *   +13691            SPI 40 to the guest: 1200 + 60
 *   +14951            the handler 473 ns
 *   +15424            done.
 * Phases: driver 826, notify 1800, backend_wait (5386 - 2626) + (12 607 - 10 847) = 4520,
 * backend_ring 1545, device 5000, interrupt 1260, completion 473; sum 15 424 ns (13 424 with
 * the backend inside the ISRs, test_idle_service_vm_backend: the thread's 2 x 200 ns, the ISR
 * bodies it now waits for, 2 x 300, and "hi", 1000). "blkback" responds in 5979 - 3886 = 2093
 * and 13 723 - 12 107 = 1616 ns; "hi" in 5186 - 4000 = 1186 ns; "lo" in 14 723 - 12 200 =
 * 2523 ns.
 */
START_TEST(test_backend_thread)
{
        static const struct phase phases[] = {
                { "phase_guest_queue", 0 },     { "phase_driver", 826 },
                { "phase_notify", 1800 },       { "phase_backend_wait", 4520 },
                { "phase_backend_ring", 1545 }, { "phase_device", 5000 },
                { "phase_interrupt", 1260 },    { "phase_completion", 473 },
        };
        struct run run;
        const struct metric *thread;

        run_text(
            &run,
            SERVICE_VM_SCENARIO(
                "               { \"name\": \"blkback\", \"activation\": \"event\",\n"
                "                 \"deadline_ms\": 1, \"priority\": 5, \"execution_cycles\": 200 "
                "},\n"
                "               { \"name\": \"hi\", \"period_ms\": 10, \"offset_us\": 104,\n"
                "                 \"priority\": 9, \"execution_cycles\": 1000 },\n"
                "               { \"name\": \"lo\", \"period_ms\": 10, \"offset_ns\": 112200,\n"
                "                 \"priority\": 2, \"execution_cycles\": 1000 }",
                "\"task\": \"blkback\","));
        assert_phases(&run, "dev/disk", 15424, phases, sizeof phases / sizeof phases[0]);
        thread = metric(&run, "vm/svc/task/blkback", "response_time");
        ck_assert_uint_eq(thread->histogram.count, 2);
        ck_assert_uint_eq(thread->histogram.max, 2093 * NS);
        ck_assert_uint_eq(thread->histogram.min, 1616 * NS);
        ck_assert_uint_eq(metric(&run, "vm/svc/task/hi", "response_time")->histogram.max,
                          1186 * NS);
        ck_assert_uint_eq(metric(&run, "vm/svc/task/lo", "response_time")->histogram.max,
                          2523 * NS);
        ck_assert_uint_eq(metric(&run, "dev/disk", "backend_wakeups")->counter, 2);
        ck_assert_uint_eq(metric(&run, "dev/disk", "backend_busy_time")->counter,
                          (461 + 132 + 1084 + 32) * NS);
        run_free(&run);
}
END_TEST

/*
 * Pass-through: the device itself behind the ring (the hypervisor's costs as above). The
 * doorbell is a 100 ns MMIO write with no trap and the device processes the ring at once, with
 * no backend software (request_ns is ignored: pop 361 ns; the response is timed as in the other
 * tests).
 *   t=100 us + 0      driver submit 826 ns, the doorbell write 100 ns
 *   +926              the device pops, 361 ns; service 5000 ns
 *   +6287             completion 1084 ns
 *   +7371             SPI 40: the hypervisor's path 1200 ns and guest entry 60 ns
 *   +8631             the handler 473 ns
 *   +9104             done; the guest's vCPU never trapped.
 */
START_TEST(test_idle_passthrough)
{
        static const struct phase phases[] = {
                { "phase_guest_queue", 0 },     { "phase_driver", 826 },
                { "phase_notify", 100 },        { "phase_backend_wait", 0 },
                { "phase_backend_ring", 1445 }, { "phase_device", 5000 },
                { "phase_interrupt", 1260 },    { "phase_completion", 473 },
        };
        struct run run;

        run_text(
            &run,
            "{ \"name\": \"idle-pt\", \"platform\": \"one-ghz.json\",\n"
            "  \"run\": { \"duration_ms\": 1 },\n" HV_STATIC
            "  \"vms\": [ { \"name\": \"guest\", \"vcpus\": [ { \"core\": \"cpu0\" } ],\n"
            "    \"os\": { \"scheduler\": \"fixed_priority\", \"exception_entry_cycles\": 60 },\n"
            "    \"tasks\": [ { \"name\": \"t\", \"period_ms\": 10, \"priority\": 1,\n"
            "                 \"execution_cycles\": 1000 } ],\n"
            "    \"isrs\": [ { \"name\": \"virtblk\", \"irq\": 40, \"cycles\": 500 } ] } ],\n"
            "  \"devices\": [ { \"name\": \"disk\", " DEVICE_COMMON ",\n"
            "    \"driver\": { \"vm\": \"guest\", \"vcpu\": 0, \"submit_ns\": 300,\n"
            "                \"complete_ns\": 200 },\n"
            "    \"backend\": { \"placement\": \"passthrough\", \"mmio_write_ns\": 100,\n"
            "                 \"request_ns\": 100 } } ] }\n");
        assert_phases(&run, "dev/disk", 9104, phases, sizeof phases / sizeof phases[0]);
        ck_assert_uint_eq(metric(&run, "hv/vm/guest/vcpu/0", "traps")->counter, 0);
        run_free(&run);
}
END_TEST

/*
 * The CAN example (scenarios/examples/virtio-can.json) through the loader and the platform: the
 * RTOS VM's 100 frames (one per ms for 100 ms) all complete OK, none before its 8-byte standard
 * frame has been on the 500 kbit/s bus: at least 111 bits (SOF to intermission without stuff
 * bits) x 2 us = 222 us; its requirements are met by the run's figures.
 */
START_TEST(test_can_example)
{
        struct run run;
        struct scenario_diag d;
        int rc = scenario_load("scenarios/examples/virtio-can.json", &run.scenario, &d);

        ck_assert_msg(rc == 0, "%s:%d:%d %s: %s", d.file, d.line, d.column, d.path, d.message);
        run.metrics = metrics_create();
        run.sim = sim_create(NULL);
        ck_assert_int_eq(platform_build(&run.scenario, run.sim, run.metrics, &run.platform), 0);
        ck_assert_int_eq(sim_run_until(run.sim, run.scenario.run.duration_ps), 0);
        ck_assert_int_eq(platform_error(run.platform), 0);
        platform_finish(run.platform, run.scenario.run.duration_ps);
        ck_assert_uint_eq(metric(&run, "dev/rtos_can", "completed")->counter, 100);
        ck_assert_uint_eq(metric(&run, "dev/rtos_can", "status_errors")->counter, 0);
        ck_assert_uint_ge(metric(&run, "dev/rtos_can", "latency")->histogram.min,
                          222 * SIM_PS_PER_US);
        ck_assert_uint_le(metric(&run, "dev/rtos_can", "latency")->histogram.max, SIM_PS_PER_MS);
        ck_assert_uint_gt(metric(&run, "dev/linux_can", "completed")->counter, 0);
        run_free(&run);
}
END_TEST

#define POLLING_SCENARIO(core)                                                                     \
        "{ \"name\": \"idle-poll\", \"platform\": \"one-ghz.json\",\n"                             \
        "  \"run\": { \"duration_ms\": 1 },\n" HV_STATIC                                           \
        "  \"vms\": [ { \"name\": \"guest\", \"vcpus\": [ { \"core\": \"cpu0\" } ],\n"             \
        "    \"os\": { \"scheduler\": \"fixed_priority\", \"exception_entry_cycles\": 60 },\n"     \
        "    \"tasks\": [ { \"name\": \"t\", \"period_ms\": 10, \"priority\": 1,\n"                \
        "                 \"execution_cycles\": 1000 } ],\n"                                       \
        "    \"isrs\": [ { \"name\": \"virtblk\", \"irq\": 40, \"cycles\": 500 } ] } ],\n"         \
        "  \"devices\": [ { \"name\": \"disk\", " DEVICE_COMMON ",\n"                              \
        "    \"driver\": { \"vm\": \"guest\", \"vcpu\": 0, \"submit_ns\": 300,\n"                  \
        "                \"complete_ns\": 200 },\n"                                                \
        "    \"backend\": { \"placement\": \"polling_core\", \"core\": \"" core "\",\n"            \
        "                 \"poll_interval_ns\": 1000, \"request_ns\": 100 } } ] }\n"

/*
 * Backend on a polling core (cpu1, a look every 1000 ns when the ring is empty). The poller
 * never sleeps: it holds cpu1 from its first look at 0 to the end, poll_core_utilisation
 * (1 ms - 0) / 1 ms = 1. Its own work: E empty looks, each one avail-idx load followed by a
 * 1000 ns wait: an L1 hit (4 ns) except the first (cold, DRAM: 114) and the first after the
 * driver's handler stored used_event on that line (from the driver's M copy: 104); and the
 * request's two steps, taken at look times with no wait after them: the pop 461 and the
 * completion 1084 (as in the other tests). Work = 4 (E - 2) + 114 + 104 + 461 + 1084 =
 * 4 E + 1755 ns. The last look starts before 1 ms: 1000 (E - 1) waits plus the work before it,
 * 4 (E - 2) + 1763, is below 10^6, so 1004 (E - 1) < 998 241, E - 1 = 994, E = 995:
 * backend_busy_time = 3980 + 1755 = 5735 ns, 0.57 % of the core the poller takes whole. The
 * same scenario with the poller on cpu0, the guest's vCPU, is refused by the platform: no other
 * work may run on a polling core.
 */
START_TEST(test_polling_core)
{
        struct run run;
        struct scenario_diag d;
        struct platform *platform = NULL;
        struct sim *sim;
        struct metrics *metrics;
        char path[128];

        run_text(&run, POLLING_SCENARIO("cpu1"));
        ck_assert_uint_eq(metric(&run, "dev/disk", "completed")->counter, 1);
        ck_assert_double_eq(metric(&run, "dev/disk", "poll_core_utilisation")->gauge, 1.0);
        /* the poller holds cpu1 from its first look (build time, t = 0) to the end: busy 100% */
        ck_assert_double_eq(metric(&run, "core/cpu1", "utilisation")->gauge, 1.0);
        ck_assert_uint_eq(metric(&run, "dev/disk", "backend_busy_time")->counter, 5735 * NS);
        run_free(&run);

        /* the loader refuses the poller on cpu0, the guest's vCPU, at the backend's "core"
         * (line 20 of the text: 15 lines of POLLING_SCENARIO plus the 5 newlines of
         * DEVICE_COMMON); the platform refuses it too if handed such a scenario */
        write_file("s.json", POLLING_SCENARIO("cpu0"));
        snprintf(path, sizeof path, "%s/s.json", dir);
        ck_assert_int_eq(scenario_load(path, &run.scenario, &d), -EINVAL);
        ck_assert_str_eq(d.path, "$.devices[0].backend.core");
        ck_assert_int_eq(d.line, 20);
        ck_assert_msg(strstr(d.message, "VM 'guest' runs on core 'cpu0'; a polling backend needs "
                                        "a core of its own") != NULL,
                      "message: %s", d.message);
        write_file("s.json", POLLING_SCENARIO("cpu1"));
        ck_assert_int_eq(scenario_load(path, &run.scenario, &d), 0);
        run.scenario.devices[0].poll_core = 0;
        metrics = metrics_create();
        sim = sim_create(NULL);
        ck_assert_int_eq(platform_build(&run.scenario, sim, metrics, &platform), -EINVAL);
        sim_destroy(sim);
        metrics_destroy(metrics);
        scenario_free(&run.scenario);
}
END_TEST

/* The loader's diagnostics: path, line, column and a suggestion. */
static void expect_error(const char *text, const char *path, int line, const char *message)
{
        struct scenario scenario;
        struct scenario_diag d;
        char file[128];

        write_file("bad.json", text);
        snprintf(file, sizeof file, "%s/bad.json", dir);
        ck_assert_int_eq(scenario_load(file, &scenario, &d), -EINVAL);
        ck_assert_str_eq(d.path, path);
        ck_assert_int_eq(d.line, line);
        ck_assert_msg(strstr(d.message, message) != NULL, "message: %s", d.message);
}

#define BAD_HEAD                                                                                   \
        "{ \"name\": \"bad\", \"platform\": \"one-ghz.json\", \"run\": { \"duration_ms\": 1 },\n"  \
        "  \"hypervisor\": { \"policy\": \"static\" },\n"                                          \
        "  \"vms\": [ { \"name\": \"guest\", \"vcpus\": [ { \"core\": \"cpu0\" } ],\n"             \
        "    \"os\": { \"scheduler\": \"fixed_priority\" },\n"                                     \
        "    \"tasks\": [ { \"name\": \"t\", \"period_ms\": 10, \"priority\": 1,\n"                \
        "                 \"execution_cycles\": 1000 } ],\n"                                       \
        "    \"isrs\": [ { \"name\": \"virtblk\", \"irq\": 40, \"cycles\": 500 } ] } ],\n"

START_TEST(test_loader_diagnostics)
{
        /* line 8: the misspelt key, with its suggestion */
        expect_error(BAD_HEAD "  \"devices\": [ { \"name\": \"disk\", \"kind\": \"blk\", "
                              "\"irq\": 40, \"driver\": { \"vm\": \"guest\" },\n"
                              "    \"backend\": { \"placement\": \"hypervisor\", \"notfy_cycles\": "
                              "5 },\n"
                              "    \"workload\": { \"interval_us\": 10 } } ] }\n",
                     "$.devices[0].backend.notfy_cycles", 9, "did you mean 'notify_cycles'?");
        /* a placement's value misspelt */
        expect_error(BAD_HEAD "  \"devices\": [ { \"name\": \"disk\", \"kind\": \"blk\", "
                              "\"irq\": 40, \"driver\": { \"vm\": \"guest\" },\n"
                              "    \"backend\": { \"placement\": \"service-vm\" },\n"
                              "    \"workload\": { \"interval_us\": 10 } } ] }\n",
                     "$.devices[0].backend.placement", 9, "did you mean 'service_vm'?");
        /* the completion SPI needs an ISR in the driver's VM */
        expect_error(BAD_HEAD "  \"devices\": [ { \"name\": \"disk\", \"kind\": \"blk\", "
                              "\"irq\": 41, \"driver\": { \"vm\": \"guest\" },\n"
                              "    \"backend\": { \"placement\": \"hypervisor\" },\n"
                              "    \"workload\": { \"interval_us\": 10 } } ] }\n",
                     "$.devices[0].irq", 8, "has no ISR for interrupt 41");
        /* shared memory needs an AMP design */
        expect_error(BAD_HEAD "  \"devices\": [ { \"name\": \"disk\", \"kind\": \"blk\", "
                              "\"irq\": 40, \"driver\": { \"vm\": \"guest\" },\n"
                              "    \"backend\": { \"placement\": \"shared_memory\" },\n"
                              "    \"workload\": { \"interval_us\": 10 } } ] }\n",
                     "$.devices[0].backend.placement", 9, "needs an AMP design");
        /* a split ring's size is a power of two */
        expect_error(BAD_HEAD "  \"devices\": [ { \"name\": \"disk\", \"kind\": \"blk\", "
                              "\"irq\": 40, \"driver\": { \"vm\": \"guest\" },\n"
                              "    \"ring\": { \"queue_size\": 48 },\n"
                              "    \"backend\": { \"placement\": \"hypervisor\" },\n"
                              "    \"workload\": { \"interval_us\": 10 } } ] }\n",
                     "$.devices[0].ring.queue_size", 9, "power of two");
        /* a requirement on a device that does not exist; and an unknown device metric */
        expect_error(BAD_HEAD "  \"devices\": [ { \"name\": \"disk\", \"kind\": \"blk\", "
                              "\"irq\": 40, \"driver\": { \"vm\": \"guest\" },\n"
                              "    \"backend\": { \"placement\": \"hypervisor\" },\n"
                              "    \"workload\": { \"interval_us\": 10 } } ],\n"
                              "  \"requirements\": [ { \"metric\": \"dev/disc/latency_max_us\", "
                              "\"max\": 5 } ] }\n",
                     "$.requirements[0].metric", 11, "no device 'disc'");
        expect_error(BAD_HEAD "  \"devices\": [ { \"name\": \"disk\", \"kind\": \"blk\", "
                              "\"irq\": 40, \"driver\": { \"vm\": \"guest\" },\n"
                              "    \"backend\": { \"placement\": \"hypervisor\" },\n"
                              "    \"workload\": { \"interval_us\": 10 } } ],\n"
                              "  \"requirements\": [ { \"metric\": \"dev/disk/latency_p99_ms\", "
                              "\"max\": 5 } ] }\n",
                     "$.requirements[0].metric", 11, "did you mean 'latency_p99_us'?");
        /* arrival "task": the task must exist in the driver's VM */
        expect_error(BAD_HEAD
                     "  \"devices\": [ { \"name\": \"disk\", \"kind\": \"blk\", "
                     "\"irq\": 40, \"driver\": { \"vm\": \"guest\" },\n"
                     "    \"backend\": { \"placement\": \"hypervisor\" },\n"
                     "    \"workload\": { \"arrival\": \"task\", \"task\": \"x\" } } ] }\n",
                     "$.devices[0].workload.task", 10, "VM 'guest' has no task 'x'");
        /* "requests" belongs to arrival "task" */
        expect_error(BAD_HEAD "  \"devices\": [ { \"name\": \"disk\", \"kind\": \"blk\", "
                              "\"irq\": 40, \"driver\": { \"vm\": \"guest\" },\n"
                              "    \"backend\": { \"placement\": \"hypervisor\" },\n"
                              "    \"workload\": { \"interval_us\": 10, \"requests\": 2 } } ] }\n",
                     "$.devices[0].workload.requests", 10, "applies to arrival 'task' only");
        /* a backend thread is an event task of the backend's VM ("t" is periodic) */
        expect_error(
            "{ \"name\": \"bad\", \"platform\": \"one-ghz.json\", "
            "\"run\": { \"duration_ms\": 1 },\n"
            "  \"hypervisor\": { \"policy\": \"static\" },\n"
            "  \"vms\": [ { \"name\": \"guest\", \"vcpus\": [ { \"core\": \"cpu0\" } ],\n"
            "    \"os\": { \"scheduler\": \"fixed_priority\" },\n"
            "    \"tasks\": [ { \"name\": \"t\", \"period_ms\": 10, \"priority\": 1,\n"
            "                 \"execution_cycles\": 1000 } ],\n"
            "    \"isrs\": [ { \"name\": \"virtblk\", \"irq\": 40, \"cycles\": 500 } ] },\n"
            "   { \"name\": \"svc\", \"vcpus\": [ { \"core\": \"cpu1\" } ],\n"
            "    \"os\": { \"scheduler\": \"fixed_priority\" },\n"
            "    \"tasks\": [ { \"name\": \"t\", \"period_ms\": 10, \"priority\": 1,\n"
            "                 \"execution_cycles\": 1000 } ],\n"
            "    \"isrs\": [ { \"name\": \"doorbell\", \"irq\": 1, \"cycles\": 300 },\n"
            "              { \"name\": \"flash\", \"irq\": 41, \"cycles\": 300 } ] } ],\n"
            "  \"devices\": [ { \"name\": \"disk\", \"kind\": \"blk\", "
            "\"irq\": 40, \"driver\": { \"vm\": \"guest\" },\n"
            "    \"backend\": { \"placement\": \"service_vm\", \"vm\": \"svc\",\n"
            "      \"doorbell_sgi\": 1, \"wake_irq\": 41, \"task\": \"t\" },\n"
            "    \"workload\": { \"interval_us\": 10 } } ] }\n",
            "$.devices[0].backend.task", 16, "must be an event task");
}
END_TEST

static Suite *suite(void)
{
        Suite *s = suite_create("platform_devices");
        TCase *tc = tcase_create("core");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_idle_hypervisor_backend);
        tcase_add_test(tc, test_idle_service_vm_backend);
        tcase_add_test(tc, test_idle_shared_memory_backend);
        tcase_add_test(tc, test_idle_passthrough);
        tcase_add_test(tc, test_task_issued_requests);
        tcase_add_test(tc, test_task_issued_amp);
        tcase_add_test(tc, test_backend_thread);
        tcase_add_test(tc, test_polling_core);
        tcase_add_test(tc, test_can_example);
        tcase_add_test(tc, test_loader_diagnostics);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
