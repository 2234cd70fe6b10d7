#include "models/hw/mem_exec.h"

#include "models/hw/cache_priv.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>

#define MEM_EXEC_DEFAULT_LOOKAHEAD_PS SIM_PS_PER_US
#define MEM_EXEC_MAX_STEP             (1ULL << 32) /* instructions per compute step */

void mem_exec_segment_init(struct mem_exec_segment *seg, const struct mem_profile *profile,
                           struct mem_gen *gen, uint64_t instructions)
{
        *seg = (struct mem_exec_segment){ .profile = profile,
                                          .gen = gen,
                                          .instructions_left = instructions };
}

void mem_exec_segment_set_colours(struct mem_exec_segment *seg, uint64_t colour_mask,
                                  uint64_t colour_base)
{
        seg->own_colours = true;
        seg->colour_mask = colour_mask;
        seg->colour_base = colour_base;
}

void mem_exec_segment_init_plain(struct mem_exec_segment *seg, sim_time_t work_ps)
{
        *seg = (struct mem_exec_segment){ .debt_ps = work_ps };
}

bool mem_exec_segment_done(const struct mem_exec_segment *seg)
{
        return seg->instructions_left == 0 && seg->debt_ps == 0 && !seg->miss_pending &&
               seg->writebacks_pending == 0;
}

int mem_exec_init(struct mem_exec *e, const struct mem_exec_config *config, struct sim *sim,
                  struct cache *l1, const struct mem_port *downstream)
{
        if (config->clock_hz == 0 || config->mshrs == 0 || config->mshrs > MEM_EXEC_MAX_MSHRS ||
            l1 == NULL || downstream == NULL || config->initiator >= l1->config->initiators ||
            l1->config->line_bytes == 0 ||
            (l1->config->line_bytes & (l1->config->line_bytes - 1)) != 0)
                return -EINVAL;
        *e = (struct mem_exec){ .config = config,
                                .sim = sim,
                                .l1 = l1,
                                .downstream = *downstream,
                                .line_bytes = l1->config->line_bytes,
                                .free_fills = config->mshrs,
                                .free_writebacks = config->mshrs };
        e->l1_hit_ps = sim_cycles_to_ps(l1->config->hit_cycles, l1->config->clock_hz);
        while ((1U << e->line_shift) < e->line_bytes)
                e->line_shift++;
        for (uint32_t i = 0; i < config->mshrs; i++) {
                e->free_fill[i] = (uint16_t)i;
                e->free_writeback[i] = (uint16_t)(MEM_EXEC_MAX_MSHRS + i);
        }
        for (uint32_t i = 0; i < 2 * MEM_EXEC_MAX_MSHRS; i++)
                e->slots[i].engine = e;
        return 0;
}

void mem_exec_attach_llc(struct mem_exec *e, struct cache *llc)
{
        assert(e->config->initiator < llc->config->initiators);
        e->llc = llc;
        e->llc_hit_ps = sim_cycles_to_ps(llc->config->hit_cycles, llc->config->clock_hz);
}

void mem_exec_attach_shared(struct mem_exec *e, const struct mem_exec_shared *shared, unsigned id)
{
        assert(id < shared->caches && shared->l1[id] == e->l1);
        e->shared = shared;
        e->coherence_id = id;
}

void mem_exec_fini(struct mem_exec *e)
{
        if (e->event != 0)
                (void)sim_cancel(e->sim, e->event);
        e->event = 0;
        e->state = MEM_EXEC_IDLE;
        e->segment = NULL;
}

static void stats_add_time(struct mem_exec *e, sim_time_t ps, size_t field_offset)
{
        *(sim_time_t *)((char *)&e->segment->stats + field_offset) += ps;
        *(sim_time_t *)((char *)&e->totals + field_offset) += ps;
}

static void add_stall(struct mem_exec *e, sim_time_t now)
{
        stats_add_time(e, now - e->wait_since_ps, offsetof(struct mem_exec_stats, stall_ps));
}

static void engine_event(struct sim *sim, void *arg);

static int schedule_at_local(struct mem_exec *e)
{
        e->state = MEM_EXEC_RUNNING;
        e->event = sim_schedule_prio(e->sim, e->local_ps, SIM_PRIO_HIGH, engine_event, e);
        return e->event != 0 ? 0 : -ENOMEM;
}

static void finish(struct mem_exec *e, sim_time_t now)
{
        exec_done_fn done = e->done;

        e->busy_ps += now - e->started_ps;
        e->state = MEM_EXEC_IDLE;
        e->segment = NULL;
        e->epoch++;
        e->epoch_fills = 0;
        done(e->done_arg);
}

static bool is_dependent(const struct mem_exec_segment *seg)
{
        return seg->profile->pattern == MEM_PATTERN_POINTER_CHASE;
}

static struct mem_exec_slot *take_slot(struct mem_exec *e, bool fill)
{
        uint16_t index =
            fill ? e->free_fill[--e->free_fills] : e->free_writeback[--e->free_writebacks];
        struct mem_exec_slot *slot = &e->slots[index];

        slot->fill = fill;
        slot->epoch = e->epoch;
        return slot;
}

static void return_slot(struct mem_exec *e, struct mem_exec_slot *slot)
{
        uint16_t index = (uint16_t)(slot - e->slots);

        if (slot->fill)
                e->free_fill[e->free_fills++] = index;
        else
                e->free_writeback[e->free_writebacks++] = index;
}

static void slot_done(struct mem_request *req, void *arg);

static void submit_slot(struct mem_exec *e, struct mem_exec_slot *slot, uint64_t line,
                        enum mem_op op, sim_time_t now)
{
        int rc;

        slot->req = (struct mem_request){ .addr = line << e->line_shift,
                                          .size_bytes = e->line_bytes,
                                          .initiator = e->config->initiator,
                                          .op = (uint8_t)op,
                                          .issue_ps = now,
                                          .done = slot_done,
                                          .done_arg = slot };
        rc = mem_port_submit(&e->downstream, &slot->req);
        /* Our slots bound what we send; a refusing component would need retries that the
         * chain in mem_port.h does not make (caches and buses below never refuse). */
        assert(rc == 0);
        (void)rc;
}

/*
 * Local (decoupled-LLC) fills in flight: their completion times, kept sorted in a ring
 * (local_fill_done[(local_fill_head + i) % MEM_EXEC_MAX_MSHRS], i < local_fills, earliest
 * first). They are added at local_ps + llc_hit_ps with local_ps never decreasing, so an
 * insertion normally lands at the tail; the loop keeps the order in any case. The ring may
 * still hold fills done by the engine's time (run_local releases them only when the slots
 * look taken): fills_in_use releases them first, and the latest of them is past the engine's
 * time only if it is not done.
 */
#define LOCAL_FILL_MASK (MEM_EXEC_MAX_MSHRS - 1)
_Static_assert((MEM_EXEC_MAX_MSHRS & LOCAL_FILL_MASK) == 0, "the ring needs a power of two");

static inline sim_time_t *local_fill_at(struct mem_exec *e, uint32_t i)
{
        return &e->local_fill_done[(e->local_fill_head + i) & LOCAL_FILL_MASK];
}

static inline void local_fill_add(struct mem_exec *e, sim_time_t when)
{
        uint32_t i = e->local_fills;

        assert(i < MEM_EXEC_MAX_MSHRS);
        for (; __builtin_expect(i > 0 && *local_fill_at(e, i - 1) > when, 0); i--)
                *local_fill_at(e, i) = *local_fill_at(e, i - 1);
        *local_fill_at(e, i) = when;
        e->local_fills++;
}

/* Fill MSHRs in use: kernel fills and local (decoupled-LLC) fills. Local fills done by the
 * engine's time are released first. */
static uint32_t fills_in_use(struct mem_exec *e)
{
        while (e->local_fills > 0 && e->local_fill_done[e->local_fill_head] <= e->local_ps) {
                e->local_fill_head = (e->local_fill_head + 1) & LOCAL_FILL_MASK;
                e->local_fills--;
        }
        return e->config->mshrs - e->free_fills + e->local_fills;
}

/* The earliest or the latest local fill's completion (none: SIM_TIME_MAX or 0). */
static sim_time_t local_fill_extreme(const struct mem_exec *e, bool latest)
{
        uint32_t i = latest ? e->local_fills - 1 : 0;

        if (e->local_fills == 0)
                return latest ? 0 : SIM_TIME_MAX;
        return e->local_fill_done[(e->local_fill_head + i) & LOCAL_FILL_MASK];
}

/* Move the engine's clock to `when` as a stall. */
static void stall_until(struct mem_exec *e, sim_time_t when)
{
        if (when <= e->local_ps)
                return;
        stats_add_time(e, when - e->local_ps, offsetof(struct mem_exec_stats, stall_ps));
        e->local_ps = when;
}

/* A fill got its slot `ps` after its L1 miss: into the optional histogram. */
static void record_slot_wait(struct mem_exec *e, sim_time_t ps)
{
        if (e->slot_wait_histogram != NULL && histogram_record(e->slot_wait_histogram, ps) != 0)
                e->histogram_error = -ENOMEM;
}

enum issue_result { ISSUED, ISSUE_LATER, ISSUE_WAIT };

/* Issue what the last access left pending, at the engine's time (== now when anything goes
 * to the kernel). ISSUE_LATER: only after the engine's clock moved (done here for local
 * fills); ISSUE_WAIT: a slot must come back from downstream. */
static enum issue_result issue_pending(struct mem_exec *e, struct mem_exec_segment *seg,
                                       sim_time_t now)
{
        if (seg->miss_pending && fills_in_use(e) >= e->config->mshrs) {
                if (e->local_fills == 0)
                        return ISSUE_WAIT;
                stall_until(e, local_fill_extreme(e, false));
                return ISSUE_LATER;
        }
        if (seg->writebacks_pending > e->free_writebacks)
                return ISSUE_WAIT;
        for (uint8_t i = 0; i < seg->writebacks_pending; i++)
                submit_slot(e, take_slot(e, false), seg->writeback_lines[i], MEM_WRITE, now);
        seg->writebacks_pending = 0;
        if (!seg->miss_pending)
                return ISSUED;
        seg->miss_pending = false;
        record_slot_wait(e, e->local_ps - seg->miss_ps);
        if (seg->miss_local) {
                local_fill_add(e, e->local_ps + e->llc_hit_ps);
                return ISSUED;
        }
        e->epoch_fills++;
        submit_slot(e, take_slot(e, true), seg->miss_line, MEM_READ, now);
        return ISSUED;
}

static void add_writeback(struct mem_exec *e, struct mem_exec_segment *seg, uint64_t addr)
{
        assert(seg->writebacks_pending < 3);
        seg->writeback_lines[seg->writebacks_pending++] = addr >> e->line_shift;
}

/* Add the counters of `d` to the segment's and the engine's. */
static void stats_flush(struct mem_exec *e, struct mem_exec_segment *seg,
                        const struct mem_exec_stats *d)
{
        struct mem_exec_stats *to[2] = { &seg->stats, &e->totals };

        for (unsigned i = 0; i < 2; i++) {
                to[i]->instructions += d->instructions;
                to[i]->accesses += d->accesses;
                to[i]->l1_misses += d->l1_misses;
                to[i]->llc_misses += d->llc_misses;
                to[i]->writebacks += d->writebacks;
                to[i]->compute_ps += d->compute_ps;
                to[i]->hit_ps += d->hit_ps;
                to[i]->stall_ps += d->stall_ps;
                to[i]->coherence_transfers += d->coherence_transfers;
                to[i]->coherence_invalidations += d->coherence_invalidations;
        }
}

/* An L1 miss of `line` with no decoupled LLC: the fill, and the L1's dirty victim at
 * `writeback` (if not CACHE_NO_WRITEBACK), go below. */
static void l1_missed_below(struct mem_exec *e, struct mem_exec_segment *seg, uint64_t line,
                            uint64_t writeback, sim_time_t miss_ps)
{
        seg->miss_pending = true;
        seg->miss_local = false;
        seg->miss_line = line;
        seg->miss_ps = miss_ps;
        if (writeback != CACHE_NO_WRITEBACK)
                add_writeback(e, seg, writeback);
}

/*
 * Run the segment from a point where nothing is pending, the engine is less than `lookahead`
 * ahead of `now` and instructions are left: the compute before each access, the access in L1,
 * and an L1 miss that hits the decoupled LLC without a write-back to send, exactly as the
 * general loop of advance() (step, then issue_pending and the dependent-load stall) would,
 * with the engine's clock, the segment's progress and the counters in locals. Stops at the
 * lookahead bound, at the end of the instructions, or with a miss pending that the general
 * loop must handle (one that goes below the LLC, write-backs, or no free slot).
 */
/* Whether `addr` is in the shared regions the engine keeps coherent. */
static inline bool in_shared(const struct mem_exec *e, uint64_t addr)
{
        return e->shared != NULL && addr >= e->shared->base && addr < e->shared->end;
}

static inline bool run_local_no_accesses(const struct mem_exec_segment *seg)
{
        return seg->profile->accesses_per_kilo_instruction == 0 &&
               seg->profile->pattern != MEM_PATTERN_TRACE;
}

static inline uint64_t run_local_mask(const struct mem_exec *e, const struct mem_exec_segment *seg)
{
        return seg->own_colours ? seg->colour_mask : e->config->colour_mask;
}

/* run_local; `plain` (a constant where this is inlined): known to have accesses, a decoupled
 * LLC, no colouring, no slot-wait histogram and no dependent loads, so that the loop tests
 * none of them. The loop keeps only what it must (the counts; the instructions, compute and
 * hit times follow from them and from the clock at the end). */
__attribute__((always_inline)) static inline void run_local_body(struct mem_exec *e,
                                                                 struct mem_exec_segment *seg,
                                                                 sim_time_t now,
                                                                 sim_time_t lookahead, bool plain)
{
        const struct mem_exec_config *config = e->config;
        bool no_accesses = !plain && run_local_no_accesses(seg);
        bool dependent = !plain && is_dependent(seg);
        uint64_t mask = plain ? 0 : run_local_mask(e, seg);
        uint64_t base = seg->own_colours ? seg->colour_base : config->colour_base;
        uint64_t ps_q16 = seg->ps_per_instruction_q16;
        sim_time_t l1_hit_ps = e->l1_hit_ps, llc_hit_ps = e->llc_hit_ps;
        struct cache *l1 = e->l1, *llc = e->llc;
        bool has_llc = plain || llc != NULL;
        const struct histogram *waits = plain ? NULL : e->slot_wait_histogram;
        /* shared-region accesses leave the loop (shared_access): [shared_base, shared_end) */
        bool has_shared = !plain && e->shared != NULL && seg->profile->shared_per_million > 0;
        uint64_t shared_base = has_shared ? e->shared->base : 0;
        uint64_t shared_end = has_shared ? e->shared->end : 0;
        unsigned line_shift = e->line_shift;
        struct mem_gen *gen = seg->gen;
        uint64_t accesses = 0, l1_misses = 0, llc_misses = 0, writebacks = 0;
        sim_time_t stall_ps = 0;
        sim_time_t local_ps = e->local_ps, start_ps = local_ps;
        uint64_t left = seg->instructions_left, start_left = left;
        uint64_t gap_left = seg->gap_left;
        uint64_t fraction = seg->compute_fraction_q16;
        bool has_next = seg->has_next;
        uint64_t next_addr = seg->next.addr; /* of the access `has_next` holds */
        uint8_t next_op = seg->next.op;
        /* the local-fill ring (no kernel fill is issued or returns in here) */
        sim_time_t *fill_done = e->local_fill_done;
        uint32_t fill_head = e->local_fill_head, fills = e->local_fills;
        uint32_t free_slots = e->free_fills; /* fills in use: mshrs - free_slots + fills */
        /* the caches' parameters in locals (cache_priv.h) */
        struct cache_lean_view l1_view = cache_lean_view_of(l1, config->initiator);
        struct cache_lean_view llc_view = { 0 };
        /* their counts for this initiator, added at the end */
        struct cache_counters l1_counts = { 0 }, llc_counts = { 0 };
        /* the generator's drawn accesses not yet handed out, walked here (mem_profile.h) */
        const struct mem_access *drawn = NULL, *drawn_end = NULL;
        struct mem_exec_stats d;

        if (has_llc)
                llc_view = cache_lean_view_of(llc, config->initiator);
        if (!no_accesses) {
                drawn = gen->batch + gen->batch_next;
                drawn_end = gen->batch + gen->batch_count;
        }
        do {
                uint64_t n, total_q16, writeback, line, victim_writeback, fill_writeback;
                sim_time_t miss_ps;
                bool llc_hit;

                if (!has_next) {
                        if (no_accesses) {
                                gap_left = UINT64_MAX;
                        } else {
                                if (drawn == drawn_end) {
                                        mem_gen_refill(gen);
                                        drawn = gen->batch;
                                        drawn_end = gen->batch + gen->batch_count;
                                }
                                gap_left = drawn->gap_instructions;
                                next_addr = drawn->addr;
                                next_op = drawn->op;
                                drawn++;
                                if (mask != 0 &&
                                    !(next_addr >= shared_base && next_addr < shared_end))
                                        next_addr = cache_colour_translate(config->colours,
                                                                           config->page_bytes, mask,
                                                                           base, next_addr);
                        }
                        has_next = true;
                }
                n = gap_left < left ? gap_left : left;
                if (n > MEM_EXEC_MAX_STEP)
                        n = MEM_EXEC_MAX_STEP;
                total_q16 = n * ps_q16 + fraction;
                local_ps += total_q16 >> 16;
                fraction = total_q16 & 0xFFFF;
                left -= n;
                gap_left -= n;
                if (gap_left > 0)
                        continue;
                if (has_shared && next_addr >= shared_base && next_addr < shared_end)
                        break; /* for advance (shared_access), with has_next */
                has_next = false;
                local_ps += l1_hit_ps;
                accesses++;
                if (cache_access_view_l1(&l1_view, &l1_counts, next_addr, (enum mem_op)next_op,
                                         &writeback, plain))
                        continue;
                l1_misses++;
                line = next_addr >> line_shift;
                miss_ps = local_ps;
                if (writeback != CACHE_NO_WRITEBACK)
                        writebacks++;
                if (!has_llc) {
                        l1_missed_below(e, seg, line, writeback, miss_ps);
                        break; /* for the general loop: it goes to the kernel */
                }
                /* with the decoupled LLC: the L1's dirty victim is written into it (a full
                 * line), then the fill looks it up */
                victim_writeback = CACHE_NO_WRITEBACK;
                if (writeback != CACHE_NO_WRITEBACK)
                        (void)cache_access_view_llc(&llc_view, &llc_counts, writeback, MEM_WRITE,
                                                    &victim_writeback, plain);
                llc_hit = cache_access_view_llc(&llc_view, &llc_counts, line << line_shift,
                                                MEM_READ, &fill_writeback, plain);
                if (!llc_hit)
                        llc_misses++;
                /* (both all ones: no LLC write-back) */
                if (!llc_hit || (victim_writeback & fill_writeback) != CACHE_NO_WRITEBACK) {
                        seg->miss_pending = true;
                        seg->miss_local = llc_hit;
                        seg->miss_line = line;
                        seg->miss_ps = miss_ps;
                        if (victim_writeback != CACHE_NO_WRITEBACK)
                                add_writeback(e, seg, victim_writeback);
                        if (fill_writeback != CACHE_NO_WRITEBACK)
                                add_writeback(e, seg, fill_writeback);
                        break; /* for the general loop: it goes to the kernel */
                }
                /* issue_pending for a local fill (fills_in_use, local_fill_add): wait for a
                 * slot while local fills free */
                for (;;) {
                        /* releasing the done fills only when the slots look taken (the ring
                         * may hold done ones meanwhile: fills_in_use and local_fill_extreme
                         * give the same answers with them) */
                        if (fills < free_slots)
                                break;
                        while (fills > 0 && fill_done[fill_head] <= local_ps) {
                                fill_head = (fill_head + 1) & LOCAL_FILL_MASK;
                                fills--;
                        }
                        if (fills < free_slots)
                                break;
                        if (fills == 0) { /* ISSUE_WAIT: for the general loop */
                                seg->miss_pending = true;
                                seg->miss_local = true;
                                seg->miss_line = line;
                                seg->miss_ps = miss_ps;
                                goto out;
                        }
                        stall_ps += fill_done[fill_head] - local_ps;
                        local_ps = fill_done[fill_head];
                }
                if (waits != NULL)
                        record_slot_wait(e, local_ps - miss_ps);
                {
                        sim_time_t when = local_ps + llc_hit_ps;
                        uint32_t i = fills;

                        /* (plain: no fill in the ring completes later, see run_local) */
                        for (; !plain && i > 0 &&
                               fill_done[(fill_head + i - 1) & LOCAL_FILL_MASK] > when;
                             i--)
                                fill_done[(fill_head + i) & LOCAL_FILL_MASK] =
                                    fill_done[(fill_head + i - 1) & LOCAL_FILL_MASK];
                        fill_done[(fill_head + i) & LOCAL_FILL_MASK] = when;
                        fills++;
                }
                if (dependent && llc_hit_ps > 0) {
                        local_ps += llc_hit_ps;
                        stall_ps += llc_hit_ps;
                }
        } while (local_ps - now < lookahead && left > 0);
out:
        if (!no_accesses)
                gen->batch_next = (uint32_t)(drawn - gen->batch);
        cache_counters_add(&l1_view, &l1_counts);
        if (has_llc)
                cache_counters_add(&llc_view, &llc_counts);
        e->local_fill_head = fill_head;
        e->local_fills = fills;
        e->local_ps = local_ps;
        seg->instructions_left = left;
        seg->gap_left = gap_left;
        seg->compute_fraction_q16 = fraction;
        seg->has_next = has_next;
        seg->next.addr = next_addr;
        seg->next.op = next_op;
        /* the clock moved by compute, L1 lookups and stalls only */
        d = (struct mem_exec_stats){ .instructions = start_left - left,
                                     .accesses = accesses,
                                     .l1_misses = l1_misses,
                                     .llc_misses = llc_misses,
                                     .writebacks = writebacks,
                                     .hit_ps = accesses * l1_hit_ps,
                                     .stall_ps = stall_ps };
        d.compute_ps = local_ps - start_ps - d.hit_ps - stall_ps;
        stats_flush(e, seg, &d);
}

/* The plain case of run_local_body: besides what it names, both caches lean and every local
 * fill in flight completing no later than a fill issued now would (those issued in the loop
 * come later still: the engine's clock does not go back), so that a fill joins the ring at its
 * end. */
static bool run_local_plain(const struct mem_exec *e, const struct mem_exec_segment *seg)
{
        return e->llc != NULL && e->slot_wait_histogram == NULL && !is_dependent(seg) &&
               !run_local_no_accesses(seg) && run_local_mask(e, seg) == 0 &&
               seg->profile->shared_per_million == 0 && e->l1->lean && e->llc->lean &&
               local_fill_extreme(e, true) <= e->local_ps + e->llc_hit_ps;
}

static void run_local(struct mem_exec *e, struct mem_exec_segment *seg, sim_time_t now,
                      sim_time_t lookahead)
{
        if (run_local_plain(e, seg))
                run_local_body(e, seg, now, lookahead, true);
        else
                run_local_body(e, seg, now, lookahead, false);
}

/* A dirty line written back to the shared level: into the decoupled LLC (a full line; its
 * own dirty victim goes below), or as a line write to `downstream`. */
static void write_line_back(struct mem_exec *e, struct mem_exec_segment *seg, uint64_t addr)
{
        struct cache_outcome out;

        if (e->llc == NULL) {
                add_writeback(e, seg, addr);
                return;
        }
        out = cache_access(e->llc, addr, MEM_WRITE, e->config->initiator);
        if (out.writeback)
                add_writeback(e, seg, out.writeback_addr);
}

/* An L1 miss of `line` not served by a peer, the L1's dirty victim (if any) already written
 * back: left pending for issue_pending, after the decoupled LLC's lookup if there is one. */
static void shared_missed(struct mem_exec *e, struct mem_exec_segment *seg, uint64_t line)
{
        struct cache_outcome out = { .hit = false };

        if (e->llc != NULL) {
                out = cache_access(e->llc, line << e->line_shift, MEM_READ, e->config->initiator);
                if (!out.hit) {
                        seg->stats.llc_misses++;
                        e->totals.llc_misses++;
                }
                if (out.writeback)
                        add_writeback(e, seg, out.writeback_addr);
        }
        seg->miss_pending = true;
        seg->miss_local = out.hit;
        seg->miss_line = line;
        seg->miss_ps = e->local_ps;
}

/* The access in seg->next, to a shared region (see mem_exec_shared in mem_exec.h). */
static void shared_access(struct mem_exec *e, struct mem_exec_segment *seg)
{
        const struct mem_exec_shared *shared = e->shared;
        uint64_t addr = seg->next.addr, line = addr >> e->line_shift;
        enum mem_op op = (enum mem_op)seg->next.op;
        struct coherence_result coh = { .supplier = -1 };
        struct cache_outcome out;
        struct mem_exec_stats d = { .accesses = 1, .hit_ps = e->l1_hit_ps };
        bool hit;

        for (unsigned i = 0; i < shared->caches; i++)
                if (coherence_state_of(shared->directory, i, line) != COH_I &&
                    !cache_contains(shared->l1[i], addr))
                        (void)coherence_evict(shared->directory, i, line);
        hit = cache_contains(e->l1, addr);
        if (op == MEM_WRITE)
                coh = coherence_write(shared->directory, e->coherence_id, line);
        else if (!hit)
                coh = coherence_read(shared->directory, e->coherence_id, line);
        seg->has_next = false;
        e->local_ps += e->l1_hit_ps;
        if (coh.owner_writeback)
                write_line_back(e, seg, addr);
        out = cache_access(e->l1, addr, op, e->config->initiator);
        assert(out.hit == hit);
        d.stall_ps = coh.extra_ps;
        d.coherence_invalidations = coh.invalidated != 0;
        if (!hit) {
                d.l1_misses = 1;
                d.writebacks = out.writeback;
                d.coherence_transfers = coh.supplier >= 0;
        }
        stats_flush(e, seg, &d);
        if (out.writeback)
                write_line_back(e, seg, out.writeback_addr);
        if (!hit && coh.supplier < 0)
                shared_missed(e, seg, line);
        e->local_ps += coh.extra_ps;
}

/* Continue the segment at kernel time now (e->local_ps >= now). */
static void advance(struct mem_exec *e)
{
        struct mem_exec_segment *seg = e->segment;
        sim_time_t now = sim_now(e->sim);
        sim_time_t lookahead =
            e->config->lookahead_ps != 0 ? e->config->lookahead_ps : MEM_EXEC_DEFAULT_LOOKAHEAD_PS;
        int rc;

        for (;;) {
                if (seg->miss_pending || seg->writebacks_pending > 0) {
                        bool dependent = seg->miss_pending && is_dependent(seg);
                        bool local = seg->miss_local && seg->writebacks_pending == 0;
                        enum issue_result result;

                        if (!local && e->local_ps > now)
                                break;
                        result = issue_pending(e, seg, now);
                        if (result == ISSUE_LATER)
                                continue;
                        if (result == ISSUE_WAIT) {
                                e->state = MEM_EXEC_WAIT_SLOT;
                                e->wait_since_ps = e->local_ps;
                                return;
                        }
                        if (dependent && local) {
                                stall_until(e, e->local_ps + e->llc_hit_ps);
                        } else if (dependent) {
                                e->state = MEM_EXEC_WAIT_LOAD;
                                e->wait_since_ps = e->local_ps;
                                return;
                        }
                        continue;
                }
                if (seg->has_next && seg->gap_left == 0 && seg->profile->shared_per_million > 0 &&
                    in_shared(e, seg->next.addr)) {
                        shared_access(e, seg);
                        continue;
                }
                if (e->local_ps - now >= lookahead)
                        break;
                if (seg->instructions_left == 0) {
                        stall_until(e, local_fill_extreme(e, true));
                        if (e->local_ps > now)
                                break;
                        if (e->epoch_fills > 0) {
                                e->state = MEM_EXEC_WAIT_DRAIN;
                                e->wait_since_ps = e->local_ps;
                                return;
                        }
                        finish(e, now);
                        return;
                }
                run_local(e, seg, now, lookahead);
        }
        rc = schedule_at_local(e);
        assert(rc == 0); /* the kernel's queue cannot grow: out of memory mid-run */
        (void)rc;
}

static void engine_event(struct sim *sim, void *arg)
{
        struct mem_exec *e = arg;

        (void)sim;
        e->event = 0;
        if (e->segment->profile == NULL) {
                finish(e, sim_now(e->sim));
                return;
        }
        advance(e);
}

static void slot_done(struct mem_request *req, void *arg)
{
        struct mem_exec_slot *slot = arg;
        struct mem_exec *e = slot->engine;
        sim_time_t now = sim_now(e->sim);
        bool current = slot->fill && slot->epoch == e->epoch && e->segment != NULL;

        (void)req;
        return_slot(e, slot);
        if (current)
                e->epoch_fills--;
        switch (e->state) {
        case MEM_EXEC_WAIT_SLOT:
                break; /* any freed slot may be the one the miss needs */
        case MEM_EXEC_WAIT_LOAD:
        case MEM_EXEC_WAIT_DRAIN:
                if (!current || e->epoch_fills > 0)
                        return;
                break;
        default:
                return;
        }
        /* with a decoupled LLC, the fill passes the LLC's tag lookup on its way back */
        if (slot->fill && e->llc != NULL && e->state != MEM_EXEC_WAIT_SLOT)
                now += e->llc_hit_ps;
        /* the engine may have been ahead of the kernel when it began to wait */
        if (now < e->wait_since_ps)
                now = e->wait_since_ps;
        add_stall(e, now);
        e->local_ps = now;
        e->state = MEM_EXEC_RUNNING;
        advance(e);
}

static uint64_t ps_per_instruction_q16(double cpi, uint64_t clock_hz)
{
        return (uint64_t)llround(cpi * (double)SIM_PS_PER_S / (double)clock_hz * 65536.0);
}

int mem_exec_start(struct mem_exec *e, struct mem_exec_segment *seg, exec_done_fn done, void *arg)
{
        sim_time_t now = sim_now(e->sim);
        int rc;

        assert(e->state == MEM_EXEC_IDLE);
        assert(seg->profile == NULL || seg->gen != NULL);
        if (seg->profile != NULL)
                seg->ps_per_instruction_q16 =
                    ps_per_instruction_q16(seg->profile->base_cpi, e->config->clock_hz);
        e->epoch++;
        e->epoch_fills = 0;
        e->segment = seg;
        e->done = done;
        e->done_arg = arg;
        e->started_ps = now;
        e->local_ps = now + seg->debt_ps;
        seg->debt_ps = 0;
        seg->miss_ps = e->local_ps; /* a pending miss waits for its slot from here */
        rc = schedule_at_local(e);
        if (rc != 0) {
                seg->debt_ps = e->local_ps - now;
                e->state = MEM_EXEC_IDLE;
                e->segment = NULL;
        }
        return rc;
}

void mem_exec_preempt(struct mem_exec *e)
{
        sim_time_t now = sim_now(e->sim);
        struct mem_exec_segment *seg = e->segment;

        assert(e->state != MEM_EXEC_IDLE);
        if (e->event != 0)
                (void)sim_cancel(e->sim, e->event);
        e->event = 0;
        if (e->state == MEM_EXEC_RUNNING) {
                assert(e->local_ps >= now);
                seg->debt_ps = e->local_ps - now;
        } else if (now >= e->wait_since_ps) {
                add_stall(e, now);
        } else {
                seg->debt_ps = e->wait_since_ps - now; /* it waited ahead of the kernel */
        }
        e->busy_ps += now - e->started_ps;
        e->state = MEM_EXEC_IDLE;
        e->segment = NULL;
        e->epoch++;
        e->epoch_fills = 0;
}

bool mem_exec_busy(const struct mem_exec *e)
{
        return e->state != MEM_EXEC_IDLE;
}

const struct mem_exec_stats *mem_exec_totals(const struct mem_exec *e)
{
        return &e->totals;
}

sim_time_t mem_exec_busy_ps(const struct mem_exec *e)
{
        if (e->state == MEM_EXEC_IDLE)
                return e->busy_ps;
        return e->busy_ps + (sim_now(e->sim) - e->started_ps);
}

uint32_t mem_exec_fills_outstanding(const struct mem_exec *e)
{
        return e->config->mshrs - e->free_fills;
}

/* ---- adapters ------------------------------------------------------------------------------ */

static sim_time_t port_cycles_to_ps(const void *resource, uint64_t cycles)
{
        const struct mem_exec *e = resource;

        return sim_cycles_to_ps(cycles, e->config->clock_hz);
}

static int port_start_plain(void *resource, sim_time_t work_ps, exec_done_fn done, void *arg)
{
        struct mem_exec *e = resource;

        mem_exec_segment_init_plain(&e->plain, work_ps);
        return mem_exec_start(e, &e->plain, done, arg);
}

static sim_time_t port_preempt_plain(void *resource)
{
        struct mem_exec *e = resource;

        assert(e->segment == &e->plain);
        mem_exec_preempt(e);
        return e->plain.debt_ps;
}

static bool port_busy(const void *resource)
{
        return mem_exec_busy(resource);
}

static const struct exec_port_ops plain_port_ops = {
        .cycles_to_ps = port_cycles_to_ps,
        .start = port_start_plain,
        .preempt = port_preempt_plain,
        .busy = port_busy,
};

struct exec_port mem_exec_exec_port(struct mem_exec *e)
{
        return (struct exec_port){ .ops = &plain_port_ops, .resource = e };
}

static int port_start_segment(void *resource, struct mem_exec_segment *seg, exec_done_fn done,
                              void *arg)
{
        return mem_exec_start(resource, seg, done, arg);
}

static void port_preempt_segment(void *resource)
{
        mem_exec_preempt(resource);
}

static const struct mem_exec_port_ops segment_port_ops = {
        .start = port_start_segment,
        .preempt = port_preempt_segment,
        .busy = port_busy,
};

struct mem_exec_port mem_exec_segment_port(struct mem_exec *e)
{
        return (struct mem_exec_port){ .ops = &segment_port_ops, .resource = e };
}
