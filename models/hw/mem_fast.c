#include "models/hw/mem_fast.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define MEM_FAST_MAX_ITERATIONS 4000
#define MEM_FAST_TOLERANCE      1e-9

/* What the formulas need of a load, derived once per solve. */
struct load_shape {
        double accesses_per_instruction; /* a */
        double new_lines_per_access;     /* u */
        double working_set;              /* W */
        double core_ps;                  /* core_j per instruction */
        double dirty_share;              /* d */
        double row_hit_ratio;            /* r */
        double cells;                    /* P_j */
        bool cyclic;
        bool dependent;
        double l1_miss_ratio; /* m1 */
};

static unsigned bits_set(uint64_t mask)
{
        return (unsigned)__builtin_popcountll(mask);
}

/* The mask over `total` cells (0 means all of them). */
static uint64_t cells_of(uint64_t mask, uint32_t total)
{
        uint64_t all = total >= 64 ? UINT64_MAX : (1ULL << total) - 1;

        return mask != 0 ? mask & all : all;
}

static double popcount_fraction(uint64_t mask, uint32_t total)
{
        if (total <= 1)
                return 1.0;
        return (double)bits_set(cells_of(mask, total)) / (double)total;
}

static double overlap_fraction(uint64_t a, uint64_t b, uint32_t total)
{
        if (total <= 1)
                return 1.0;
        return (double)bits_set(cells_of(a, total) & cells_of(b, total)) / (double)total;
}

static double miss_ratio(const struct load_shape *shape, double capacity)
{
        if (shape->cyclic)
                return shape->working_set <= capacity ? 0.0 : shape->new_lines_per_access;
        if (shape->working_set <= capacity)
                return 0.0;
        return shape->new_lines_per_access * (1.0 - capacity / shape->working_set);
}

static int shape_of(const struct mem_fast_config *c, const struct mem_fast_load *load,
                    struct load_shape *shape)
{
        const struct mem_profile *p = load->profile;
        double line = (double)c->line_bytes;
        double granule, w, row = (double)c->dram_row_bytes;

        if (mem_profile_validate(p) != 0)
                return -EINVAL;
        *shape = (struct load_shape){ 0 };
        w = p->writes_per_thousand / 1000.0;
        if (p->pattern == MEM_PATTERN_TRACE) {
                const struct mem_trace *t = p->trace;

                shape->accesses_per_instruction =
                    (double)t->count / (double)(t->instructions != 0 ? t->instructions : t->count);
                granule = (double)t->accesses[0].size_bytes;
                shape->working_set =
                    p->working_set_bytes != 0 ? (double)p->working_set_bytes : line;
        } else {
                shape->accesses_per_instruction = p->accesses_per_kilo_instruction / 1000.0;
                granule = (double)(p->pattern == MEM_PATTERN_STRIDED ? p->stride_bytes
                                   : p->pattern == MEM_PATTERN_POINTER_CHASE
                                       ? (p->stride_bytes != 0 ? p->stride_bytes : 64)
                                       : (p->access_bytes != 0 ? p->access_bytes : 8));
                shape->working_set = (double)p->working_set_bytes;
        }
        shape->cyclic = p->pattern == MEM_PATTERN_SEQUENTIAL || p->pattern == MEM_PATTERN_STRIDED ||
                        p->pattern == MEM_PATTERN_POINTER_CHASE;
        shape->dependent = p->pattern == MEM_PATTERN_POINTER_CHASE;
        shape->new_lines_per_access = shape->cyclic ? fmin(1.0, granule / line) : 1.0;
        shape->core_ps = p->base_cpi * (double)SIM_PS_PER_S / (double)c->core_clock_hz +
                         shape->accesses_per_instruction * (double)c->l1_hit_ps;
        if (p->pattern == MEM_PATTERN_SEQUENTIAL || p->pattern == MEM_PATTERN_STRIDED) {
                double step = fmax(granule, line);

                shape->dirty_share = 1.0 - pow(1.0 - w, fmax(1.0, line / granule));
                shape->row_hit_ratio = step < row ? 1.0 - step / row : 0.0;
        } else {
                shape->dirty_share = w;
                shape->row_hit_ratio = fmin(1.0, (double)c->dram_banks * row / shape->working_set);
        }
        shape->cells = popcount_fraction(load->colour_mask, c->llc_colours) *
                       popcount_fraction(load->way_mask, c->llc_ways);
        shape->l1_miss_ratio = miss_ratio(shape, (double)c->l1_bytes);
        return 0;
}

/* Bytes of load k's lines touched within the last t ps, the lines an LRU cache keeps when its
 * characteristic time is t (Che's approximation): a cyclic load walks new lines at its miss
 * rate; a random one draws lines uniformly from its working set. */
static double touched_bytes(const struct load_shape *shape, double lambda, double line, double t)
{
        double fresh = lambda * t * line;

        if (shape->cyclic)
                return fmin(shape->working_set, fresh);
        return shape->working_set * -expm1(-fresh / shape->working_set);
}

/* f_jk: the fraction of load k's LLC insertions that land in load j's cells. */
static double insertion_overlap(const struct mem_fast_config *c, const struct mem_fast_load *loads,
                                const struct load_shape *shapes, size_t j, size_t k)
{
        return overlap_fraction(loads[j].colour_mask, loads[k].colour_mask, c->llc_colours) *
               overlap_fraction(loads[j].way_mask, loads[k].way_mask, c->llc_ways) /
               shapes[k].cells;
}

/* The pool of j: its own lines and, of every co-runner k, the share f_jk (`f_j`) that lands in
 * j's cells. */
static double pool_bytes(const struct mem_fast_config *c, const struct load_shape *shapes,
                         const double *f_j, const double *lambda, size_t n, size_t j, double t)
{
        double line = (double)c->line_bytes;
        double total = touched_bytes(&shapes[j], lambda[j], line, t);

        for (size_t k = 0; k < n; k++) {
                if (k == j)
                        continue;
                total += f_j[k] * touched_bytes(&shapes[k], lambda[k], line, t);
        }
        return total;
}

/* LLC bytes of each load (see the header): the characteristic time t_j at which j's pool
 * fills its cells, found by bisection; j keeps what it touched within t_j. */
static void llc_shares(const struct mem_fast_config *c, const struct load_shape *shapes,
                       const double (*f)[MEM_FAST_MAX_LOADS], const double *lambda, size_t n,
                       double *share)
{
        for (size_t j = 0; j < n; j++) {
                double cap = (double)c->llc_bytes * shapes[j].cells;
                double lo = 0.0, hi = 1.0;

                while (hi < 1e24 && pool_bytes(c, shapes, f[j], lambda, n, j, hi) < cap)
                        hi *= 2.0;
                if (hi >= 1e24) { /* everything fits */
                        share[j] = shapes[j].working_set;
                        continue;
                }
                for (int i = 0; i < 200; i++) {
                        double mid = 0.5 * (lo + hi);

                        if (mid <= lo || mid >= hi)
                                break;
                        if (pool_bytes(c, shapes, f[j], lambda, n, j, mid) < cap)
                                lo = mid;
                        else
                                hi = mid;
                }
                share[j] = touched_bytes(&shapes[j], lambda[j], (double)c->line_bytes, hi);
        }
}

static double damp(double value, double target, double *step, double *last_delta)
{
        double delta = target - value;

        if (delta * *last_delta < 0.0 && *step > 0.01)
                *step *= 0.7;
        *last_delta = delta;
        return value + *step * delta;
}

/* The shared stations: the bus, and per DRAM channel its command sequencer (row conflicts
 * are serialised there) and its data bus. */
enum { STATION_BUS, STATION_DRAM_COMMAND, STATION_DRAM_DATA, STATIONS };

/* Per-miss demands of one load at the current LLC share (see the header). */
struct load_demand {
        double misses_per_instruction; /* mu */
        double m2;
        double core_ps;              /* per miss, at the load's own core */
        double station_ps[STATIONS]; /* per miss, at each shared station */
        double delay_ps;             /* per miss, latency that nobody queues for */
        double population;
        double max_rate; /* misses per ps the regulator lets through; 0: unbounded */
};

static struct load_demand demand_of(const struct mem_fast_config *c,
                                    const struct mem_fast_load *load, const struct load_shape *s,
                                    double share, double row_survival)
{
        struct load_demand d = { 0 };
        double m1 = s->l1_miss_ratio;
        double r = s->row_hit_ratio * row_survival;
        double channels = (double)c->dram_channels;
        double requests;

        d.m2 = m1 > 0.0 ? miss_ratio(s, share) / m1 : 0.0;
        d.misses_per_instruction = s->accesses_per_instruction * m1;
        if (d.misses_per_instruction <= 0.0)
                return d;
        requests = d.m2 * (1.0 + s->dirty_share); /* DRAM requests per miss */
        d.core_ps = s->core_ps / d.misses_per_instruction;
        d.station_ps[STATION_BUS] = requests * (double)c->bus_transfer_ps;
        d.station_ps[STATION_DRAM_COMMAND] =
            requests * (1.0 - r) * (double)(c->dram_row_conflict_ps - c->dram_row_hit_ps) /
            channels;
        d.station_ps[STATION_DRAM_DATA] = requests * (double)c->dram_burst_ps / channels;
        /* a read's latency beyond its station times: tCL (row_hit - burst) */
        d.delay_ps = (double)c->llc_hit_ps + d.m2 * (double)(c->dram_row_hit_ps - c->dram_burst_ps);
        /* the DRAM stations model the channels as one server `channels` times as fast (their
         * throughput); a request itself still holds its own channel for the whole service */
        d.delay_ps += (d.station_ps[STATION_DRAM_COMMAND] + d.station_ps[STATION_DRAM_DATA]) *
                      (channels - 1.0);
        d.population = s->dependent ? 1.0 : (double)c->mshrs;
        if (load->regulator_budget_bytes != 0 && c->regulator_period_ps != 0 && requests > 0.0)
                d.max_rate = (double)load->regulator_budget_bytes /
                             ((double)c->regulator_period_ps * requests * (double)c->line_bytes);
        return d;
}

/* Response time at a station of demand `demand` for a class of `population` whose own queue
 * there is `own_queue` (utilisation own_util), with `queue` / `util` the totals over classes
 * (Bard-Schweitzer: an arrival sees the others and (N-1)/N of its own class; deterministic
 * service: the request in service has half its service left on average). */
static double residence(double demand, double population, double own_queue, double own_util,
                        double queue, double util)
{
        double seen_queue = queue - own_queue / population;
        double seen_busy = fmin(util - own_util / population, seen_queue);

        if (demand <= 0.0)
                return 0.0;
        return demand * (1.0 + fmax(0.0, seen_queue - 0.5 * fmax(seen_busy, 0.0)));
}

struct solver {
        const struct mem_fast_config *c;
        const struct mem_fast_load *loads;
        size_t n;
        struct load_shape shapes[MEM_FAST_MAX_LOADS];
        struct load_demand d[MEM_FAST_MAX_LOADS];
        double share[MEM_FAST_MAX_LOADS];
        double lambda[MEM_FAST_MAX_LOADS];
        double lambda_step[MEM_FAST_MAX_LOADS];
        double lambda_delta[MEM_FAST_MAX_LOADS];
        double rate[MEM_FAST_MAX_LOADS];      /* misses per ps */
        double dram_rate[MEM_FAST_MAX_LOADS]; /* DRAM requests per ps */
        double q_core[MEM_FAST_MAX_LOADS];
        double q[MEM_FAST_MAX_LOADS][STATIONS];
        double r_core[MEM_FAST_MAX_LOADS];
        double r[MEM_FAST_MAX_LOADS][STATIONS];
        double queue[STATIONS];
        double util[STATIONS];
        double f[MEM_FAST_MAX_LOADS][MEM_FAST_MAX_LOADS]; /* insertion_overlap(j, k) */
};

/* The probability that j's open row survives until j's next request: no other load's
 * row-opening request (a request that is not itself a row hit: streams walking their own
 * rows close nobody's) reaches that bank in between, for Poisson arrivals spread evenly
 * over the banks. */
static double row_survival(const struct solver *sv, size_t j)
{
        double others = 0.0;

        if (sv->dram_rate[j] <= 0.0)
                return 1.0;
        for (size_t k = 0; k < sv->n; k++)
                if (k != j)
                        others += sv->dram_rate[k] * (1.0 - sv->shapes[k].row_hit_ratio);
        return exp(-others / ((double)sv->c->dram_banks * sv->dram_rate[j]));
}

/* One mean-value step: new residence times and throughputs from the current queues. */
static void mva_step(struct solver *sv)
{
        double new_rate[MEM_FAST_MAX_LOADS];

        for (size_t j = 0; j < sv->n; j++) {
                const struct load_demand *d = &sv->d[j];
                double total = d->delay_ps;

                new_rate[j] = 0.0;
                if (d->misses_per_instruction <= 0.0)
                        continue;
                sv->r_core[j] =
                    residence(d->core_ps, d->population, sv->q_core[j], sv->rate[j] * d->core_ps,
                              sv->q_core[j], sv->rate[j] * d->core_ps);
                total += sv->r_core[j];
                for (unsigned st = 0; st < STATIONS; st++) {
                        sv->r[j][st] =
                            residence(d->station_ps[st], d->population, sv->q[j][st],
                                      sv->rate[j] * d->station_ps[st], sv->queue[st], sv->util[st]);
                        total += sv->r[j][st];
                }
                new_rate[j] = fmin(d->population / total, 1.0 / d->core_ps);
                if (d->max_rate > 0.0)
                        new_rate[j] = fmin(new_rate[j], d->max_rate);
        }
        /* A shared server cannot be more than busy (the residual correction alone would let
         * it): scale its users down to utilisation 1. */
        for (unsigned st = 0; st < STATIONS; st++) {
                double u = 0.0;

                for (size_t j = 0; j < sv->n; j++)
                        u += new_rate[j] * sv->d[j].station_ps[st];
                if (u > 1.0)
                        for (size_t j = 0; j < sv->n; j++)
                                if (sv->d[j].station_ps[st] > 0.0)
                                        new_rate[j] /= u;
        }
        for (unsigned st = 0; st < STATIONS; st++)
                sv->queue[st] = sv->util[st] = 0.0;
        for (size_t j = 0; j < sv->n; j++) {
                sv->rate[j] = new_rate[j];
                sv->q_core[j] = new_rate[j] * sv->r_core[j];
                for (unsigned st = 0; st < STATIONS; st++) {
                        sv->q[j][st] = new_rate[j] * sv->r[j][st];
                        sv->queue[st] += sv->q[j][st];
                        sv->util[st] += new_rate[j] * sv->d[j].station_ps[st];
                }
        }
}

static void estimate_of(const struct solver *sv, size_t j, double unthrottled,
                        struct mem_fast_estimate *out)
{
        const struct load_demand *d = &sv->d[j];
        const struct load_shape *s = &sv->shapes[j];
        const struct mem_fast_config *c = sv->c;

        *out = (struct mem_fast_estimate){ .l1_miss_ratio = s->l1_miss_ratio,
                                           .llc_miss_ratio = d->m2,
                                           .llc_bytes = sv->share[j],
                                           .throttle_factor = 1.0 };
        out->llc_miss_latency_ps = (double)(c->llc_hit_ps + c->bus_transfer_ps) +
                                   s->row_hit_ratio * (double)c->dram_row_hit_ps +
                                   (1.0 - s->row_hit_ratio) * (double)c->dram_row_conflict_ps;
        if (d->misses_per_instruction <= 0.0 || sv->rate[j] <= 0.0) {
                out->ps_per_instruction = fmax(s->core_ps, 1e-3);
                return;
        }
        out->miss_latency_ps = d->delay_ps;
        for (unsigned st = 0; st < STATIONS; st++)
                out->miss_latency_ps += sv->r[j][st];
        /* one fill from DRAM: the part of the miss latency below the LLC is m2 of them; with
         * no LLC misses at all, an unloaded one at the load's own row-hit ratio */
        if (d->m2 > 1e-12)
                out->llc_miss_latency_ps =
                    (double)c->llc_hit_ps + (out->miss_latency_ps - (double)c->llc_hit_ps) / d->m2;
        out->ps_per_instruction = d->misses_per_instruction / sv->rate[j];
        out->dram_requests_per_s =
            sv->rate[j] * d->m2 * (1.0 + s->dirty_share) * (double)SIM_PS_PER_S;
        if (d->max_rate > 0.0 && unthrottled > d->max_rate)
                out->throttle_factor = unthrottled / d->max_rate;
}

/* Accesses per instruction of a profile (a trace's: its accesses over its instructions, as in
 * shape_of). */
static double accesses_per_instruction(const struct mem_profile *p)
{
        const struct mem_trace *t = p->trace;

        if (p->pattern != MEM_PATTERN_TRACE)
                return p->accesses_per_kilo_instruction / 1000.0;
        return (double)t->count / (double)(t->instructions != 0 ? t->instructions : t->count);
}

double mem_fast_coherence_miss_share(double own_rate, double others_write_rate)
{
        double total = own_rate + others_write_rate;

        return total > 0.0 ? others_write_rate / total : 0.0;
}

/* Whether loads j and k share a region (the same one: same base and size). */
static bool shares_with(const struct mem_fast_load *loads, size_t j, size_t k)
{
        const struct mem_profile *a = loads[j].profile, *b = loads[k].profile;

        return k != j && a->shared_per_million > 0 && b->shared_per_million > 0 &&
               a->shared_base == b->shared_base && a->shared_bytes == b->shared_bytes;
}

/* Shared accesses per instruction of a load. */
static double shared_per_instruction(const struct mem_fast_load *load)
{
        return accesses_per_instruction(load->profile) * load->profile->shared_per_million / 1e6;
}

/* The coherence term (header, "Coherence") over the solved estimates: a few rounds of the
 * small fixed point between the rates and the times per instruction they lengthen. */
static void coherence_adjust(const struct mem_fast_config *c, const struct mem_fast_load *loads,
                             size_t n, struct mem_fast_estimate *out)
{
        double base[MEM_FAST_MAX_LOADS], rate[MEM_FAST_MAX_LOADS];
        bool any = false;

        for (size_t j = 0; j < n; j++) {
                base[j] = out[j].ps_per_instruction;
                for (size_t k = 0; k < n; k++)
                        any = any || shares_with(loads, j, k);
        }
        if (!any)
                return;
        for (unsigned round = 0; round < MEM_FAST_COHERENCE_ROUNDS; round++) {
                for (size_t j = 0; j < n; j++) /* shared accesses per ps */
                        rate[j] = shared_per_instruction(&loads[j]) / out[j].ps_per_instruction;
                for (size_t j = 0; j < n; j++) {
                        double shared = shared_per_instruction(&loads[j]);
                        double writes = loads[j].profile->writes_per_thousand / 1000.0;
                        double others = 0.0, others_written = 0.0, transfer, touched;

                        for (size_t k = 0; k < n; k++) {
                                if (!shares_with(loads, j, k))
                                        continue;
                                others += rate[k];
                                others_written +=
                                    rate[k] * loads[k].profile->writes_per_thousand / 1000.0;
                        }
                        transfer = mem_fast_coherence_miss_share(rate[j], others_written);
                        touched = mem_fast_coherence_miss_share(rate[j], others);
                        out[j].coherence_transfers_per_instruction = shared * transfer;
                        out[j].coherence_invalidations_per_instruction = shared * writes * touched;
                        out[j].ps_per_instruction =
                            base[j] + shared * (transfer + writes * fmax(0.0, touched - transfer)) *
                                          (double)c->llc_hit_ps;
                }
        }
}

int mem_fast_solve(const struct mem_fast_config *c, const struct mem_fast_load *loads, size_t n,
                   struct mem_fast_estimate *out, struct mem_fast_solution *solution)
{
        struct solver *sv;
        unsigned iteration;

        if (n > MEM_FAST_MAX_LOADS || c->core_clock_hz == 0 || c->line_bytes == 0 ||
            c->mshrs == 0 || c->dram_channels == 0 || c->dram_row_bytes == 0 ||
            c->dram_banks == 0 || c->dram_row_conflict_ps < c->dram_row_hit_ps ||
            c->dram_row_hit_ps < c->dram_burst_ps)
                return -EINVAL;
        sv = calloc(1, sizeof(*sv));
        if (sv == NULL)
                return -ENOMEM;
        sv->c = c;
        sv->loads = loads;
        sv->n = n;
        for (size_t j = 0; j < n; j++) {
                if (shape_of(c, &loads[j], &sv->shapes[j]) != 0) {
                        free(sv);
                        return -EINVAL;
                }
                sv->lambda_step[j] = 0.5;
        }
        for (size_t j = 0; j < n; j++)
                for (size_t k = 0; k < n; k++)
                        if (k != j)
                                sv->f[j][k] = insertion_overlap(c, loads, sv->shapes, j, k);
        for (iteration = 1; iteration <= MEM_FAST_MAX_ITERATIONS; iteration++) {
                double moved = 0.0;
                double before[MEM_FAST_MAX_LOADS];

                /* Start from a cold LLC (every load missing), as a detailed run does: where
                 * the occupancy has two stable points, this picks the one a cold start
                 * reaches. */
                if (iteration > 1)
                        llc_shares(c, sv->shapes, (const double(*)[MEM_FAST_MAX_LOADS])sv->f,
                                   sv->lambda, n, sv->share);
                for (size_t j = 0; j < n; j++)
                        sv->dram_rate[j] =
                            sv->rate[j] * sv->d[j].m2 * (1.0 + sv->shapes[j].dirty_share);
                for (size_t j = 0; j < n; j++) {
                        sv->d[j] = demand_of(c, &loads[j], &sv->shapes[j], sv->share[j],
                                             row_survival(sv, j));
                        before[j] = sv->rate[j];
                }
                mva_step(sv);
                for (size_t j = 0; j < n; j++) {
                        double x = sv->rate[j];

                        if (x > 0.0)
                                moved = fmax(moved, fabs(x - before[j]) / x);
                        if (iteration == 1)
                                sv->lambda[j] = x;
                        else
                                sv->lambda[j] = damp(sv->lambda[j], x, &sv->lambda_step[j],
                                                     &sv->lambda_delta[j]);
                }
                if (moved < MEM_FAST_TOLERANCE && iteration > 2)
                        break;
        }
        for (size_t j = 0; j < n; j++) {
                const struct load_demand *d = &sv->d[j];
                double total = d->delay_ps + sv->r_core[j];

                for (unsigned st = 0; st < STATIONS; st++)
                        total += sv->r[j][st];
                estimate_of(sv, j, fmin(d->population / total, 1.0 / d->core_ps), &out[j]);
        }
        coherence_adjust(c, loads, n, out);
        if (solution != NULL)
                *solution = (struct mem_fast_solution){
                        .bus_utilisation = sv->util[STATION_BUS],
                        .dram_utilisation =
                            fmax(sv->util[STATION_DRAM_COMMAND], sv->util[STATION_DRAM_DATA]),
                        .dram_data_utilisation = sv->util[STATION_DRAM_DATA],
                        .bus_queue = sv->queue[STATION_BUS],
                        .dram_queue =
                            sv->queue[STATION_DRAM_COMMAND] + sv->queue[STATION_DRAM_DATA],
                        .iterations = iteration
                };
        free(sv);
        return 0;
}

/* ---- the system ---------------------------------------------------------------------------- */

int mem_fast_system_init(struct mem_fast_system *s, const struct mem_fast_config *config,
                         struct sim *sim, size_t cores)
{
        if (cores == 0 || cores > MEM_FAST_MAX_LOADS)
                return -EINVAL;
        *s = (struct mem_fast_system){ .config = config, .sim = sim, .core_count = cores };
        s->cores = calloc(cores, sizeof(*s->cores));
        s->memo_loads = calloc(MEM_FAST_MEMO * cores, sizeof(*s->memo_loads));
        s->memo_estimates = calloc(MEM_FAST_MEMO * cores, sizeof(*s->memo_estimates));
        if (s->cores == NULL || s->memo_loads == NULL || s->memo_estimates == NULL) {
                mem_fast_system_fini(s);
                return -ENOMEM;
        }
        for (size_t i = 0; i < cores; i++) {
                s->cores[i].system = s;
                s->cores[i].inserted_at_stop = calloc(cores, sizeof(double));
                if (s->cores[i].inserted_at_stop == NULL) {
                        mem_fast_system_fini(s);
                        return -ENOMEM;
                }
        }
        return 0;
}

void mem_fast_system_fini(struct mem_fast_system *s)
{
        for (size_t i = 0; i < s->core_count && s->cores != NULL; i++)
                if (s->cores[i].event != 0)
                        (void)sim_cancel(s->sim, s->cores[i].event);
        for (size_t i = 0; i < s->core_count && s->cores != NULL; i++)
                free(s->cores[i].inserted_at_stop);
        free(s->cores);
        free(s->memo_loads);
        free(s->memo_estimates);
        s->cores = NULL;
        s->memo_loads = NULL;
        s->memo_estimates = NULL;
}

void mem_fast_core_partition(struct mem_fast_system *s, size_t core, uint64_t colour_mask,
                             uint64_t way_mask, uint64_t regulator_budget_bytes)
{
        s->cores[core].load.colour_mask = colour_mask;
        s->cores[core].load.way_mask = way_mask;
        s->cores[core].load.regulator_budget_bytes = regulator_budget_bytes;
}

/* Move core c's progress to now: debt first, then instructions at the current rate. */
static void account(struct mem_fast_core *c, sim_time_t now)
{
        struct mem_exec_segment *seg = c->segment;
        sim_time_t elapsed = now - c->since_ps;
        sim_time_t from_debt = elapsed < seg->debt_ps ? elapsed : seg->debt_ps;
        double done, stall;

        seg->debt_ps -= from_debt;
        if (seg->profile != NULL)
                seg->stats.stall_ps += from_debt; /* a profiled segment's debt is its warm-up */
        elapsed -= from_debt;
        c->busy_ps += now - c->since_ps;
        c->since_ps = now;
        if (seg->profile == NULL || elapsed == 0)
                return;
        done = fmin(c->instructions_left, (double)elapsed / c->ps_per_instruction);
        c->instructions_left -= done;
        seg->stats.compute_ps += elapsed;
        stall = done * (c->ps_per_instruction - c->core_ps_per_instruction);
        if (stall > 0) {
                c->stall_carry += stall;
                seg->stats.stall_ps += (sim_time_t)c->stall_carry;
                c->stall_carry -= floor(c->stall_carry);
        }
        c->inserted_bytes +=
            done * c->llc_misses_per_instruction * (double)c->system->config->line_bytes;
        c->l1_miss_carry += done * c->l1_misses_per_instruction;
        c->llc_miss_carry += done * c->llc_misses_per_instruction;
        seg->stats.l1_misses += (uint64_t)c->l1_miss_carry;
        seg->stats.llc_misses += (uint64_t)c->llc_miss_carry;
        c->l1_misses += (uint64_t)c->l1_miss_carry;
        c->llc_misses += (uint64_t)c->llc_miss_carry;
        c->l1_miss_carry -= floor(c->l1_miss_carry);
        c->llc_miss_carry -= floor(c->llc_miss_carry);
        if (c->transfers_per_instruction > 0.0 || c->invalidations_per_instruction > 0.0) {
                c->transfer_carry += done * c->transfers_per_instruction;
                c->invalidation_carry += done * c->invalidations_per_instruction;
                seg->stats.coherence_transfers += (uint64_t)c->transfer_carry;
                /* a transfer is an L1 miss served by the peer: not an LLC lookup */
                seg->stats.l1_misses += (uint64_t)c->transfer_carry;
                seg->stats.coherence_invalidations += (uint64_t)c->invalidation_carry;
                c->transfer_carry -= floor(c->transfer_carry);
                c->invalidation_carry -= floor(c->invalidation_carry);
        }
}

static void core_complete(struct sim *sim, void *arg);

/* mem_fast_solve, or the same answer from the memo. */
static int solve_memoised(struct mem_fast_system *s, const struct mem_fast_load *loads, size_t n,
                          struct mem_fast_estimate *estimates, struct mem_fast_solution *solution)
{
        size_t cores = s->core_count;
        int rc;

        s->solves++;
        for (size_t i = 0; i < MEM_FAST_MEMO; i++) {
                if (s->memo_n[i] != n || s->memo_loads == NULL ||
                    (n > 0 && memcmp(&s->memo_loads[i * cores], loads, n * sizeof(*loads)) != 0))
                        continue;
                memcpy(estimates, &s->memo_estimates[i * cores], n * sizeof(*estimates));
                *solution = s->memo_solutions[i];
                s->memo_hits++;
                return 0;
        }
        rc = mem_fast_solve(s->config, loads, n, estimates, solution);
        if (rc != 0 || s->memo_loads == NULL)
                return rc;
        memcpy(&s->memo_loads[s->memo_next * cores], loads, n * sizeof(*loads));
        memcpy(&s->memo_estimates[s->memo_next * cores], estimates, n * sizeof(*estimates));
        s->memo_n[s->memo_next] = n;
        s->memo_solutions[s->memo_next] = *solution;
        s->memo_next = (s->memo_next + 1) % MEM_FAST_MEMO;
        return 0;
}

/* Add the current utilisations' busy time up to `now`. */
static void busy_until(struct mem_fast_system *s, sim_time_t now)
{
        double elapsed = (double)(now - s->busy_since_ps);

        s->bus_busy_ps += s->current.bus_utilisation * elapsed;
        s->dram_busy_ps += s->current.dram_data_utilisation * elapsed;
        s->busy_since_ps = now;
}

static void resolve(struct mem_fast_system *s)
{
        struct mem_fast_load loads[MEM_FAST_MAX_LOADS] = { { 0 } };
        struct mem_fast_estimate estimates[MEM_FAST_MAX_LOADS];
        size_t index[MEM_FAST_MAX_LOADS];
        size_t n = 0;
        sim_time_t now = sim_now(s->sim);
        int rc;

        for (size_t i = 0; i < s->core_count; i++) {
                struct mem_fast_core *c = &s->cores[i];

                if (c->segment == NULL)
                        continue;
                account(c, now);
                if (c->segment->profile == NULL)
                        continue;
                loads[n] = c->load;
                loads[n].profile = c->segment->profile;
                index[n++] = i;
        }
        busy_until(s, now);
        rc = solve_memoised(s, loads, n, estimates, &s->current);
        assert(rc == 0);
        (void)rc;
        for (size_t j = 0; j < n; j++) {
                struct mem_fast_core *c = &s->cores[index[j]];
                double accesses = accesses_per_instruction(c->segment->profile);

                c->ps_per_instruction = estimates[j].ps_per_instruction;
                c->transfers_per_instruction = estimates[j].coherence_transfers_per_instruction;
                c->invalidations_per_instruction =
                    estimates[j].coherence_invalidations_per_instruction;
                /* LRU keeps all of a cyclic working set or none of it usefully */
                c->llc_share_bytes = estimates[j].llc_bytes;
                if (c->segment->profile->pattern != MEM_PATTERN_RANDOM &&
                    c->segment->profile->pattern != MEM_PATTERN_TRACE &&
                    estimates[j].llc_bytes < (double)c->segment->profile->working_set_bytes)
                        c->llc_share_bytes = 0.0;
                c->miss_latency_ps = estimates[j].llc_miss_latency_ps;
                c->steady_latency_ps = estimates[j].miss_latency_ps;
                c->l1_misses_per_instruction = accesses * estimates[j].l1_miss_ratio;
                c->llc_misses_per_instruction =
                    c->l1_misses_per_instruction * estimates[j].llc_miss_ratio;
                c->core_ps_per_instruction =
                    c->segment->profile->base_cpi * 1e12 / (double)s->config->core_clock_hz +
                    accesses * (double)s->config->l1_hit_ps;
        }
        for (size_t i = 0; i < s->core_count; i++) {
                struct mem_fast_core *c = &s->cores[i];
                sim_time_t finish;
                double remaining;

                if (c->segment == NULL)
                        continue;
                if (c->event != 0)
                        (void)sim_cancel(s->sim, c->event);
                c->event = 0;
                remaining = (double)c->segment->debt_ps;
                if (c->segment->profile != NULL)
                        remaining += ceil(c->instructions_left * c->ps_per_instruction);
                if (remaining >= (double)(SIM_TIME_MAX - now))
                        continue; /* beyond the end of time: it never completes */
                finish = now + (sim_time_t)remaining;
                c->event = sim_schedule_prio(s->sim, finish, SIM_PRIO_HIGH, core_complete, c);
                assert(c->event != 0);
        }
}

static void account_all(struct mem_fast_system *s, sim_time_t now)
{
        for (size_t i = 0; i < s->core_count; i++)
                if (s->cores[i].segment != NULL)
                        account(&s->cores[i], now);
}

/* The fraction of core k's LLC insertions that land in core j's cells. */
static double insert_overlap(const struct mem_fast_system *s, size_t j, size_t k)
{
        const struct mem_fast_config *c = s->config;
        const struct mem_fast_load *a = &s->cores[j].load, *b = &s->cores[k].load;
        double cells = popcount_fraction(b->colour_mask, c->llc_colours) *
                       popcount_fraction(b->way_mask, c->llc_ways);

        return overlap_fraction(a->colour_mask, b->colour_mask, c->llc_colours) *
               overlap_fraction(a->way_mask, b->way_mask, c->llc_ways) / cells;
}

/* A profiled segment leaves core j: remember what it had in the LLC and how much every core
 * had inserted by now. */
static void remember_residency(struct mem_fast_system *s, size_t j)
{
        struct mem_fast_core *c = &s->cores[j];

        account_all(s, sim_now(s->sim));
        c->resident_profile = c->segment->profile;
        c->resident_bytes = c->llc_share_bytes;
        for (size_t k = 0; k < s->core_count; k++)
                c->inserted_at_stop[k] = s->cores[k].inserted_bytes;
}

/* A profiled segment (re)starts on core j, already solved with its co-runners: the part of its
 * LLC share that is not resident any more is reloaded first, line by line at its miss latency
 * (population-wide overlap), charged as debt and counted as LLC misses. What survived: the
 * lines it had when its profile last left this core, thinned by exp(-inserted / capacity) for
 * the bytes other cores inserted into its cells since (nothing for a different profile). */
static bool charge_warmup(struct mem_fast_system *s, size_t j)
{
        struct mem_fast_core *c = &s->cores[j];
        const struct mem_fast_config *cfg = s->config;
        double cap = (double)cfg->llc_bytes *
                     popcount_fraction(c->load.colour_mask, cfg->llc_colours) *
                     popcount_fraction(c->load.way_mask, cfg->llc_ways);
        double surviving = 0.0, inserted = 0.0, missing, lines, population, fill;
        double core_per_miss, extra;

        if (c->resident_profile == c->segment->profile) {
                for (size_t k = 0; k < s->core_count; k++)
                        if (k != j)
                                inserted += insert_overlap(s, j, k) *
                                            (s->cores[k].inserted_bytes - c->inserted_at_stop[k]);
                surviving =
                    fmax(0.0, c->resident_bytes - fmax(0.0, inserted - (cap - c->resident_bytes)));
        }
        c->resident_profile = c->segment->profile;
        c->resident_bytes = c->llc_share_bytes;
        /* a random load reloads while co-runners keep evicting: with x = -ln(1 - C/W) (Che:
         * C/W = 1 - exp(-x)), the deficit relaxes per access at 1/W + 1/(x W) of itself,
         * so the extra misses are the deficit x x / (1 + x); all of it when nothing evicts */
        missing = c->llc_share_bytes - surviving;
        fill = c->llc_share_bytes / (double)c->segment->profile->working_set_bytes;
        if (c->segment->profile->pattern == MEM_PATTERN_RANDOM && fill < 1.0 - 1e-9) {
                double x = -log1p(-fill);

                missing *= x / (1.0 + x);
        }
        if (missing < (double)cfg->line_bytes)
                return false;
        lines = missing / (double)cfg->line_bytes;
        population =
            c->segment->profile->pattern == MEM_PATTERN_POINTER_CHASE ? 1.0 : (double)cfg->mshrs;
        /* per reloaded line, the stall a fill from DRAM adds beyond the steady miss: the N
         * outstanding misses overlap the core's work between misses (core_per_miss) */
        core_per_miss = c->l1_misses_per_instruction > 0.0
                            ? c->core_ps_per_instruction / c->l1_misses_per_instruction
                            : 0.0;
        extra = fmax(0.0, c->miss_latency_ps / population - core_per_miss) -
                fmax(0.0, c->steady_latency_ps / population - core_per_miss);
        c->segment->debt_ps += (sim_time_t)(lines * fmax(0.0, extra));
        c->llc_miss_carry += lines; /* they missed L1 in the steady state already */
        /* each reloaded line is a fill over the bus and from DRAM */
        s->bus_busy_ps += lines * (double)cfg->bus_transfer_ps;
        s->dram_busy_ps += lines * (double)cfg->dram_burst_ps / (double)cfg->dram_channels;
        return true;
}

/* Write the fractional progress back into the segment and detach it. */
static void detach(struct mem_fast_core *c)
{
        struct mem_exec_segment *seg = c->segment;

        if (seg->profile != NULL)
                remember_residency(c->system, (size_t)(c - c->system->cores));
        if (seg->profile != NULL) {
                uint64_t left = (uint64_t)ceil(c->instructions_left - 1e-6);

                seg->stats.instructions += seg->instructions_left - left;
                seg->instructions_left = left;
        }
        if (c->event != 0)
                (void)sim_cancel(c->system->sim, c->event);
        c->event = 0;
        c->segment = NULL;
}

static void core_complete(struct sim *sim, void *arg)
{
        struct mem_fast_core *c = arg;
        exec_done_fn done = c->done;

        c->event = 0;
        account(c, sim_now(sim));
        c->instructions_left = 0.0;
        c->segment->debt_ps = 0;
        detach(c);
        resolve(c->system);
        done(c->done_arg);
}

int mem_fast_start(struct mem_fast_system *s, size_t core, struct mem_exec_segment *seg,
                   exec_done_fn done, void *arg)
{
        struct mem_fast_core *c = &s->cores[core];

        assert(c->segment == NULL);
        if (seg->profile != NULL && mem_profile_validate(seg->profile) != 0)
                return -EINVAL;
        c->segment = seg;
        c->instructions_left = (double)seg->instructions_left;
        c->ps_per_instruction = 1.0;
        c->since_ps = sim_now(s->sim);
        c->done = done;
        c->done_arg = arg;
        resolve(s);
        if (seg->profile != NULL && charge_warmup(s, core))
                resolve(s);
        return 0;
}

void mem_fast_preempt(struct mem_fast_system *s, size_t core)
{
        struct mem_fast_core *c = &s->cores[core];

        assert(c->segment != NULL);
        account(c, sim_now(s->sim));
        detach(c);
        resolve(s);
}

bool mem_fast_busy(const struct mem_fast_system *s, size_t core)
{
        return s->cores[core].segment != NULL;
}

static int port_start(void *resource, struct mem_exec_segment *seg, exec_done_fn done, void *arg)
{
        struct mem_fast_core *c = resource;

        return mem_fast_start(c->system, (size_t)(c - c->system->cores), seg, done, arg);
}

static void port_preempt(void *resource)
{
        struct mem_fast_core *c = resource;

        mem_fast_preempt(c->system, (size_t)(c - c->system->cores));
}

static bool port_busy(const void *resource)
{
        const struct mem_fast_core *c = resource;

        return c->segment != NULL;
}

static const struct mem_exec_port_ops fast_port_ops = {
        .start = port_start,
        .preempt = port_preempt,
        .busy = port_busy,
};

struct mem_exec_port mem_fast_segment_port(struct mem_fast_system *s, size_t core)
{
        return (struct mem_exec_port){ .ops = &fast_port_ops, .resource = &s->cores[core] };
}

static sim_time_t plain_cycles_to_ps(const void *resource, uint64_t cycles)
{
        const struct mem_fast_core *c = resource;

        return sim_cycles_to_ps(cycles, c->system->config->core_clock_hz);
}

static int plain_start(void *resource, sim_time_t work_ps, exec_done_fn done, void *arg)
{
        struct mem_fast_core *c = resource;

        mem_exec_segment_init_plain(&c->plain, work_ps);
        return mem_fast_start(c->system, (size_t)(c - c->system->cores), &c->plain, done, arg);
}

static sim_time_t plain_preempt(void *resource)
{
        struct mem_fast_core *c = resource;

        mem_fast_preempt(c->system, (size_t)(c - c->system->cores));
        return c->plain.debt_ps;
}

static const struct exec_port_ops fast_plain_ops = {
        .cycles_to_ps = plain_cycles_to_ps,
        .start = plain_start,
        .preempt = plain_preempt,
        .busy = port_busy,
};

struct exec_port mem_fast_exec_port(struct mem_fast_system *s, size_t core)
{
        return (struct exec_port){ .ops = &fast_plain_ops, .resource = &s->cores[core] };
}

void mem_fast_sync(struct mem_fast_system *s)
{
        sim_time_t now = sim_now(s->sim);

        busy_until(s, now);
        for (size_t i = 0; i < s->core_count; i++) {
                struct mem_fast_core *c = &s->cores[i];
                struct mem_exec_segment *seg = c->segment;
                uint64_t left;

                if (seg == NULL)
                        continue;
                account(c, now);
                if (seg->profile == NULL)
                        continue;
                left = (uint64_t)ceil(c->instructions_left - 1e-6);
                seg->stats.instructions += seg->instructions_left - left;
                seg->instructions_left = left;
        }
}
