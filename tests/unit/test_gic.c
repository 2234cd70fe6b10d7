/*
 * The GIC model: SPI routing, banked PPIs, SGIs, pending/merge semantics, acknowledge order,
 * and the periodic timer (edges, jitter bounds and determinism, horizon).
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "models/hw/gic.h"
#include "sim/metrics.h"
#include "sim/sim.h"

#define US SIM_PS_PER_US

/* Records the times at which a core's IRQ line was signalled. */
struct line {
        size_t signals;
        sim_time_t at[64];
        struct sim *sim;
};

static void line_fn(void *arg)
{
        struct line *line = arg;

        if (line->signals < 64)
                line->at[line->signals] = sim_now(line->sim);
        line->signals++;
}

static bool ack(struct gic *gic, size_t cpu, uint32_t *irq, sim_time_t *edge)
{
        struct irq_cpu_port port = gic_cpu_port(gic, cpu);

        return port.ops->ack(port.resource, irq, edge);
}

/* SPI 40 routed to core 1 reaches core 1 only; PPI 27 of core 0 is not core 1's. */
START_TEST(test_gic_routing)
{
        struct sim *sim = sim_create(NULL);
        struct gic *gic;
        struct line lines[2] = { { .sim = sim }, { .sim = sim } };
        uint32_t irq;
        sim_time_t edge;

        ck_assert_int_eq(gic_create(sim, 2, 64, &gic), 0);
        gic_set_signal(gic, 0, (struct irq_signal){ line_fn, &lines[0] });
        gic_set_signal(gic, 1, (struct irq_signal){ line_fn, &lines[1] });
        ck_assert_int_eq(gic_route_spi(gic, 40, 1), 0);
        ck_assert_int_eq(gic_raise(gic, 40), 0);
        ck_assert_uint_eq(lines[0].signals, 0);
        ck_assert_uint_eq(lines[1].signals, 1);
        ck_assert(gic_pending(gic, 1, 40));
        ck_assert(!gic_pending(gic, 0, 40));
        ck_assert_int_eq(gic_raise_ppi(gic, 0, 27), 0);
        ck_assert(gic_pending(gic, 0, 27));
        ck_assert(!gic_pending(gic, 1, 27));
        ck_assert_int_eq(gic_send_sgi(gic, 3, 1), 0); /* an IPI to core 1 */
        /* core 1 acknowledges the lowest id first: SGI 3, then SPI 40, then nothing */
        ck_assert(ack(gic, 1, &irq, &edge));
        ck_assert_uint_eq(irq, 3);
        ck_assert(ack(gic, 1, &irq, &edge));
        ck_assert_uint_eq(irq, 40);
        ck_assert(!ack(gic, 1, &irq, &edge));
        /* wrong kinds of ids */
        ck_assert_int_eq(gic_raise(gic, 27), -EINVAL);
        ck_assert_int_eq(gic_raise_ppi(gic, 0, 40), -EINVAL);
        ck_assert_int_eq(gic_send_sgi(gic, 16, 0), -EINVAL);
        ck_assert_int_eq(gic_route_spi(gic, 40, 2), -EINVAL);
        ck_assert_int_eq(gic_raise(gic, 64), -EINVAL);
        gic_destroy(gic);
        sim_destroy(sim);
}
END_TEST

/* An edge on a pending interrupt is merged: one signal, one acknowledge, the first edge's
 * time; after the acknowledge a new edge pends again. */
START_TEST(test_gic_merge)
{
        struct sim *sim = sim_create(NULL);
        struct metrics *metrics = metrics_create();
        struct metric *raised = metrics_counter(metrics, "irq", "raised");
        struct metric *merged = metrics_counter(metrics, "irq", "merged");
        struct gic *gic;
        struct line line = { .sim = sim };
        uint32_t irq;
        sim_time_t edge;

        ck_assert_int_eq(gic_create(sim, 1, 64, &gic), 0);
        gic_set_signal(gic, 0, (struct irq_signal){ line_fn, &line });
        ck_assert_int_eq(gic_set_irq_metrics(gic, 0, 33, raised, merged), 0);
        ck_assert_int_eq(gic_raise(gic, 33), 0);
        ck_assert_int_eq(gic_raise(gic, 33), 0);
        ck_assert_uint_eq(line.signals, 1);
        ck_assert_uint_eq(raised->counter, 2);
        ck_assert_uint_eq(merged->counter, 1);
        ck_assert(ack(gic, 0, &irq, &edge));
        ck_assert_uint_eq(irq, 33);
        ck_assert_uint_eq(edge, 0);
        ck_assert(!ack(gic, 0, &irq, &edge));
        ck_assert_int_eq(gic_raise(gic, 33), 0);
        ck_assert_uint_eq(line.signals, 2);
        gic_destroy(gic);
        metrics_destroy(metrics);
        sim_destroy(sim);
}
END_TEST

/* Takes every interrupt of core 0 at its signal. */
struct acker {
        struct gic *gic;
        struct line line;
        sim_time_t edges[64];
        size_t count;
};

static void ack_all(void *arg)
{
        struct acker *a = arg;
        uint32_t irq;
        sim_time_t edge;

        line_fn(&a->line);
        while (ack(a->gic, 0, &irq, &edge))
                if (a->count < 64)
                        a->edges[a->count++] = edge;
}

static void timer_run(struct acker *a, sim_time_t jitter_ps, uint64_t seed)
{
        struct sim *sim = sim_create(NULL);
        struct gic_timer_config timer = { .name = "tick",
                                          .cpu = 0,
                                          .irq = 30,
                                          .period_ps = 100 * US,
                                          .offset_ps = 30 * US,
                                          .jitter_ps = jitter_ps,
                                          .seed = seed };

        *a = (struct acker){ .line = { .sim = sim } };
        ck_assert_int_eq(gic_create(sim, 1, 64, &a->gic), 0);
        gic_set_signal(a->gic, 0, (struct irq_signal){ ack_all, a });
        ck_assert_int_eq(gic_add_timer(a->gic, &timer), 0);
        ck_assert_int_eq(gic_start(a->gic, 1000 * US), 0);
        ck_assert_int_eq(sim_run_until(sim, 2000 * US), 0);
        ck_assert_int_eq(gic_error(a->gic), 0);
        gic_destroy(a->gic);
        sim_destroy(sim);
}

/* A timer of period 100 us, offset 30 us, no jitter, horizon 1 ms: edges at 30, 130, ...,
 * 930 us = 10 edges, each acknowledged with its own edge time. */
START_TEST(test_gic_timer_periodic)
{
        struct acker a;

        timer_run(&a, 0, 1);
        ck_assert_uint_eq(a.count, 10);
        for (size_t k = 0; k < 10; k++) {
                ck_assert_uint_eq(a.edges[k], 30 * US + k * 100 * US);
                ck_assert_uint_eq(a.line.at[k], a.edges[k]);
        }
}
END_TEST

/* With jitter J = 20 us each edge k lies in [30 + 100k, 50 + 100k] us; the same seed gives
 * the same edges, another seed other edges. */
START_TEST(test_gic_timer_jitter)
{
        struct acker a, b, c;
        bool differs = false;

        timer_run(&a, 20 * US, 7);
        timer_run(&b, 20 * US, 7);
        timer_run(&c, 20 * US, 8);
        ck_assert_uint_eq(a.count, 10);
        for (size_t k = 0; k < 10; k++) {
                ck_assert_uint_ge(a.edges[k], 30 * US + k * 100 * US);
                ck_assert_uint_le(a.edges[k], 50 * US + k * 100 * US);
                ck_assert_uint_eq(a.edges[k], b.edges[k]);
                differs = differs || a.edges[k] != c.edges[k];
        }
        ck_assert(differs);
}
END_TEST

START_TEST(test_gic_invalid)
{
        struct sim *sim = sim_create(NULL);
        struct gic *gic;
        struct gic_timer_config timer = { .name = "t", .cpu = 0, .irq = 30, .period_ps = 0 };

        ck_assert_int_eq(gic_create(sim, 0, 64, &gic), -EINVAL);
        ck_assert_int_eq(gic_create(sim, 1, 16, &gic), -EINVAL);
        ck_assert_int_eq(gic_create(sim, 1, 1021, &gic), -EINVAL);
        ck_assert_int_eq(gic_create(sim, 1, 64, &gic), 0);
        ck_assert_int_eq(gic_add_timer(gic, &timer), -EINVAL); /* period 0 */
        timer.period_ps = US;
        timer.irq = 5; /* an SGI */
        ck_assert_int_eq(gic_add_timer(gic, &timer), -EINVAL);
        timer.irq = 30;
        timer.cpu = 1;
        ck_assert_int_eq(gic_add_timer(gic, &timer), -EINVAL);
        gic_destroy(gic);
        sim_destroy(sim);
}
END_TEST

int main(void)
{
        Suite *suite = suite_create("gic");
        TCase *tc = tcase_create("gic");
        SRunner *runner;
        int failed;

        tcase_add_test(tc, test_gic_routing);
        tcase_add_test(tc, test_gic_merge);
        tcase_add_test(tc, test_gic_timer_periodic);
        tcase_add_test(tc, test_gic_timer_jitter);
        tcase_add_test(tc, test_gic_invalid);
        suite_add_tcase(suite, tc);
        runner = srunner_create(suite);
        srunner_run_all(runner, CK_NORMAL);
        failed = srunner_ntests_failed(runner);
        srunner_free(runner);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
