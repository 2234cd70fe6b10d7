/*
 * Tests of the loader's memory parts (sim/scenario.c): the platform "memory" section, the
 * scenario's "profiles", a task's "profile" and "instructions", an OS's "colours" and
 * "llc_ways", and "regulation".
 *
 * The fixtures are the two texts below, written to a fresh temporary directory; each bad case
 * replaces one unique piece of one of them, so it tests exactly one rule. Its expected line is
 * the line of that piece in the text (counted from the listings, line 1 = "{").
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/scenario.h"

static const char *const base_platform =
    "{\n"                                                                               /* 1 */
    "  \"name\": \"memplat\",\n"                                                        /* 2 */
    "  \"cores\": [ { \"name\": \"cpu0\", \"clock_mhz\": 1000 },\n"                     /* 3 */
    "             { \"name\": \"cpu1\", \"clock_mhz\": 1000 } ],\n"                     /* 4 */
    "  \"memory\": {\n"                                                                 /* 5 */
    "    \"line_bytes\": 64,\n"                                                         /* 6 */
    "    \"l1\": { \"size_kib\": 32, \"ways\": 4, \"hit_cycles\": 2, \"mshrs\": 4 },\n" /* 7 */
    "    \"llc\": { \"size_kib\": 1024, \"ways\": 16, \"hit_cycles\": 10, \"clock_mhz\": 1000,"
    " \"mshrs\": 16 },\n" /* 8 */
    "    \"interconnect\": { \"kind\": \"bus\", \"width_bytes\": 16, \"clock_mhz\": 1000 },\n"
    /* 9 */
    "    \"dram\": { \"clock_mhz\": 800, \"channels\": 1, \"banks\": 8, \"rows\": 65536,\n" /* 10 */
    "              \"row_bytes\": 8192, \"t_rcd\": 11, \"t_rp\": 11, \"t_cl\": 11,"
    " \"burst_cycles\": 4 }\n" /* 11 */
    "  }\n"                    /* 12 */
    "}\n";                     /* 13 */

static const char *const base_scenario =
    "{\n"                                                          /* 1 */
    "  \"name\": \"mem\",\n"                                       /* 2 */
    "  \"platform\": \"plat.json\",\n"                             /* 3 */
    "  \"run\": { \"duration_ms\": 10 },\n"                        /* 4 */
    "  \"profiles\": {\n"                                          /* 5 */
    "    \"walk\": { \"instructions\": 1000, \"base_cpi\": 1.5,\n" /* 6 */
    "              \"accesses_per_kilo_instruction\": 100, \"working_set_bytes\": 65536,\n"
    /* 7 */
    "              \"pattern\": \"random\", \"writes_per_thousand\": 250 }\n"               /* 8 */
    "  },\n"                                                                                /* 9 */
    "  \"oses\": [ { \"name\": \"a\", \"cores\": [\"cpu0\", \"cpu1\"],\n"                   /* 10 */
    "              \"scheduler\": \"fixed_priority\", \"colours\": [0, 3],\n"               /* 11 */
    "              \"llc_ways\": [4, 5],\n"                                                 /* 12 */
    "              \"tasks\": [ { \"name\": \"t\", \"core\": \"cpu0\", \"period_ms\": 1,\n" /* 13 */
    "                           \"priority\": 1, \"profile\": \"walk\" },\n"                /* 14 */
    "                         { \"name\": \"u\", \"core\": \"cpu1\", \"period_ms\": 1,\n"   /* 15 */
    "                           \"priority\": 1, \"execution_cycles\": 100 } ] } ],\n"      /* 16 */
    "  \"regulation\": { \"period_us\": 100,\n"                                             /* 17 */
    "                  \"budgets\": [ { \"core\": \"cpu1\", \"bytes\": 6400 } ] }\n"        /* 18 */
    "}\n";                                                                                  /* 19 */

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

/* `text` with its one occurrence of `from` replaced by `to` (malloc'd). */
static char *replace_once(const char *text, const char *from, const char *to)
{
        const char *at = strstr(text, from);
        size_t head, total;
        char *out;

        ck_assert_ptr_nonnull(at);
        ck_assert_ptr_null(strstr(at + 1, from)); /* the piece must be unique */
        head = (size_t)(at - text);
        total = strlen(text) - strlen(from) + strlen(to);
        out = malloc(total + 1);
        ck_assert_ptr_nonnull(out);
        memcpy(out, text, head);
        memcpy(out + head, to, strlen(to));
        strcpy(out + head + strlen(to), at + strlen(from));
        return out;
}

static int load(const char *platform, const char *scenario, struct scenario *s,
                struct scenario_diag *d)
{
        char path[128];

        write_file("plat.json", platform);
        write_file("scen.json", scenario);
        snprintf(path, sizeof(path), "%s/scen.json", dir);
        return scenario_load(path, s, d);
}

static void setup(void)
{
        strcpy(dir, "/tmp/mosaic-memtest-XXXXXX");
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

START_TEST(test_valid_memory)
{
        struct scenario s;
        struct scenario_diag d;
        int rc = load(base_platform, base_scenario, &s, &d);

        ck_assert_msg(rc == 0, "%s:%d %s: %s", d.file, d.line, d.path, d.message);
        const struct memory_config *m = &s.platform.memory;
        ck_assert(m->present);
        ck_assert_uint_eq(m->line_bytes, 64);
        ck_assert_uint_eq(m->page_bytes, 4096); /* default */
        ck_assert_uint_eq(m->l1.size_bytes, 32768);
        ck_assert_uint_eq(m->l1.ways, 4);
        ck_assert_uint_eq(m->l1.mshrs, 4);
        ck_assert_int_eq(m->l1.replacement, MEMORY_LRU); /* default */
        ck_assert_uint_eq(m->llc.size_bytes, 1048576);
        ck_assert_uint_eq(m->llc_clock_hz, 1000000000ull);
        ck_assert(!m->crossbar);
        ck_assert(!m->fixed_priority);
        ck_assert_uint_eq(m->bus_width_bytes, 16);
        ck_assert_uint_eq(m->dram_clock_hz, 800000000ull);
        ck_assert_uint_eq(m->dram_t_cl, 11);
        ck_assert_uint_eq(m->dram_burst_cycles, 4);

        ck_assert_uint_eq(s.profile_count, 1);
        const struct memory_profile_config *p = &s.profiles[0];
        ck_assert_str_eq(p->name, "walk");
        ck_assert_uint_eq(p->instructions, 1000);
        ck_assert_double_eq(p->base_cpi, 1.5);
        ck_assert_uint_eq(p->accesses_per_kilo_instruction, 100);
        ck_assert_uint_eq(p->working_set_bytes, 65536);
        ck_assert_int_eq(p->pattern, MEMORY_RANDOM_ACCESS);
        ck_assert_uint_eq(p->access_bytes, 8); /* default */
        ck_assert_uint_eq(p->writes_per_thousand, 250);

        const struct os_config *os = &s.oses[0];
        ck_assert_uint_eq(os->colour_mask, 0x9); /* colours 0 and 3 */
        ck_assert_uint_eq(os->way_mask, 0x30);   /* ways 4 and 5 */
        ck_assert_ptr_eq(os->tasks[0].profile, p);
        ck_assert_uint_eq(os->tasks[0].instructions, 1000); /* the profile's default */
        ck_assert_ptr_null(os->tasks[1].profile);
        ck_assert_uint_eq(os->tasks[1].demand.max_cycles, 100);

        ck_assert(s.regulation.present);
        ck_assert_uint_eq(s.regulation.period_ps, 100000000ull); /* 100 us */
        ck_assert_uint_eq(s.regulation.core_budget_bytes[0], 0);
        ck_assert_uint_eq(s.regulation.core_budget_bytes[1], 6400);
        scenario_free(&s);
}
END_TEST

START_TEST(test_task_instructions_override)
{
        struct scenario s;
        struct scenario_diag d;
        char *scenario = replace_once(base_scenario, "\"profile\": \"walk\" }",
                                      "\"profile\": \"walk\", \"instructions\": 5000 }");
        int rc = load(base_platform, scenario, &s, &d);

        ck_assert_msg(rc == 0, "%s:%d %s: %s", d.file, d.line, d.path, d.message);
        ck_assert_uint_eq(s.oses[0].tasks[0].instructions, 5000);
        ck_assert(!s.run.slowdown_reference); /* default */
        scenario_free(&s);
        free(scenario);
}
END_TEST

START_TEST(test_trace_profile)
{
        struct scenario s;
        struct scenario_diag d;
        char *scenario = replace_once(base_scenario,
                                      "\"accesses_per_kilo_instruction\": 100, "
                                      "\"working_set_bytes\": 65536,\n"
                                      "              \"pattern\": \"random\", "
                                      "\"writes_per_thousand\": 250 }",
                                      "\"pattern\": \"trace\", \"trace\": \"walk.trace\" }");
        char path[128];
        int rc;

        write_file("walk.trace", "I 9\nR 0x40 8\nW 80 8\n");
        rc = load(base_platform, scenario, &s, &d);
        ck_assert_msg(rc == 0, "%s:%d %s: %s", d.file, d.line, d.path, d.message);
        ck_assert_int_eq(s.profiles[0].pattern, MEMORY_TRACE);
        snprintf(path, sizeof(path), "%s/walk.trace", dir); /* relative to the scenario */
        ck_assert_str_eq(s.profiles[0].trace_file, path);
        ck_assert_uint_eq(s.profiles[0].trace_len, 20); /* the file's 20 bytes, as read */
        ck_assert_int_eq(memcmp(s.profiles[0].trace_text, "I 9\nR 0x40 8\nW 80 8\n", 20), 0);
        scenario_free(&s);
        free(scenario);
        (void)unlink(path);
}
END_TEST

START_TEST(test_slowdown_reference)
{
        struct scenario s;
        struct scenario_diag d;
        char *scenario = replace_once(base_scenario, "\"duration_ms\": 10 }",
                                      "\"duration_ms\": 10, \"slowdown_reference\": true }");
        int rc = load(base_platform, scenario, &s, &d);

        ck_assert_msg(rc == 0, "%s:%d %s: %s", d.file, d.line, d.path, d.message);
        ck_assert(s.run.slowdown_reference);
        scenario_free(&s);
        free(scenario);
}
END_TEST

START_TEST(test_platform_without_memory)
{
        struct scenario s;
        struct scenario_diag d;
        /* everything from "memory" to the end of its object removed */
        const char *start = strstr(base_platform, ",\n  \"memory\"");
        char *platform = strndup(base_platform, (size_t)(start - base_platform));
        char *text = malloc(strlen(platform) + 8);
        char *scenario = replace_once(base_scenario, "\"colours\": [0, 3],\n", "\n");

        ck_assert_ptr_nonnull(text);
        strcpy(text, platform);
        strcat(text, "\n}\n");
        char *shorter = replace_once(scenario, "              \"llc_ways\": [4, 5],\n", "");

        free(scenario);
        scenario = shorter;
        /* the task's profile needs the memory section: line 13 once two lines shrink to one */
        ck_assert_int_eq(load(text, scenario, &s, &d), -EINVAL);
        ck_assert_str_eq(d.path, "$.oses[0].tasks[0].profile");
        ck_assert_int_eq(d.line, 13);
        ck_assert_ptr_nonnull(strstr(d.message, "has no 'memory' section"));
        free(scenario);
        free(text);
        free(platform);
}
END_TEST

struct bad_case {
        bool in_platform; /* the defect is in the platform file, else in the scenario */
        const char *from;
        const char *to;
        const char *path;
        int line;
        const char *message; /* a fragment of the diagnostic */
};

static const struct bad_case bad_cases[] = {
        { false, "\"pattern\": \"random\"", "\"pattern\": \"trace\", \"trace\": \"t.trace\"",
          "$.profiles.walk.accesses_per_kilo_instruction", 7, "does not apply to pattern 'trace'" },
        { false,
          "\"accesses_per_kilo_instruction\": 100, \"working_set_bytes\": 65536,\n"
          "              \"pattern\": \"random\", \"writes_per_thousand\": 250 }",
          "\"pattern\": \"trace\", \"trace\": \"nope.trace\" }", "$.profiles.walk.trace", 7,
          "cannot read trace file" },
        { false, "\"duration_ms\": 10 }", "\"duration_ms\": 10, \"slowdown_reference\": 1 }",
          "$.run.slowdown_reference", 4, "expected true or false" },
        /* 32 KiB in 3 ways is not sets x ways x 64 B with sets a power of two */
        { true, "\"ways\": 4,", "\"ways\": 3,", "$.memory.l1.ways", 7, "power-of-two number" },
        { true, "\"size_kib\": 32,", "\"size_kib\": 48,", "$.memory.l1.size_kib", 7,
          "48 is not a power of two" },
        { true, "\"kind\": \"bus\"", "\"kind\": \"buss\"", "$.memory.interconnect.kind", 9,
          "did you mean 'bus'?" },
        { true, "\"t_cl\": 11, ", "", "$.memory.dram", 10, "missing required key 't_cl'" },
        { true, "\"line_bytes\": 64,", "\"line_bytes\": 64, \"l3\": {},", "$.memory.l3", 6,
          "unknown key 'l3'; did you mean 'l1'?" },
        /* 16 bytes per cycle must divide the 64-byte line: 24 does not */
        { true, "\"width_bytes\": 16", "\"width_bytes\": 24", "$.memory.interconnect.width_bytes",
          9, "must divide the line size" },
        { false, "\"pattern\": \"random\"", "\"pattern\": \"pointer-chase\"",
          "$.profiles.walk.pattern", 8, "did you mean 'pointer_chase'?" },
        { false, "\"base_cpi\": 1.5", "\"base_cpi\": 0", "$.profiles.walk.base_cpi", 6,
          "must be in (0, 1000]" },
        { false, "\"profile\": \"walk\"", "\"profile\": \"wlak\"", "$.oses[0].tasks[0].profile", 14,
          "unknown profile 'wlak'; did you mean 'walk'?" },
        { false, "\"profile\": \"walk\" }", "\"profile\": \"walk\", \"execution_cycles\": 9 }",
          "$.oses[0].tasks[0].execution_cycles", 14, "'execution_cycles' is not allowed" },
        /* 1 MiB / 16 ways = 64 KiB a way = 16 pages of 4 KiB: colours 0..15 */
        { false, "\"colours\": [0, 3]", "\"colours\": [0, 16]", "$.oses[0].colours[1]", 11,
          "colour index in [0, 15]" },
        { false, "\"llc_ways\": [4, 5]", "\"llc_ways\": [4, 4]", "$.oses[0].llc_ways[1]", 12,
          "way 4 is listed twice" },
        { false, "\"core\": \"cpu1\", \"bytes\"", "\"core\": \"cpu9\", \"bytes\"",
          "$.regulation.budgets[0].core", 18, "unknown core 'cpu9'" },
        { false, "\"period_ms\": 1,\n                           \"priority\": 1, \"execution",
          "\"period_ms\": 1, \"instructions\": 5,\n                           \"priority\": 1, "
          "\"execution",
          "$.oses[0].tasks[1].instructions", 15, "'instructions' needs a 'profile'" },
};

START_TEST(test_bad_memory_input)
{
        const struct bad_case *c = &bad_cases[_i];
        struct scenario s;
        struct scenario_diag d;
        char *text = replace_once(c->in_platform ? base_platform : base_scenario, c->from, c->to);
        int rc =
            c->in_platform ? load(text, base_scenario, &s, &d) : load(base_platform, text, &s, &d);

        ck_assert_int_eq(rc, -EINVAL);
        ck_assert_str_eq(d.path, c->path);
        ck_assert_int_eq(d.line, c->line);
        ck_assert_msg(strstr(d.message, c->message) != NULL, "message '%s' lacks '%s'", d.message,
                      c->message);
        ck_assert_ptr_nonnull(strstr(d.file, c->in_platform ? "plat.json" : "scen.json"));
        free(text);
}
END_TEST

static Suite *memory_suite(void)
{
        Suite *s = suite_create("scenario_memory");
        TCase *tc = tcase_create("memory");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_valid_memory);
        tcase_add_test(tc, test_task_instructions_override);
        tcase_add_test(tc, test_platform_without_memory);
        tcase_add_test(tc, test_slowdown_reference);
        tcase_add_test(tc, test_trace_profile);
        tcase_add_loop_test(tc, test_bad_memory_input, 0,
                            (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *runner = srunner_create(memory_suite());
        int failed;

        srunner_run_all(runner, CK_NORMAL);
        failed = srunner_ntests_failed(runner);
        srunner_free(runner);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
