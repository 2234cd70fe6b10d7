/*
 * bench_systemc: the "hold" pattern of bench_kernel.c on three kernels, in one run.
 *
 * KERNEL_PENDING events are pending at all times: each event, when it runs, schedules one new
 * event at now + an increment uniform in [0, 2 us] drawn from the seeded stream "bench/hold"
 * (seed 1), exactly as bench_kernel's kernel_ns_per_event; after KERNEL_EVENTS events the run
 * stops. Figures are CPU time per event (draw and callback included).
 *   kernel_ns_per_event           mosaic's kernel, native backend (median of 3 runs)
 *   systemc_backend_ns_per_event  mosaic's kernel API on the SystemC backend (median of 3)
 *   systemc_plain_ns_per_event    the pattern as a SystemC user writes it, no mosaic kernel:
 *                                 10,000 modules, each an SC_METHOD sensitive to its own
 *                                 sc_event that it re-notifies (one run)
 *   kernel_speedup_vs_systemc     plain / native (target >= 5)
 *   systemc_backend_overhead      backend / native (target <= 3)
 * With 10,000 events pending and a mean increment of 1 us, about ten events share each
 * picosecond: the backend wakes SystemC once per distinct time, a plain model once per event.
 */
#include <systemc>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <memory>
#include <vector>

extern "C" {
#include "sim/rng.h"
}
#include "sim/sim.h"
#include "sim/systemc/sim_systemc.h"

namespace
{

constexpr int KERNEL_PENDING = 10000;
constexpr uint64_t KERNEL_EVENTS = 10000000ULL;
constexpr int KERNEL_REPEATS = 3;
constexpr uint64_t HOLD_MEAN_PS = 1000000ULL;

/* CPU time of this single-threaded process, as bench_kernel measures. */
double cpu_seconds()
{
        struct timespec ts;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

sim_time_t uniform_increment(struct rng *rng)
{
        return rng_range(rng, 0, 2 * HOLD_MEAN_PS);
}

/* ---- mosaic's kernel, on either backend ---- */

struct hold {
        struct rng rng;
        uint64_t left;
};

void hold_uniform(struct sim *sim, void *arg)
{
        auto *h = static_cast<struct hold *>(arg);
        sim_schedule_in(sim, uniform_increment(&h->rng), hold_uniform, h);
        if (--h->left == 0)
                sim_stop(sim);
}

/* One run; ns per event, or a negative value on failure. */
double kernel_once(const struct sim_backend_ops *backend)
{
        struct sim *sim = sim_create(backend);
        struct hold h;
        h.left = KERNEL_EVENTS;
        if (!sim)
                return -1.0;
        rng_init_named(&h.rng, 1, "bench/hold");
        for (int i = 0; i < KERNEL_PENDING; i++) {
                if (sim_schedule(sim, uniform_increment(&h.rng), hold_uniform, &h) == 0) {
                        sim_destroy(sim);
                        return -1.0;
                }
        }
        double start = cpu_seconds();
        int stopped = sim_run(sim);
        double elapsed = cpu_seconds() - start;
        uint64_t events = sim_events_executed(sim);
        size_t pending = sim_events_pending(sim);
        sim_destroy(sim);
        if (stopped != 1 || events != KERNEL_EVENTS || pending != KERNEL_PENDING)
                return -1.0;
        return elapsed * 1e9 / static_cast<double>(KERNEL_EVENTS);
}

double kernel_median(const struct sim_backend_ops *backend)
{
        double ns[KERNEL_REPEATS];
        for (double &one : ns) {
                one = kernel_once(backend);
                if (one < 0)
                        return -1.0;
        }
        std::sort(ns, ns + KERNEL_REPEATS);
        return ns[KERNEL_REPEATS / 2];
}

/* ---- plain SystemC ---- */

struct plain_shared {
        struct rng rng;
        uint64_t left;
};

SC_MODULE(hold_source)
{
        sc_core::sc_event due;
        plain_shared *shared = nullptr;

        SC_CTOR(hold_source)
        {
                SC_METHOD(on_due);
                sensitive << due;
                dont_initialize();
        }

        void on_due()
        {
                if (shared->left == 0)
                        return;
                due.notify(sc_core::sc_time::from_value(uniform_increment(&shared->rng)));
                if (--shared->left == 0)
                        sc_core::sc_pause();
        }
};

/* The modules exist from elaboration on (before anything calls sc_start) and stay idle until
 * plain_run notifies them. */
std::vector<std::unique_ptr<hold_source>> g_sources;
plain_shared g_plain;

void plain_elaborate()
{
        for (int i = 0; i < KERNEL_PENDING; i++) {
                g_sources.push_back(
                    std::make_unique<hold_source>(sc_core::sc_gen_unique_name("h")));
                g_sources.back()->shared = &g_plain;
        }
}

double plain_run()
{
        rng_init_named(&g_plain.rng, 1, "bench/hold");
        g_plain.left = KERNEL_EVENTS;
        for (auto &source : g_sources)
                source->due.notify(sc_core::sc_time::from_value(uniform_increment(&g_plain.rng)));
        double start = cpu_seconds();
        sc_core::sc_start(sc_core::sc_max_time() - sc_core::sc_time_stamp(),
                          sc_core::SC_EXIT_ON_STARVATION);
        double elapsed = cpu_seconds() - start;
        if (g_plain.left != 0)
                return -1.0;
        for (auto &source : g_sources)
                source->due.cancel();
        return elapsed * 1e9 / static_cast<double>(KERNEL_EVENTS);
}

int bench(void *arg)
{
        (void)arg;
        plain_elaborate();
        double native_ns = kernel_median(nullptr);
        double backend_ns = kernel_median(&sim_backend_systemc);
        double plain_ns = plain_run();
        if (native_ns <= 0 || backend_ns <= 0 || plain_ns <= 0) {
                std::fprintf(stderr, "bench_systemc: run failed\n");
                return 1;
        }
        std::printf("systemc_plain_ns_per_event: %.0f\n", plain_ns);
        std::printf("systemc_backend_ns_per_event: %.0f\n", backend_ns);
        std::printf("kernel_ns_per_event: %.0f\n", native_ns);
        std::printf("kernel_speedup_vs_systemc: %.1f\n", plain_ns / native_ns);
        std::printf("systemc_backend_overhead: %.2f\n", backend_ns / native_ns);
        return 0;
}

} // namespace

int main()
{
        return sim_systemc_run_main(bench, nullptr);
}
