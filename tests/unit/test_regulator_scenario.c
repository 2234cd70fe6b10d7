/*
 * Shared regulation domains from the scenario to the platform: the loader's "shared" budgets
 * (sim/scenario.c: one domain for all the cores of an OS or VM, its rules and diagnostics) and
 * the regulator platform_memory builds from them (models/platform_memory.c: the domain's
 * metrics, and one budget counted for all its cores in a run).
 *
 * The fixtures are written to a fresh temporary directory: a three-core platform with a memory
 * section, an AMP scenario (victim on cpu0; hogs on cpu1 and cpu2) and a hypervisor scenario
 * (rtos on cpu0, linux on cpu1 and cpu2, optionally svc sharing cpu2), each with the
 * "budgets" array put in by the test.
 */
#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/platform.h"
#include "sim/metrics.h"
#include "sim/scenario.h"
#include "sim/sim.h"

static const char *const platform_text =
    "{ \"name\": \"regplat\",\n"
    "  \"cores\": [ { \"name\": \"cpu0\", \"clock_mhz\": 1000 },\n"
    "             { \"name\": \"cpu1\", \"clock_mhz\": 1000 },\n"
    "             { \"name\": \"cpu2\", \"clock_mhz\": 1000 } ],\n"
    "  \"memory\": { \"line_bytes\": 64,\n"
    "    \"l1\": { \"size_kib\": 32, \"ways\": 4, \"hit_cycles\": 2, \"mshrs\": 4 },\n"
    "    \"llc\": { \"size_kib\": 1024, \"ways\": 16, \"hit_cycles\": 10, \"clock_mhz\": 1000,"
    " \"mshrs\": 16 },\n"
    "    \"interconnect\": { \"kind\": \"bus\", \"width_bytes\": 16, \"clock_mhz\": 1000 },\n"
    "    \"dram\": { \"clock_mhz\": 800, \"channels\": 1, \"banks\": 8, \"rows\": 65536,\n"
    "              \"row_bytes\": 8192, \"t_rcd\": 11, \"t_rp\": 11, \"t_cl\": 11,"
    " \"burst_cycles\": 4 } } }\n";

/* A stream: 500 accesses of 8 B per 1000 instructions at CPI 0.5 walk a new 64-B line every
 * 16 instructions (16 ns at 1 GHz), far faster than 6400 B per 100 us lets through. */
#define PROFILES                                                                                   \
        "  \"profiles\": { \"stream\": { \"instructions\": 1000000000000, \"base_cpi\": 0.5,\n"    \
        "    \"accesses_per_kilo_instruction\": 500, \"working_set_bytes\": 16777216,\n"           \
        "    \"pattern\": \"sequential\" } },\n"

/* The budgets array goes between the two parts. The hogs' only task streams on cpu1; cpu2
 * stays idle. */
static const char *const amp_text[2] = {
        "{ \"name\": \"regamp\", \"platform\": \"plat.json\", \"run\": { \"duration_ms\": 1 "
        "},\n" PROFILES
        "  \"oses\": [ { \"name\": \"victim\", \"cores\": [\"cpu0\"], \"scheduler\": "
        "\"fixed_priority\",\n"
        "              \"tasks\": [ { \"name\": \"t\", \"core\": \"cpu0\", \"period_ms\": 1,\n"
        "                           \"priority\": 1, \"execution_cycles\": 1000 } ] },\n"
        "            { \"name\": \"hogs\", \"cores\": [\"cpu1\", \"cpu2\"], \"scheduler\": "
        "\"fixed_priority\",\n"
        "              \"tasks\": [ { \"name\": \"s\", \"core\": \"cpu1\", \"period_ms\": 1000,\n"
        "                           \"priority\": 1, \"profile\": \"stream\" } ] } ],\n"
        "  \"regulation\": { \"period_us\": 100, \"budgets\": ",
        " }\n}\n"
};

/* An extra VM (or nothing) goes between the first two parts, the budgets between the last two. */
static const char *const hv_text[3] = {
        "{ \"name\": \"reghv\", \"platform\": \"plat.json\", \"run\": { \"duration_ms\": 1 "
        "},\n" PROFILES "  \"hypervisor\": { \"policy\": \"rtds\" },\n"
        "  \"vms\": [ { \"name\": \"rtos\", \"vcpus\": [ { \"core\": \"cpu0\" } ],\n"
        "             \"os\": { \"scheduler\": \"fixed_priority\" },\n"
        "             \"tasks\": [ { \"name\": \"t\", \"period_ms\": 1, \"priority\": 1,\n"
        "                          \"execution_cycles\": 1000 } ] },\n"
        "           { \"name\": \"linux\", \"vcpus\": [ { \"core\": \"cpu1\" }, { \"core\": "
        "\"cpu2\" } "
        "],\n"
        "             \"os\": { \"scheduler\": \"fixed_priority\" },\n"
        "             \"tasks\": [ { \"name\": \"s\", \"vcpu\": 0, \"period_ms\": 1000, "
        "\"priority\": "
        "1,\n"
        "                          \"profile\": \"stream\" } ] }",
        " ],\n  \"regulation\": { \"period_us\": 100, \"budgets\": ", " }\n}\n"
};

static const char *const svc_vm =
    ",\n           { \"name\": \"svc\", \"vcpus\": [ { \"core\": \"cpu2\" } ],\n"
    "             \"os\": { \"scheduler\": \"fixed_priority\" },\n"
    "             \"tasks\": [ { \"name\": \"w\", \"period_ms\": 1, \"priority\": 1,\n"
    "                          \"execution_cycles\": 1000 } ] }";

static char dir[64];

static void write_file(const char *name, const char *text)
{
        char path[128];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(fputs(text, f) >= 0, 1);
        ck_assert_int_eq(fclose(f), 0);
}

/* Load the scenario made of `count` strings. */
static int load(const char *const *parts, size_t count, struct scenario *s, struct scenario_diag *d)
{
        char text[4096] = "", path[128];

        for (size_t i = 0; i < count; i++) {
                ck_assert_uint_lt(strlen(text) + strlen(parts[i]), sizeof(text));
                strcat(text, parts[i]);
        }
        write_file("plat.json", platform_text);
        write_file("scen.json", text);
        snprintf(path, sizeof(path), "%s/scen.json", dir);
        memset(d, 0, sizeof(*d));
        return scenario_load(path, s, d);
}

static int load_amp(const char *budgets, struct scenario *s, struct scenario_diag *d)
{
        const char *const parts[] = { amp_text[0], budgets, amp_text[1] };

        return load(parts, 3, s, d);
}

static int load_hv(const char *extra_vm, const char *budgets, struct scenario *s,
                   struct scenario_diag *d)
{
        const char *const parts[] = { hv_text[0], extra_vm, hv_text[1], budgets, hv_text[2] };

        return load(parts, 5, s, d);
}

static void setup(void)
{
        strcpy(dir, "/tmp/mosaic-regtest-XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
        char path[128];

        snprintf(path, sizeof(path), "%s/plat.json", dir);
        (void)unlink(path);
        snprintf(path, sizeof(path), "%s/scen.json", dir);
        (void)unlink(path);
        (void)rmdir(dir);
}

START_TEST(test_amp_shared_budget)
{
        struct scenario s;
        struct scenario_diag d;
        int rc = load_amp("[ { \"os\": \"hogs\", \"bytes\": 6400, \"shared\": true },\n"
                          "  { \"core\": \"cpu0\", \"bytes\": 640 } ]",
                          &s, &d);
        const struct regulation_config *g = &s.regulation;

        ck_assert_msg(rc == 0, "%d %s: %s", d.line, d.path, d.message);
        ck_assert_uint_eq(g->domain_count, 1);
        ck_assert_uint_eq(g->domains[0].os, 1);
        ck_assert_uint_eq(g->domains[0].budget_bytes, 6400);
        ck_assert_uint_eq(g->core_domain[0], SIZE_MAX);
        ck_assert_uint_eq(g->core_domain[1], 0);
        ck_assert_uint_eq(g->core_domain[2], 0);
        /* the shared cores have no budget of their own; cpu0 keeps its per-core one */
        ck_assert_uint_eq(g->core_budget_bytes[0], 640);
        ck_assert_uint_eq(g->core_budget_bytes[1], 0);
        ck_assert_uint_eq(g->core_budget_bytes[2], 0);
        scenario_free(&s);
}
END_TEST

START_TEST(test_vm_shared_budget)
{
        struct scenario s;
        struct scenario_diag d;
        int rc =
            load_hv("", "[ { \"os\": \"linux\", \"bytes\": 6400, \"shared\": true } ]", &s, &d);

        ck_assert_msg(rc == 0, "%d %s: %s", d.line, d.path, d.message);
        ck_assert_uint_eq(s.regulation.domain_count, 1);
        ck_assert_str_eq(s.oses[s.regulation.domains[0].os].entity, "vm/linux");
        ck_assert_uint_eq(s.regulation.core_domain[0], SIZE_MAX);
        ck_assert_uint_eq(s.regulation.core_domain[1], 0);
        ck_assert_uint_eq(s.regulation.core_domain[2], 0);
        scenario_free(&s);
}
END_TEST

struct bad_case {
        bool hv;
        const char *budgets;
        const char *path;
        const char *message;
};

static const struct bad_case bad_cases[] = {
        { false, "[ { \"core\": \"cpu1\", \"bytes\": 64, \"shared\": true } ]",
          "$.regulation.budgets[0].shared", "'shared' applies to an 'os' budget" },
        { false, "[ { \"os\": \"hogs\", \"bytes\": 64, \"shared\": 1 } ]",
          "$.regulation.budgets[0].shared", "expected true or false" },
        { false,
          "[ { \"os\": \"hogs\", \"bytes\": 64, \"shared\": true },"
          " { \"core\": \"cpu2\", \"bytes\": 64 } ]",
          "$.regulation.budgets[1].core", "core 'cpu2' is already in the shared budget of 'hogs'" },
        { false,
          "[ { \"os\": \"hogs\", \"bytes\": 64, \"shared\": true },"
          " { \"os\": \"hogs\", \"bytes\": 64 } ]",
          "$.regulation.budgets[1].os", "core 'cpu1' is already in the shared budget of 'hogs'" },
        { false,
          "[ { \"os\": \"hogs\", \"bytes\": 64, \"shared\": true },"
          " { \"os\": \"hogs\", \"bytes\": 64, \"shared\": true } ]",
          "$.regulation.budgets[1].os", "core 'cpu1' is already in the shared budget of 'hogs'" },
        { false,
          "[ { \"core\": \"cpu2\", \"bytes\": 64 },"
          " { \"os\": \"hogs\", \"bytes\": 64, \"shared\": true } ]",
          "$.regulation.budgets[1].os", "core 'cpu2' already has a budget of its own" },
        /* svc has a vCPU on cpu2 next to linux: a request from cpu2 has no one owner */
        { true, "[ { \"os\": \"linux\", \"bytes\": 64, \"shared\": true } ]",
          "$.regulation.budgets[0].os",
          "a shared budget needs the cores of 'linux' to itself, but 'svc' also runs on core "
          "'cpu2' (requests are counted by the core that issues them)" },
};

START_TEST(test_bad_shared_budget)
{
        const struct bad_case *c = &bad_cases[_i];
        struct scenario s;
        struct scenario_diag d;
        int rc = c->hv ? load_hv(svc_vm, c->budgets, &s, &d) : load_amp(c->budgets, &s, &d);

        ck_assert_int_eq(rc, -EINVAL);
        ck_assert_str_eq(d.path, c->path);
        ck_assert_msg(strstr(d.message, c->message) != NULL, "message '%s' lacks '%s'", d.message,
                      c->message);
        ck_assert_int_gt(d.line, 0);
}
END_TEST

/* Without "shared" an OS budget is still one budget per core, and svc may share cpu2. */
START_TEST(test_per_core_budgets_unchanged)
{
        struct scenario s;
        struct scenario_diag d;
        int rc = load_hv(svc_vm, "[ { \"os\": \"linux\", \"bytes\": 6400 } ]", &s, &d);

        ck_assert_msg(rc == 0, "%d %s: %s", d.line, d.path, d.message);
        ck_assert_uint_eq(s.regulation.domain_count, 0);
        ck_assert_uint_eq(s.regulation.core_budget_bytes[1], 6400);
        ck_assert_uint_eq(s.regulation.core_budget_bytes[2], 6400);
        ck_assert_uint_eq(s.regulation.core_domain[2], SIZE_MAX);
        scenario_free(&s);
}
END_TEST

/* Build and run the AMP (or hypervisor) fixture in detailed fidelity for 1 ms (10 periods of
 * 100 us). */
static struct metrics *run(bool hv, const char *budgets)
{
        struct scenario s;
        struct scenario_diag d;
        struct platform *platform;
        struct sim *sim = sim_create(NULL);
        struct metrics *metrics = metrics_create();
        int rc = hv ? load_hv("", budgets, &s, &d) : load_amp(budgets, &s, &d);

        ck_assert_msg(rc == 0, "%d %s: %s", d.line, d.path, d.message);
        ck_assert_ptr_nonnull(sim);
        ck_assert_ptr_nonnull(metrics);
        ck_assert_int_eq(platform_build(&s, sim, metrics, &platform), 0);
        ck_assert_int_eq(sim_run_until(sim, s.run.duration_ps), 0);
        ck_assert_int_eq(platform_error(platform), 0);
        platform_finish(platform, s.run.duration_ps);
        platform_destroy(platform);
        sim_destroy(sim);
        scenario_free(&s);
        return metrics;
}

/* Requests that reached DRAM: only the stream has memory traffic (the other tasks are plain
 * execution_cycles), and the regulator sits right in front of DRAM. */
static uint64_t fills(const struct metrics *m)
{
        const struct metric *requests = metrics_find(m, "mem/dram", "requests");

        ck_assert_ptr_nonnull(requests);
        return requests->counter;
}

/*
 * One stream on cpu1, cpu2 idle, for 1 ms: periods of 100 us start at 0, 100, ..., 900 us and
 * at 1 ms, the run's last instant, whose boundary still admits what is held then. Each 64-B
 * fill from DRAM is one request of 64 bytes, and the stream wants far more than any budget
 * here (a line every 16 ns; 4 miss slots at ~70 ns each), so each of the 10 whole periods
 * admits exactly its budget in lines (64 divides the budgets), and the boundary at 1 ms adds
 * the requests held then: at most the L1's 4 miss slots.
 *  - with 3200 bytes of its own (the per-core split of 6400 over the pair): 10 x 50 = 500
 *    requests, plus at most 4;
 *  - under one budget of 6400 shared by cpu1 and cpu2: idle cpu2 leaves all of it to cpu1,
 *    10 x 100 = 1000, plus at most 4.
 */
START_TEST(test_shared_budget_run)
{
        struct metrics *shared =
            run(false, "[ { \"os\": \"hogs\", \"bytes\": 6400, \"shared\": true } ]");
        struct metrics *split = run(false, "[ { \"os\": \"hogs\", \"bytes\": 3200 } ]");
        const struct metric *held = metrics_find(shared, "mem/regulator/os/hogs", "throttled_time");
        const struct metric *held_requests =
            metrics_find(shared, "mem/regulator/os/hogs", "throttled_requests");

        ck_assert_uint_ge(fills(split), 500);
        ck_assert_uint_le(fills(split), 504);
        ck_assert_uint_ge(fills(shared), 1000);
        ck_assert_uint_le(fills(shared), 1004);
        /* the shared domain's metrics, and no per-core ones for its cores */
        ck_assert_ptr_nonnull(held);
        ck_assert_ptr_nonnull(held_requests);
        ck_assert_uint_gt(held_requests->counter, 0);
        ck_assert_double_gt(held->gauge, 0.0);
        ck_assert_ptr_null(metrics_find(shared, "mem/regulator/cpu1", "throttled_time"));
        ck_assert_ptr_null(metrics_find(shared, "mem/regulator/cpu2", "throttled_time"));
        ck_assert_ptr_nonnull(metrics_find(split, "mem/regulator/cpu1", "throttled_time"));
        ck_assert_ptr_null(metrics_find(split, "mem/regulator/os/hogs", "throttled_time"));
        metrics_destroy(shared);
        metrics_destroy(split);
}
END_TEST

/*
 * The same under the hypervisor: linux's vCPU 0 on cpu1 streams, its vCPU 1 on cpu2 is idle,
 * and the VM's shared budget is 6400 bytes per 100 us. RTDS's default budget (4 ms every
 * 10 ms) keeps vCPU 0 running through the 1-ms run, and no hypervisor work has a memory profile
 * here, so again 1000 requests plus at most 4 reach DRAM, counted under mem/regulator/vm/linux.
 */
START_TEST(test_vm_shared_budget_run)
{
        struct metrics *m =
            run(true, "[ { \"os\": \"linux\", \"bytes\": 6400, \"shared\": true } ]");
        const struct metric *held = metrics_find(m, "mem/regulator/vm/linux", "throttled_requests");

        ck_assert_uint_ge(fills(m), 1000);
        ck_assert_uint_le(fills(m), 1004);
        ck_assert_ptr_nonnull(held);
        ck_assert_uint_gt(held->counter, 0);
        metrics_destroy(m);
}
END_TEST

static Suite *regulator_scenario_suite(void)
{
        Suite *suite = suite_create("regulator_scenario");
        TCase *tc = tcase_create("shared");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_amp_shared_budget);
        tcase_add_test(tc, test_vm_shared_budget);
        tcase_add_loop_test(tc, test_bad_shared_budget, 0,
                            (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
        tcase_add_test(tc, test_per_core_budgets_unchanged);
        tcase_add_test(tc, test_shared_budget_run);
        tcase_add_test(tc, test_vm_shared_budget_run);
        suite_add_tcase(suite, tc);
        return suite;
}

int main(void)
{
        SRunner *runner = srunner_create(regulator_scenario_suite());
        int failed;

        srunner_run_all(runner, CK_NORMAL);
        failed = srunner_ntests_failed(runner);
        srunner_free(runner);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
