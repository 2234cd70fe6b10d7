/*
 * mem_profile: validation, the instruction spacing of accesses, the address patterns, the
 * per-(profile, initiator) streams, and the trace parser (own format and valgrind lackey).
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "models/hw/mem_profile.h"

static struct mem_profile base_profile(enum mem_pattern pattern)
{
        return (struct mem_profile){ .name = "p",
                                     .base_cpi = 1.0,
                                     .accesses_per_kilo_instruction = 250,
                                     .working_set_bytes = 4096,
                                     .pattern = pattern,
                                     .stride_bytes = 256 };
}

START_TEST(test_validate)
{
        struct mem_profile p = base_profile(MEM_PATTERN_SEQUENTIAL);

        ck_assert_int_eq(mem_profile_validate(&p), 0);
        p.working_set_bytes = 4; /* smaller than one 8-B access */
        ck_assert_int_eq(mem_profile_validate(&p), -EINVAL);
        p = base_profile(MEM_PATTERN_STRIDED);
        p.stride_bytes = 0;
        ck_assert_int_eq(mem_profile_validate(&p), -EINVAL);
        p = base_profile(MEM_PATTERN_RANDOM);
        p.writes_per_thousand = 1001;
        ck_assert_int_eq(mem_profile_validate(&p), -EINVAL);
        p = base_profile(MEM_PATTERN_TRACE);
        ck_assert_int_eq(mem_profile_validate(&p), -EINVAL); /* no trace */
        p = base_profile(MEM_PATTERN_RANDOM);
        p.base_cpi = -1.0;
        ck_assert_int_eq(mem_profile_validate(&p), -EINVAL);
}
END_TEST

START_TEST(test_spacing)
{
        /* apki 250: instruction k carries an access when floor(k / 4) grows: gaps 4, 4, ...
         * apki 300: accesses at instructions 4, 7, 10, 14, 17, 20, 24 (floor(3k/10) grows at
         * k = 4, 7, 10, 14, ...): gaps 4, 3, 3, 4, 3, 3, 4. apki 2500: 2.5 per instruction:
         * k = 1 -> 2 (gaps 1, 0), k = 2 -> 3 more (gaps 1, 0, 0). */
        static const uint32_t gaps300[] = { 4, 3, 3, 4, 3, 3, 4 };
        static const uint32_t gaps2500[] = { 1, 0, 1, 0, 0, 1, 0 };
        struct mem_profile p = base_profile(MEM_PATTERN_SEQUENTIAL);
        struct mem_gen gen;
        struct mem_access a;
        uint64_t instructions = 0, accesses = 0;

        mem_gen_init(&gen, &p, 1, 0, 0);
        for (int i = 0; i < 10; i++) {
                mem_gen_next(&gen, &a);
                ck_assert_uint_eq(a.gap_instructions, 4);
        }
        p.accesses_per_kilo_instruction = 300;
        mem_gen_init(&gen, &p, 1, 0, 0);
        for (size_t i = 0; i < sizeof(gaps300) / sizeof(gaps300[0]); i++) {
                mem_gen_next(&gen, &a);
                ck_assert_uint_eq(a.gap_instructions, gaps300[i]);
        }
        p.accesses_per_kilo_instruction = 2500;
        mem_gen_init(&gen, &p, 1, 0, 0);
        for (size_t i = 0; i < sizeof(gaps2500) / sizeof(gaps2500[0]); i++) {
                mem_gen_next(&gen, &a);
                ck_assert_uint_eq(a.gap_instructions, gaps2500[i]);
        }
        /* Over many accesses: exactly floor(N * apki / 1000) accesses in N instructions. */
        p.accesses_per_kilo_instruction = 37;
        mem_gen_init(&gen, &p, 1, 0, 0);
        while (instructions < 1000000) {
                mem_gen_next(&gen, &a);
                instructions += a.gap_instructions;
                if (instructions <= 1000000)
                        accesses++;
        }
        ck_assert_uint_eq(accesses, 37000);
}
END_TEST

START_TEST(test_sequential_and_strided)
{
        struct mem_profile p = base_profile(MEM_PATTERN_SEQUENTIAL);
        struct mem_gen gen;
        struct mem_access a;

        /* 8-B accesses over 4096 B from base 0x10000: 512 addresses, then wrap */
        mem_gen_init(&gen, &p, 1, 0, 0x10000);
        for (uint64_t i = 0; i < 1024; i++) {
                mem_gen_next(&gen, &a);
                ck_assert_uint_eq(a.addr, 0x10000 + (i % 512) * 8);
                ck_assert_uint_eq(a.size_bytes, 8);
                ck_assert_uint_eq(a.op, MEM_READ);
        }
        /* stride 256 over 4096: 16 addresses */
        p = base_profile(MEM_PATTERN_STRIDED);
        mem_gen_init(&gen, &p, 1, 0, 0);
        for (uint64_t i = 0; i < 40; i++) {
                mem_gen_next(&gen, &a);
                ck_assert_uint_eq(a.addr, (i % 16) * 256);
        }
}
END_TEST

START_TEST(test_pointer_chase_visits_every_node_per_lap)
{
        /* 100 nodes of 64 B (not a power of two): each lap of 100 accesses is a permutation,
         * and every lap repeats the first. */
        struct mem_profile p = base_profile(MEM_PATTERN_POINTER_CHASE);
        uint64_t first[100];
        struct mem_gen gen;
        struct mem_access a;

        p.stride_bytes = 64;
        p.working_set_bytes = 6400;
        mem_gen_init(&gen, &p, 3, 0, 0);
        for (int lap = 0; lap < 3; lap++) {
                int seen[100] = { 0 };

                for (int i = 0; i < 100; i++) {
                        mem_gen_next(&gen, &a);
                        ck_assert_uint_eq(a.addr % 64, 0);
                        ck_assert_uint_lt(a.addr / 64, 100);
                        seen[a.addr / 64]++;
                        if (lap == 0)
                                first[i] = a.addr;
                        else
                                ck_assert_uint_eq(a.addr, first[i]);
                }
                for (int i = 0; i < 100; i++)
                        ck_assert_int_eq(seen[i], 1);
        }
        /* not the identity order */
        ck_assert(first[1] != first[0] + 64 || first[2] != first[1] + 64);
}
END_TEST

START_TEST(test_random_streams)
{
        /* Uniform granules within the working set; writes near 25% (40000 draws: the standard
         * deviation of the share is 0.0022, the band is 9 of them); the same (seed, profile,
         * initiator) repeats exactly, another initiator differs. */
        struct mem_profile p = base_profile(MEM_PATTERN_RANDOM);
        struct mem_gen a, b, c;
        struct mem_access x, y, z;
        unsigned writes = 0, differ = 0;

        p.writes_per_thousand = 250;
        p.working_set_bytes = 1 << 20;
        mem_gen_init(&a, &p, 9, 1, 0);
        mem_gen_init(&b, &p, 9, 1, 0);
        mem_gen_init(&c, &p, 9, 2, 0);
        for (int i = 0; i < 40000; i++) {
                mem_gen_next(&a, &x);
                mem_gen_next(&b, &y);
                mem_gen_next(&c, &z);
                ck_assert_uint_eq(x.addr, y.addr);
                ck_assert_uint_eq(x.op, y.op);
                ck_assert_uint_lt(x.addr, 1 << 20);
                ck_assert_uint_eq(x.addr % 8, 0);
                writes += x.op == MEM_WRITE;
                differ += x.addr != z.addr;
        }
        ck_assert_uint_ge(writes, 9200);
        ck_assert_uint_le(writes, 10800);
        ck_assert_uint_ge(differ, 39900);
}
END_TEST

START_TEST(test_parse_own_format)
{
        static const char text[] = "# a comment\n"
                                   "I 10\n"
                                   "R 0x1000 8\n"
                                   "W 2000 4\n"
                                   "\n"
                                   "I 3\n"
                                   "I 2\n"
                                   "R 1fFf 1\n"
                                   "I 7\n";
        struct mem_trace trace;
        char err[64];

        ck_assert_int_eq(mem_trace_parse(text, strlen(text), &trace, err, sizeof(err)), 0);
        ck_assert_uint_eq(trace.count, 3);
        ck_assert_uint_eq(trace.instructions, 22);
        ck_assert_uint_eq(trace.tail_instructions, 7);
        ck_assert_uint_eq(trace.accesses[0].addr, 0x1000);
        ck_assert_uint_eq(trace.accesses[0].gap_instructions, 10);
        ck_assert_uint_eq(trace.accesses[0].op, MEM_READ);
        ck_assert_uint_eq(trace.accesses[1].addr, 0x2000);
        ck_assert_uint_eq(trace.accesses[1].size_bytes, 4);
        ck_assert_uint_eq(trace.accesses[1].gap_instructions, 0);
        ck_assert_uint_eq(trace.accesses[1].op, MEM_WRITE);
        ck_assert_uint_eq(trace.accesses[2].addr, 0x1fff);
        ck_assert_uint_eq(trace.accesses[2].gap_instructions, 5);
        mem_trace_fini(&trace);
}
END_TEST

START_TEST(test_parse_lackey)
{
        /* valgrind --tool=lackey --trace-mem=yes: the banner is skipped; I counts one
         * instruction; M is a load then a store. */
        static const char text[] = "==12345== Lackey, an example Valgrind tool\n"
                                   "I  04016b30,3\n"
                                   " S 1ffefff838,8\n"
                                   "I  04016b33,5\n"
                                   "I  04016b38,4\n"
                                   " L 04022e70,8\n"
                                   " M 0402a0c8,4\n"
                                   "I  04016b3c,2";
        struct mem_trace trace;
        char err[64];

        ck_assert_int_eq(mem_trace_parse(text, strlen(text), &trace, err, sizeof(err)), 0);
        ck_assert_uint_eq(trace.count, 4);
        ck_assert_uint_eq(trace.instructions, 4);
        ck_assert_uint_eq(trace.tail_instructions, 1);
        ck_assert_uint_eq(trace.accesses[0].addr, 0x1ffefff838ULL);
        ck_assert_uint_eq(trace.accesses[0].op, MEM_WRITE);
        ck_assert_uint_eq(trace.accesses[0].gap_instructions, 1);
        ck_assert_uint_eq(trace.accesses[1].addr, 0x04022e70);
        ck_assert_uint_eq(trace.accesses[1].op, MEM_READ);
        ck_assert_uint_eq(trace.accesses[1].gap_instructions, 2);
        ck_assert_uint_eq(trace.accesses[2].op, MEM_READ);
        ck_assert_uint_eq(trace.accesses[2].gap_instructions, 0);
        ck_assert_uint_eq(trace.accesses[3].addr, 0x0402a0c8);
        ck_assert_uint_eq(trace.accesses[3].op, MEM_WRITE);
        ck_assert_uint_eq(trace.accesses[3].size_bytes, 4);
        ck_assert_uint_eq(trace.accesses[3].gap_instructions, 0);
        mem_trace_fini(&trace);
}
END_TEST

static void expect_error(const char *text, const char *message)
{
        struct mem_trace trace;
        char err[64];

        ck_assert_int_eq(mem_trace_parse(text, strlen(text), &trace, err, sizeof(err)), -EINVAL);
        ck_assert_str_eq(err, message);
        ck_assert_ptr_null(trace.accesses);
        ck_assert_uint_eq(trace.count, 0);
}

START_TEST(test_parse_errors)
{
        expect_error("R 10 8\nX 10 8\n", "line 2: unknown record kind");
        expect_error("R 10 8\nR zz 8\n", "line 2: bad address");
        expect_error("R 10 0\n", "line 1: bad size");
        expect_error("R 10 8 9\n", "line 1: trailing characters");
        expect_error("I 5\nI 6\n", "line 2: no accesses");
        expect_error("I x\n", "line 1: bad instruction count");
        expect_error(" L 10\n", "line 1: bad size");
        expect_error("R10 8\n", "line 1: expected R, W, I, L, S or M and a blank");
}
END_TEST

START_TEST(test_trace_generator_wraps)
{
        /* Trace: I 2, R 0x40 8, I 1, W 0x80 8, I 5. As a profile with base 0x1000: gaps 2,
         * 1, then after the wrap 2 + 5 (the trailing instructions), 1, ... */
        static const char text[] = "I 2\nR 40 8\nI 1\nW 80 8\nI 5\n";
        struct mem_trace trace;
        struct mem_profile p = { .name = "t", .base_cpi = 1.0, .pattern = MEM_PATTERN_TRACE };
        struct mem_gen gen;
        struct mem_access a;
        static const uint32_t gaps[] = { 2, 1, 7, 1, 7, 1 };

        ck_assert_int_eq(mem_trace_parse(text, strlen(text), &trace, NULL, 0), 0);
        p.trace = &trace;
        ck_assert_int_eq(mem_profile_validate(&p), 0);
        mem_gen_init(&gen, &p, 1, 0, 0x1000);
        for (size_t i = 0; i < sizeof(gaps) / sizeof(gaps[0]); i++) {
                mem_gen_next(&gen, &a);
                ck_assert_uint_eq(a.gap_instructions, gaps[i]);
                ck_assert_uint_eq(a.addr, i % 2 == 0 ? 0x1040 : 0x1080);
                ck_assert_uint_eq(a.op, i % 2 == 0 ? MEM_READ : MEM_WRITE);
        }
        mem_trace_fini(&trace);
}
END_TEST

static Suite *mem_profile_suite(void)
{
        Suite *suite = suite_create("mem_profile");
        TCase *gen = tcase_create("generator");
        TCase *trace = tcase_create("trace");

        tcase_add_test(gen, test_validate);
        tcase_add_test(gen, test_spacing);
        tcase_add_test(gen, test_sequential_and_strided);
        tcase_add_test(gen, test_pointer_chase_visits_every_node_per_lap);
        tcase_add_test(gen, test_random_streams);
        tcase_add_test(trace, test_parse_own_format);
        tcase_add_test(trace, test_parse_lackey);
        tcase_add_test(trace, test_parse_errors);
        tcase_add_test(trace, test_trace_generator_wraps);
        suite_add_tcase(suite, gen);
        suite_add_tcase(suite, trace);
        return suite;
}

int main(void)
{
        SRunner *runner = srunner_create(mem_profile_suite());
        int failed;

        srunner_run_all(runner, CK_NORMAL);
        failed = srunner_ntests_failed(runner);
        srunner_free(runner);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
