/*
 * scenario_dma: a DMA-like master written in plain SystemC/TLM-2.0 (traffic_generator.h) joins a
 * mosaic scenario as an interfering master, and the victim's slowdown is measured against the same
 * scenario run without it.
 *
 *     build/examples/scenario_dma SCENARIO.json [--bytes N] [--rate R | --back-to-back]
 *         [--pattern copy|read|write] [--start TIME] [--stop TIME] [--idle]
 *         [--victim OS/TASK] [-o FILE]
 *
 * The scenario (e.g. scenarios/examples/interference-solo.json) is loaded and built twice on the
 * SystemC kernel backend, as `mosaic run --kernel systemc` builds it (tlm_scenario.h): once as the
 * reference, once with the generator bound through a TLM target bridge to the platform's external
 * bus input (below the caches, unregulated). Both run side by side in one SystemC simulation for
 * the scenario's duration. Prints `name: value` lines (and writes them to FILE with -o): the
 * master's traffic; for the victim (default: the first task with a memory profile) with the
 * master and in the reference (reference_*), the response time mean and p99, memory stall time
 * and LLC misses; the bus and DRAM figures; and `slowdown`, the victim's mean response time over
 * the reference's. --idle binds the master but issues nothing: the slowdown is then exactly 1.
 * TIME takes a unit (ps, ns, us, ms, s). Exit status 0, 2 on bad input, 3 if a run failed.
 */
#include <systemc>
#include <tlm>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "sim/sim.h"
#include "sim/systemc/examples/traffic_generator.h"
#include "sim/systemc/sim_systemc.h"
#include "sim/systemc/tlm_bridge.h"
#include "sim/systemc/tlm_bridge_sc.h"
#include "sim/systemc/tlm_scenario.h"

namespace
{

constexpr int EXIT_BAD_INPUT = 2;
constexpr int EXIT_RUN_FAILED = 3;

const char usage[] =
    "usage: scenario_dma SCENARIO.json [--bytes N] [--rate R | --back-to-back]\n"
    "                    [--pattern copy|read|write] [--start TIME] [--stop TIME] [--idle]\n"
    "                    [--victim OS/TASK] [-o FILE]\n"
    "  --bytes N        bytes per transaction (a power of two, 1..4096; default 64)\n"
    "  --rate R         transactions per microsecond (default: back to back)\n"
    "  --start, --stop  when the master begins and stops (default: the whole run)\n"
    "  --idle           bind the master but issue nothing\n";

struct options {
        const char *scenario_path = nullptr;
        const char *victim = nullptr;
        const char *out_path = nullptr;
        traffic_config traffic;
};

/* "250ms", "1.5us", "100ns", "1000ps" in picoseconds. */
bool parse_time(const char *text, uint64_t *ps)
{
        static const struct {
                const char *suffix;
                double scale;
        } units[] = { { "ps", 1.0 }, { "ns", 1e3 }, { "us", 1e6 }, { "ms", 1e9 }, { "s", 1e12 } };
        char *end = nullptr;
        errno = 0;
        double value = std::strtod(text, &end);
        if (errno != 0 || end == text || !(value >= 0.0))
                return false;
        for (const auto &unit : units) {
                if (std::strcmp(end, unit.suffix) == 0) {
                        *ps = static_cast<uint64_t>(value * unit.scale + 0.5);
                        return true;
                }
        }
        return false;
}

bool parse_options(int argc, char *argv[], options *o)
{
        for (int i = 1; i < argc; i++) {
                std::string a = argv[i];
                const char *next = i + 1 < argc ? argv[i + 1] : nullptr;
                uint64_t ps = 0;
                char *end = nullptr;
                if (a == "--idle") {
                        o->traffic.active = false;
                } else if (a == "--back-to-back") {
                        o->traffic.transfers_per_us = 0.0;
                } else if (a[0] != '-') {
                        if (o->scenario_path)
                                return false;
                        o->scenario_path = argv[i];
                } else if (!next) {
                        return false;
                } else if (a == "--bytes") {
                        unsigned long bytes = std::strtoul(next, &end, 10);
                        if (*end != '\0' || bytes == 0 || bytes > 4096 || (bytes & (bytes - 1)))
                                return false;
                        o->traffic.bytes = static_cast<uint32_t>(bytes);
                        i++;
                } else if (a == "--rate") {
                        o->traffic.transfers_per_us = std::strtod(next, &end);
                        if (*end != '\0' || !(o->traffic.transfers_per_us >= 0.0))
                                return false;
                        i++;
                } else if (a == "--pattern") {
                        std::string p = next;
                        if (p != "copy" && p != "read" && p != "write")
                                return false;
                        o->traffic.pattern = p == "copy"   ? traffic_pattern::copy
                                             : p == "read" ? traffic_pattern::read
                                                           : traffic_pattern::write;
                        i++;
                } else if (a == "--start" || a == "--stop") {
                        if (!parse_time(next, &ps))
                                return false;
                        (a == "--start" ? o->traffic.start : o->traffic.stop) =
                            sc_core::sc_time::from_value(ps);
                        i++;
                } else if (a == "--victim") {
                        o->victim = next;
                        i++;
                } else if (a == "-o") {
                        o->out_path = next;
                        i++;
                } else {
                        return false;
                }
        }
        return o->scenario_path != nullptr;
}

void line(std::string *out, const char *name, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

void line(std::string *out, const char *name, const char *format, ...)
{
        char value[256];
        va_list args;
        va_start(args, format);
        std::vsnprintf(value, sizeof(value), format, args);
        va_end(args);
        *out += std::string(name) + ": " + value + "\n";
}

void victim_lines(std::string *out, const std::string &prefix, const tlm_scenario_task &t)
{
        line(out, (prefix + "victim_jobs").c_str(), "%llu",
             static_cast<unsigned long long>(t.completions));
        line(out, (prefix + "victim_response_mean_us").c_str(), "%.6f", t.response_mean_ps / 1e6);
        line(out, (prefix + "victim_response_p99_us").c_str(), "%.6f",
             static_cast<double>(t.response_p99_ps) / 1e6);
        line(out, (prefix + "victim_memory_stall_us").c_str(), "%.6f", t.memory_stall_ps / 1e6);
        line(out, (prefix + "victim_llc_misses").c_str(), "%llu",
             static_cast<unsigned long long>(t.llc_misses));
}

void memory_lines(std::string *out, const std::string &prefix, const tlm_scenario_memory &m)
{
        line(out, (prefix + "bus_utilisation").c_str(), "%.6f", m.bus_utilisation);
        line(out, (prefix + "bus_queue_delay_mean_ns").c_str(), "%.3f",
             m.bus_queue_delay_mean_ps / 1e3);
        line(out, (prefix + "dram_utilisation").c_str(), "%.6f", m.dram_utilisation);
        line(out, (prefix + "dram_requests").c_str(), "%llu",
             static_cast<unsigned long long>(m.dram_requests));
        line(out, (prefix + "dram_row_conflicts").c_str(), "%llu",
             static_cast<unsigned long long>(m.dram_row_conflicts));
}

void master_lines(std::string *out, const traffic_generator &dma, sim_time_t duration_ps)
{
        const traffic_config &c = dma.config();
        const traffic_stats &s = dma.stats();
        static const char *const patterns[] = { "copy", "read", "write" };
        line(out, "master_pattern", "%s", patterns[static_cast<int>(c.pattern)]);
        line(out, "master_active", "%s", c.active ? "yes" : "no");
        line(out, "master_bytes_per_transaction", "%u", c.bytes);
        line(out, "master_transfers_per_us", "%g", c.transfers_per_us);
        line(out, "master_transactions", "%llu", static_cast<unsigned long long>(s.transactions));
        line(out, "master_errors", "%llu", static_cast<unsigned long long>(s.errors));
        /* bytes / ps * 1e6 = MB/s */
        line(out, "master_mb_per_s", "%.1f",
             static_cast<double>(s.bytes) / static_cast<double>(duration_ps) * 1e6);
        line(out, "master_mean_latency_ns", "%.3f",
             s.transactions
                 ? static_cast<double>(s.latency_ps) / 1e3 / static_cast<double>(s.transactions)
                 : 0.0);
}

struct runs {
        struct scenario *scenario = nullptr;
        struct tlm_scenario *reference = nullptr;
        struct tlm_scenario *with_master = nullptr;

        ~runs()
        {
                tlm_scenario_destroy(with_master);
                tlm_scenario_destroy(reference);
                tlm_scenario_unload(scenario);
        }
};

int fail(const char *what, int err, int status)
{
        std::fprintf(stderr, "scenario_dma: %s: %s\n", what, std::strerror(-err));
        return status;
}

} // namespace

int sc_main(int argc, char *argv[])
{
        options o;
        if (!parse_options(argc, argv, &o)) {
                std::fputs(usage, stderr);
                return EXIT_BAD_INPUT;
        }
        runs r;
        char error[1024];
        int err = tlm_scenario_load(o.scenario_path, &r.scenario, error, sizeof(error));
        if (err != 0) {
                std::fprintf(stderr, "%s\n",
                             err == -ENOMEM ? "scenario_dma: out of memory" : error);
                return EXIT_BAD_INPUT;
        }

        /* Elaboration: both runs, the bridge and the master, before SystemC starts. */
        if ((err = tlm_scenario_create(r.scenario, &sim_backend_systemc, &r.reference)) != 0 ||
            (err = tlm_scenario_create(r.scenario, &sim_backend_systemc, &r.with_master)) != 0)
                return fail("cannot build the platform", err, EXIT_BAD_INPUT);
        struct tlm_bridge_target *bridge = nullptr;
        if ((err = tlm_scenario_attach(r.with_master, "dma_bridge", &bridge)) != 0)
                return fail("cannot attach a master (the scenario needs memory models in detailed "
                            "fidelity)",
                            err, EXIT_BAD_INPUT);
        traffic_generator dma("dma", o.traffic);
        dma.socket.bind(tlm_bridge_target_socket(bridge));

        struct tlm_scenario *both[] = { r.reference, r.with_master };
        if ((err = tlm_scenario_run_all(both, 2)) != 0)
                return fail("the run failed", err, EXIT_RUN_FAILED);

        tlm_scenario_task victim, reference_victim;
        tlm_scenario_memory memory, reference_memory;
        if ((err = tlm_scenario_task_figures(r.with_master, o.victim, &victim)) != 0 ||
            (err = tlm_scenario_task_figures(r.reference, o.victim, &reference_victim)) != 0)
                return fail(o.victim ? o.victim : "no task with a memory profile", err,
                            EXIT_BAD_INPUT);
        (void)tlm_scenario_memory_figures(r.with_master, &memory); /* attach checked them */
        (void)tlm_scenario_memory_figures(r.reference, &reference_memory);

        std::string out;
        line(&out, "scenario", "%s", tlm_scenario_name(r.scenario));
        line(&out, "victim", "%s", victim.entity);
        master_lines(&out, dma, tlm_scenario_duration_ps(r.scenario));
        victim_lines(&out, "", victim);
        memory_lines(&out, "", memory);
        victim_lines(&out, "reference_", reference_victim);
        memory_lines(&out, "reference_", reference_memory);
        line(&out, "slowdown", "%.6f", tlm_scenario_slowdown(&victim, &reference_victim));
        std::fputs(out.c_str(), stdout);
        if (o.out_path) {
                std::FILE *f = std::fopen(o.out_path, "w");
                if (!f)
                        return fail(o.out_path, -errno, EXIT_RUN_FAILED);
                bool written = std::fputs(out.c_str(), f) >= 0;
                if (std::fclose(f) != 0 || !written)
                        return fail(o.out_path, -EIO, EXIT_RUN_FAILED);
        }
        return dma.stats().errors != 0 ? EXIT_RUN_FAILED : EXIT_SUCCESS;
}
