/*
 * Cache: replacement (LRU, tree pseudo-LRU, random from its stream) with dirty write-backs,
 * the colour arithmetic and colour isolation, way partitioning, and the timed path (hit and
 * miss latency, MSHR limit, merging, write-backs downstream).
 */
#include <check.h>
#include <stdlib.h>

#include "models/hw/cache.h"
#include "models/hw/cache_priv.h"
#include "models/hw/dram.h"
#include "models/hw/interconnect.h"
#include "models/hw/regulator.h"
#include "sim/rng.h"
#include "sim/sim.h"

/* 2 sets x 4 ways x 64-B lines = 512 B. Line n = addr / 64 is in set n % 2, so the lines of
 * set 0 are at addresses k * 128: A(k) below. */
#define A(k) ((uint64_t)(k)*128)

static struct cache_config small_config(enum cache_replacement replacement)
{
        return (struct cache_config){ .name = "l1",
                                      .size_bytes = 512,
                                      .ways = 4,
                                      .line_bytes = 64,
                                      .replacement = replacement,
                                      .seed = 42,
                                      .clock_hz = 1000000000,
                                      .hit_cycles = 2,
                                      .mshrs_per_initiator = 4,
                                      .initiators = 2 };
}

static void access_expect(struct cache *cache, uint64_t addr, enum mem_op op, bool hit,
                          bool writeback, uint64_t writeback_addr)
{
        struct cache_outcome out = cache_access(cache, addr, op, 0);

        ck_assert_msg(out.hit == hit, "address %llu: hit %d, expected %d", (unsigned long long)addr,
                      out.hit, hit);
        ck_assert_int_eq(out.writeback, writeback);
        if (writeback)
                ck_assert_uint_eq(out.writeback_addr, writeback_addr);
}

START_TEST(test_lru_sequence)
{
        struct cache_config config = small_config(CACHE_LRU);
        struct cache cache;
        const struct cache_counters *c;

        ck_assert_int_eq(cache_init(&cache, &config, NULL, NULL), 0);
        ck_assert_uint_eq(cache_sets(&cache), 2);
        /* A0..A3 fill ways 0..3 (A1 written: dirty); A0 hits, so the LRU order (oldest first)
         * is A1 A2 A3 A0. A4 evicts A1 (dirty: write-back of address 128); order A2 A3 A0 A4.
         * A1 again misses and evicts A2 (clean); order A3 A0 A4 A1. */
        access_expect(&cache, A(0), MEM_READ, false, false, 0);
        access_expect(&cache, A(1), MEM_WRITE, false, false, 0);
        access_expect(&cache, A(2), MEM_READ, false, false, 0);
        access_expect(&cache, A(3), MEM_READ, false, false, 0);
        access_expect(&cache, A(0), MEM_READ, true, false, 0);
        access_expect(&cache, A(4), MEM_READ, false, true, A(1));
        access_expect(&cache, A(1), MEM_READ, false, false, 0);
        ck_assert(!cache_contains(&cache, A(2)));
        ck_assert(cache_contains(&cache, A(3)) && cache_contains(&cache, A(0)));
        /* Set 1 (address 64) is untouched by all of this. */
        access_expect(&cache, 64, MEM_READ, false, false, 0);
        /* Writing A0 and A4 (hits) makes the order A3 A1 A0 A4 with A0 and A4 dirty. Misses
         * A5..A8 then evict A3 (clean), A1 (clean: re-read after its write-back), A0
         * (write-back of 0) and A4 (write-back of 512). */
        access_expect(&cache, A(0), MEM_WRITE, true, false, 0);
        access_expect(&cache, A(4), MEM_WRITE, true, false, 0);
        access_expect(&cache, A(5), MEM_READ, false, false, 0);
        access_expect(&cache, A(6), MEM_READ, false, false, 0);
        access_expect(&cache, A(7), MEM_READ, false, true, A(0));
        access_expect(&cache, A(8), MEM_READ, false, true, A(4));
        c = cache_counters_of(&cache, 0);
        /* 14 accesses; 3 hits (A0 read, A0 and A4 writes); 11 misses; write-backs A1 A0 A4. */
        ck_assert_uint_eq(c->accesses, 14);
        ck_assert_uint_eq(c->misses, 11);
        ck_assert_uint_eq(c->writebacks, 3);
        cache_fini(&cache);
}
END_TEST

START_TEST(test_lru_order_word)
{
        /* The recency order of an LRU set of up to 16 ways is a nibble per position, the most
         * recent way at position 0 (bits 0-3). 4 ways start as way p at position p: 0x3210.
         * Touching way 2 moves it to position 0 and ways 0 and 1 up one: 2 0 1 3, 0x3102.
         * Moving the least recent way (3) to the front: 3 2 0 1, 0x1023, and touching way 3,
         * the same. Touching the most recent way changes nothing. */
        uint64_t order = cache_lru_order_init(4);

        ck_assert_uint_eq(order, 0x3210);
        order = cache_lru_order_touch(order, 2);
        ck_assert_uint_eq(order, 0x3102);
        ck_assert_uint_eq(cache_lru_order_rotate(order, 4), 0x1023);
        ck_assert_uint_eq(cache_lru_order_touch(order, 3), 0x1023);
        ck_assert_uint_eq(cache_lru_order_touch(order, 2), 0x3102);
        /* 16 ways fill the word: touching way 7 (position 7) gives positions 0..7 the ways
         * 7 0 1 2 3 4 5 6, the upper half kept; the last position's way 15 shifts out to the
         * front: every nibble moves up one. */
        order = cache_lru_order_init(16);
        ck_assert_uint_eq(order, 0xFEDCBA9876543210ULL);
        ck_assert_uint_eq(cache_lru_order_touch(order, 7), 0xFEDCBA9865432107ULL);
        ck_assert_uint_eq(cache_lru_order_touch(order, 15), 0xEDCBA9876543210FULL);
        ck_assert_uint_eq(cache_lru_order_rotate(order, 16), 0xEDCBA9876543210FULL);
        ck_assert_uint_eq(cache_lru_order_victim(order, 16, 0x00F0), 7); /* oldest of 4..7 */
}
END_TEST

START_TEST(test_tree_plru_sequence)
{
        struct cache_config config = small_config(CACHE_TREE_PLRU);
        struct cache cache;

        ck_assert_int_eq(cache_init(&cache, &config, NULL, NULL), 0);
        /* Bits b1 (root), b2 (ways 0/1), b3 (ways 2/3); 0 = victim on the low side. Fills
         * (invalid ways first) A0..A3 into ways 0..3 (A2 written); touches: w0 -> b1=1 b2=1;
         * w1 -> b2=0; w2 -> b1=0 b3=1; w3 -> b3=0: all 0. Hit A0 (w0): b1=1 b2=1.
         * A4: b1=1 -> high half, b3=0 -> way 2: evicts A2 (dirty, write-back 256), where true
         * LRU would evict A1. Touch w2: b1=0 b3=1.
         * A5: b1=0 -> low half, b2=1 -> way 1: evicts A1. Touch w1: b1=1 b2=0.
         * A6: b1=1 -> high, b3=1 -> way 3: evicts A3. Contents A0 A5 A4 A6. */
        access_expect(&cache, A(0), MEM_READ, false, false, 0);
        access_expect(&cache, A(1), MEM_READ, false, false, 0);
        access_expect(&cache, A(2), MEM_WRITE, false, false, 0);
        access_expect(&cache, A(3), MEM_READ, false, false, 0);
        access_expect(&cache, A(0), MEM_READ, true, false, 0);
        access_expect(&cache, A(4), MEM_READ, false, true, A(2));
        ck_assert(cache_contains(&cache, A(1)));
        access_expect(&cache, A(5), MEM_READ, false, false, 0);
        ck_assert(!cache_contains(&cache, A(1)));
        access_expect(&cache, A(6), MEM_READ, false, false, 0);
        ck_assert(!cache_contains(&cache, A(3)));
        ck_assert(cache_contains(&cache, A(0)) && cache_contains(&cache, A(5)) &&
                  cache_contains(&cache, A(4)) && cache_contains(&cache, A(6)));
        ck_assert_uint_eq(cache_line_at(&cache, 0, 0), 0);  /* A0 in way 0 */
        ck_assert_uint_eq(cache_line_at(&cache, 0, 1), 10); /* A5 = line 10 in way 1 */
        ck_assert_uint_eq(cache_line_at(&cache, 0, 2), 8);  /* A4 = line 8 in way 2 */
        ck_assert_uint_eq(cache_line_at(&cache, 0, 3), 12); /* A6 = line 12 in way 3 */
        ck_assert_uint_eq(cache_counters_of(&cache, 0)->writebacks, 1);
        cache_fini(&cache);
}
END_TEST

START_TEST(test_random_follows_draw_rule)
{
        struct cache_config config = small_config(CACHE_RANDOM);
        uint64_t masks[2] = { 0xF, 0xA }; /* initiator 1 allocates only in ways 1 and 3 */
        struct cache cache;
        struct rng draws;
        uint64_t expected[4] = { 0, 2, 4, 6 }; /* line numbers of A0..A3 in ways 0..3 */
        unsigned writebacks = 0;

        config.way_masks = masks;
        ck_assert_int_eq(cache_init(&cache, &config, NULL, NULL), 0);
        /* The documented rule: stream rng_init_named(seed 42, "l1"); each replacement of a
         * valid line draws k = rng_range(0, n - 1) over the n allowed ways and takes the k-th
         * allowed way. Filling invalid ways draws nothing. */
        rng_init_named(&draws, 42, "l1");
        for (unsigned k = 0; k < 4; k++)
                access_expect(&cache, A(k), MEM_WRITE, false, false, 0);
        for (unsigned k = 4; k < 24; k++) {
                uint16_t initiator = (uint16_t)(k % 2);
                uint64_t allowed = masks[initiator];
                unsigned n = initiator == 0 ? 4 : 2;
                uint64_t pick = rng_range(&draws, 0, n - 1);
                unsigned way = 0;
                struct cache_outcome out;

                for (uint64_t seen = 0;; way++)
                        if (((allowed >> way) & 1U) && seen++ == pick)
                                break;
                out = cache_access(&cache, A(k), MEM_READ, initiator);
                ck_assert(!out.hit);
                /* Only A0..A3 were written, so only their eviction writes back. */
                ck_assert_int_eq(out.writeback, expected[way] < 8);
                if (out.writeback) {
                        ck_assert_uint_eq(out.writeback_addr, expected[way] * 64);
                        writebacks++;
                }
                expected[way] = 2 * k;
                for (unsigned w = 0; w < 4; w++)
                        ck_assert_uint_eq(cache_line_at(&cache, 0, w), expected[w]);
        }
        ck_assert_uint_eq(cache_counters_of(&cache, 0)->writebacks +
                              cache_counters_of(&cache, 1)->writebacks,
                          writebacks);
        cache_fini(&cache);
}
END_TEST

START_TEST(test_colour_arithmetic)
{
        /* ZCU102 L2: 1 MiB, 16 ways, 64-B lines -> 1 MiB / (16 * 64) = 1024 sets; way size
         * 64 KiB over 4-KiB pages -> 16 colours; colour = (addr / 4096) % 16, which is also
         * set / 64 (64 sets per page). */
        struct cache_config config = { .name = "l2",
                                       .size_bytes = 1 << 20,
                                       .ways = 16,
                                       .line_bytes = 64,
                                       .page_bytes = 4096,
                                       .clock_hz = 1200000000,
                                       .hit_cycles = 20,
                                       .mshrs_per_initiator = 1,
                                       .initiators = 1 };
        struct cache cache;

        ck_assert_int_eq(cache_init(&cache, &config, NULL, NULL), 0);
        ck_assert_uint_eq(cache_sets(&cache), 1024);
        ck_assert_uint_eq(cache_colours(&cache), 16);
        ck_assert_uint_eq(cache_colour_of(&cache, 0x0), 0);
        ck_assert_uint_eq(cache_colour_of(&cache, 0xFFF), 0);
        ck_assert_uint_eq(cache_colour_of(&cache, 0x1000), 1);
        ck_assert_uint_eq(cache_colour_of(&cache, 0xF000), 15);
        ck_assert_uint_eq(cache_colour_of(&cache, 0x10000), 0);
        ck_assert_uint_eq(cache_colour_of(&cache, 0x7FFFF), 15);   /* page 0x7F */
        ck_assert_uint_eq(cache_colour_of(&cache, 0x12345678), 5); /* page 0x12345 */
        ck_assert_uint_eq(cache_colour_of(&cache, 0x80003040), 3); /* page 0x80003 */
        /* Translation with colours {1, 2}: page p -> colour c_{p%2}, bin p/2:
         * p0 -> page 1, p1 -> page 2, p2 -> 16 + 1 = 17, p3 -> 18 (offset kept). */
        ck_assert_uint_eq(cache_colour_translate(16, 4096, 0x6, 0, 0x0000), 0x1000);
        ck_assert_uint_eq(cache_colour_translate(16, 4096, 0x6, 0, 0x1000), 0x2000);
        ck_assert_uint_eq(cache_colour_translate(16, 4096, 0x6, 0, 0x2000), 0x11000);
        ck_assert_uint_eq(cache_colour_translate(16, 4096, 0x6, 0, 0x3ABC), 0x12ABC);
        ck_assert_uint_eq(cache_colour_translate(16, 4096, 0x6, 0x100000, 0x3ABC), 0x112ABC);
        /* Every translated page has an allowed colour. */
        for (uint64_t a = 0; a < (1 << 22); a += 4096) {
                uint64_t colour =
                    cache_colour_of(&cache, cache_colour_translate(16, 4096, 0xF0F0, 0, a));

                ck_assert((0xF0F0 >> colour) & 1U);
        }
        cache_fini(&cache);
}
END_TEST

/* Initiator 0 reads 256 KiB, initiator 1 streams 4 MiB, initiator 0 reads its 256 KiB again;
 * returns initiator 0's misses in the second pass. */
static uint64_t second_pass_misses(uint64_t mask0, uint64_t mask1)
{
        struct cache_config config = { .name = "l2",
                                       .size_bytes = 1 << 20,
                                       .ways = 16,
                                       .line_bytes = 64,
                                       .page_bytes = 4096,
                                       .replacement = CACHE_LRU,
                                       .clock_hz = 1200000000,
                                       .hit_cycles = 20,
                                       .mshrs_per_initiator = 1,
                                       .initiators = 2 };
        struct cache cache;
        uint64_t before;
        uint64_t misses;

        ck_assert_int_eq(cache_init(&cache, &config, NULL, NULL), 0);
        for (uint64_t a = 0; a < (256 << 10); a += 64)
                cache_access(&cache, cache_colour_translate(16, 4096, mask0, 0, a), MEM_READ, 0);
        for (uint64_t a = 0; a < (4 << 20); a += 64)
                cache_access(&cache, cache_colour_translate(16, 4096, mask1, 1ULL << 30, a),
                             MEM_READ, 1);
        before = cache_counters_of(&cache, 0)->misses;
        ck_assert_uint_eq(before, 4096); /* 256 KiB / 64 B, all cold */
        for (uint64_t a = 0; a < (256 << 10); a += 64)
                cache_access(&cache, cache_colour_translate(16, 4096, mask0, 0, a), MEM_READ, 0);
        misses = cache_counters_of(&cache, 0)->misses - before;
        cache_fini(&cache);
        return misses;
}

START_TEST(test_colour_isolation)
{
        /* Colours 0-7 are sets 0-511: initiator 0's 4096 lines take 8 of 16 ways there.
         * Disjoint colours 8-15: initiator 1's stream only touches sets 512-1023, so the
         * second pass hits entirely. Shared colours 0-7: initiator 1 puts 65536 lines through
         * the same 512 sets (128 per set), so LRU evicts every line of initiator 0: 4096
         * misses. */
        ck_assert_uint_eq(second_pass_misses(0x00FF, 0xFF00), 0);
        ck_assert_uint_eq(second_pass_misses(0x00FF, 0x00FF), 4096);
        /* Half overlap (colours 4-11): initiator 0's pages of colours 4-7 (half) are lost. */
        ck_assert_uint_eq(second_pass_misses(0x00FF, 0x0FF0), 2048);
}
END_TEST

START_TEST(test_way_partitioning)
{
        struct cache_config config = small_config(CACHE_LRU);
        uint64_t masks[2] = { 0x3, 0xC }; /* initiator 0: ways 0-1; initiator 1: ways 2-3 */
        struct cache cache;

        config.way_masks = masks;
        ck_assert_int_eq(cache_init(&cache, &config, NULL, NULL), 0);
        /* Initiator 1 puts A100 and A101 into set 0 (its ways 2 and 3). */
        cache_access(&cache, A(100), MEM_READ, 1);
        cache_access(&cache, A(101), MEM_READ, 1);
        ck_assert_uint_eq(cache_line_at(&cache, 0, 2), 200);
        ck_assert_uint_eq(cache_line_at(&cache, 0, 3), 202);
        /* Initiator 0 streams ten lines through set 0: only ways 0 and 1 ever change. */
        for (unsigned k = 0; k < 10; k++) {
                cache_access(&cache, A(k), MEM_READ, 0);
                ck_assert_uint_eq(cache_line_at(&cache, 0, 2), 200);
                ck_assert_uint_eq(cache_line_at(&cache, 0, 3), 202);
                ck_assert_uint_eq(cache_line_at(&cache, 0, k % 2), 2 * k);
        }
        /* Its last two lines (A8, A9) are present, older ones are gone. */
        ck_assert(cache_contains(&cache, A(8)) && cache_contains(&cache, A(9)));
        ck_assert(!cache_contains(&cache, A(7)));
        /* Initiator 1 still hits; a lookup by initiator 0 hits in initiator 1's ways. */
        ck_assert(cache_access(&cache, A(100), MEM_READ, 1).hit);
        ck_assert(cache_access(&cache, A(101), MEM_READ, 0).hit);
        ck_assert_uint_eq(cache_counters_of(&cache, 0)->misses, 10);
        ck_assert_uint_eq(cache_counters_of(&cache, 1)->misses, 2);
        cache_fini(&cache);
}
END_TEST

/* ---- timed path -------------------------------------------------------------------------- */

/* A memory that completes every request a fixed latency after it arrives. */
struct fake_memory {
        struct sim *sim;
        sim_time_t latency_ps;
        struct mem_done_queue done;
        unsigned reads;
        unsigned writes;
        uint64_t last_write_addr;
};

static int fake_memory_submit(void *target, struct mem_request *req)
{
        struct fake_memory *m = target;

        if (req->op == MEM_WRITE) {
                m->writes++;
                m->last_write_addr = req->addr;
        } else {
                m->reads++;
        }
        return mem_done_queue_push(&m->done, req, sim_now(m->sim) + m->latency_ps);
}

static const struct mem_port_ops fake_memory_ops = { .submit = fake_memory_submit };

/* One request and the instant its completion callback ran. */
struct probe {
        struct mem_request req;
        struct sim *sim;
        sim_time_t completed_ps; /* SIM_TIME_MAX until then */
};

static void probe_done(struct mem_request *req, void *arg)
{
        struct probe *p = arg;

        (void)req;
        p->completed_ps = sim_now(p->sim);
}

static void probe_init(struct probe *p, struct sim *sim, uint64_t addr, enum mem_op op)
{
        *p = (struct probe){ .req = { .addr = addr,
                                      .size_bytes = 8,
                                      .op = (uint8_t)op,
                                      .issue_ps = sim_now(sim),
                                      .done = probe_done },
                             .sim = sim,
                             .completed_ps = SIM_TIME_MAX };
        p->req.done_arg = p;
}

START_TEST(test_timed_hits_misses_mshrs)
{
        struct cache_config config = small_config(CACHE_LRU);
        struct sim *sim = sim_create(NULL);
        struct fake_memory memory = { .sim = sim, .latency_ps = 10000 };
        struct mem_port down = { .ops = &fake_memory_ops, .target = &memory };
        struct cache cache;
        struct mem_port port;
        struct probe p[6];

        config.mshrs_per_initiator = 1;
        mem_done_queue_init(&memory.done, sim);
        ck_assert_int_eq(cache_init(&cache, &config, sim, &down), 0);
        port = cache_mem_port(&cache);
        /* At t = 0: a read miss on A0 (MSHR taken, fill back at 10000, requester done at
         * 10000 + 2 cycles at 1 GHz = 12000); a read of A0 + 8 merges with it (12000); a miss
         * on A1 finds initiator 0's only MSHR busy and waits; it is looked up again when the
         * MSHR frees at 10000, misses, and completes at 10000 + 10000 + 2000 = 22000. */
        probe_init(&p[0], sim, A(0), MEM_READ);
        probe_init(&p[1], sim, A(0) + 8, MEM_READ);
        probe_init(&p[2], sim, A(1), MEM_WRITE);
        for (int i = 0; i < 3; i++)
                ck_assert_int_eq(mem_port_submit(&port, &p[i].req), 0);
        ck_assert_int_eq(sim_run(sim), 0);
        ck_assert_uint_eq(p[0].completed_ps, 12000);
        ck_assert_uint_eq(p[1].completed_ps, 12000);
        ck_assert_uint_eq(p[2].completed_ps, 22000);
        ck_assert_uint_eq(memory.reads, 2);
        ck_assert_uint_eq(cache_counters_of(&cache, 0)->merged, 1);
        ck_assert_uint_eq(cache_counters_of(&cache, 0)->misses, 2);
        /* A hit at 50000 completes 2000 later; no downstream traffic. */
        ck_assert_int_eq(sim_run_until(sim, 50000), 0);
        probe_init(&p[3], sim, A(0), MEM_READ);
        ck_assert_int_eq(mem_port_submit(&port, &p[3].req), 0);
        ck_assert_int_eq(sim_run(sim), 0);
        ck_assert_uint_eq(p[3].completed_ps, 52000);
        ck_assert_uint_eq(memory.reads, 2);
        /* Fill set 0 (A2, A3), then A4 evicts the LRU line A1, which was written: a write of
         * line 128 goes downstream with the fill; the requester still sees 10000 + 2000. */
        probe_init(&p[4], sim, A(2), MEM_READ);
        ck_assert_int_eq(mem_port_submit(&port, &p[4].req), 0);
        probe_init(&p[5], sim, A(3), MEM_READ);
        ck_assert_int_eq(sim_run(sim), 0);
        ck_assert_int_eq(mem_port_submit(&port, &p[5].req), 0);
        ck_assert_int_eq(sim_run(sim), 0);
        /* LRU order now: A1 (22000 fill, touched at 10000), A0 (hit at 50000), A2, A3. */
        probe_init(&p[4], sim, A(4), MEM_READ);
        ck_assert_int_eq(sim_run_until(sim, 100000), 0);
        ck_assert_int_eq(mem_port_submit(&port, &p[4].req), 0);
        ck_assert_int_eq(sim_run(sim), 0);
        ck_assert_uint_eq(p[4].completed_ps, 112000);
        ck_assert_uint_eq(memory.writes, 1);
        ck_assert_uint_eq(memory.last_write_addr, A(1));
        ck_assert_uint_eq(cache_counters_of(&cache, 0)->writebacks, 1);
        cache_fini(&cache);
        mem_done_queue_fini(&memory.done);
        sim_destroy(sim);
}
END_TEST

START_TEST(test_mshr_queue_drains_past_hits)
{
        struct cache_config config = small_config(CACHE_LRU);
        struct sim *sim = sim_create(NULL);
        struct fake_memory memory = { .sim = sim, .latency_ps = 10000 };
        struct mem_port down = { .ops = &fake_memory_ops, .target = &memory };
        struct cache cache;
        struct mem_port port;
        struct probe p[4];

        config.mshrs_per_initiator = 1;
        mem_done_queue_init(&memory.done, sim);
        ck_assert_int_eq(cache_init(&cache, &config, sim, &down), 0);
        port = cache_mem_port(&cache);
        /* t = 0: A0 misses (fill at 10000, done 12000); A1, A1 again and A2 find the only MSHR
         * busy and queue in that order. At 10000 A1 takes the MSHR (fill 20000, done 22000).
         * At 20000 the second A1 now hits (22000) and leaves the MSHR free, so A2 is looked
         * up at once too: fill 30000, done 32000. */
        probe_init(&p[0], sim, A(0), MEM_READ);
        probe_init(&p[1], sim, A(1), MEM_READ);
        probe_init(&p[2], sim, A(1) + 8, MEM_READ);
        probe_init(&p[3], sim, A(2), MEM_READ);
        for (int i = 0; i < 4; i++)
                ck_assert_int_eq(mem_port_submit(&port, &p[i].req), 0);
        ck_assert_int_eq(sim_run(sim), 0);
        ck_assert_uint_eq(p[0].completed_ps, 12000);
        ck_assert_uint_eq(p[1].completed_ps, 22000);
        ck_assert_uint_eq(p[2].completed_ps, 22000);
        ck_assert_uint_eq(p[3].completed_ps, 32000);
        ck_assert_uint_eq(memory.reads, 3);
        ck_assert_uint_eq(cache_counters_of(&cache, 0)->misses, 3);
        ck_assert_uint_eq(cache_counters_of(&cache, 0)->accesses, 4);
        cache_fini(&cache);
        mem_done_queue_fini(&memory.done);
        sim_destroy(sim);
}
END_TEST

START_TEST(test_blocked_set_waits_for_fill)
{
        struct cache_config config = small_config(CACHE_LRU);
        uint64_t masks[2] = { 0xF, 0x1 }; /* initiator 1 owns only way 0 */
        struct sim *sim = sim_create(NULL);
        struct fake_memory memory = { .sim = sim, .latency_ps = 10000 };
        struct mem_port down = { .ops = &fake_memory_ops, .target = &memory };
        struct cache cache;
        struct mem_port port;
        struct probe p[2];

        config.way_masks = masks;
        mem_done_queue_init(&memory.done, sim);
        ck_assert_int_eq(cache_init(&cache, &config, sim, &down), 0);
        port = cache_mem_port(&cache);
        /* Initiator 1 misses A0 and A1 at t = 0, both in set 0. A0 takes way 0 (fill at
         * 10000, done 12000); A1's only allowed way awaits that fill, so A1 waits although
         * an MSHR is free. When A0's MSHR frees at 10000, A1 evicts A0: fill 20000, done
         * 22000, and A0 is gone. */
        probe_init(&p[0], sim, A(0), MEM_READ);
        probe_init(&p[1], sim, A(1), MEM_READ);
        p[0].req.initiator = 1;
        p[1].req.initiator = 1;
        ck_assert_int_eq(mem_port_submit(&port, &p[0].req), 0);
        ck_assert_int_eq(mem_port_submit(&port, &p[1].req), 0);
        ck_assert_int_eq(sim_run(sim), 0);
        ck_assert_uint_eq(p[0].completed_ps, 12000);
        ck_assert_uint_eq(p[1].completed_ps, 22000);
        ck_assert(!cache_contains(&cache, A(0)));
        ck_assert_uint_eq(cache_line_at(&cache, 0, 0), 2); /* A1 = line 2 in way 0 */
        cache_fini(&cache);
        mem_done_queue_fini(&memory.done);
        sim_destroy(sim);
}
END_TEST

/* ---- the whole chain ---------------------------------------------------------------------- */

START_TEST(test_chain_l1_llc_bus_regulator_dram)
{
        /*
         * L1 (1 GHz, hit 2 cycles = 2000 ps) -> LLC (hit 10 cycles = 10000 ps) -> bus
         * (16 B/cycle at 1 GHz: a 64-B line takes 4000 ps) -> regulator (64 B per 1 us) ->
         * DRAM (800 MHz: tRCD = tCL = 13750 ps, burst 5000 ps).
         */
        struct sim *sim = sim_create(NULL);
        struct dram_config dram_config = { .clock_hz = 800000000,
                                           .channels = 1,
                                           .banks = 8,
                                           .rows = 65536,
                                           .row_bytes = 8192,
                                           .burst_bytes = 64,
                                           .t_rcd = 11,
                                           .t_rp = 11,
                                           .t_cl = 11,
                                           .burst_cycles = 4 };
        static const uint64_t budget[1] = { 64 };
        struct regulator_config regulator_config = { .period_ps = 1000000,
                                                     .unit = REGULATOR_BYTES,
                                                     .initiators = 1,
                                                     .domains = 1,
                                                     .budget = budget };
        struct interconnect_target target = { .base = 0, .size_bytes = 1ULL << 32 };
        struct interconnect_config bus_config = { .kind = INTERCONNECT_BUS,
                                                  .arbitration = INTERCONNECT_ROUND_ROBIN,
                                                  .width_bytes = 16,
                                                  .clock_hz = 1000000000,
                                                  .inputs = 1,
                                                  .target_count = 1,
                                                  .targets = &target };
        struct cache_config l1_config = small_config(CACHE_LRU);
        struct cache_config llc_config = small_config(CACHE_LRU);
        struct dram dram;
        struct regulator regulator;
        struct interconnect bus;
        struct cache llc, l1;
        struct mem_port port;
        struct probe p[3];

        l1_config.initiators = 1;
        llc_config.name = "llc";
        llc_config.size_bytes = 64 << 10;
        llc_config.hit_cycles = 10;
        llc_config.initiators = 1;
        ck_assert_int_eq(dram_init(&dram, &dram_config, sim), 0);
        port = dram_mem_port(&dram);
        ck_assert_int_eq(regulator_init(&regulator, &regulator_config, sim, &port), 0);
        target.port = regulator_mem_port(&regulator);
        ck_assert_int_eq(interconnect_init(&bus, &bus_config, sim), 0);
        port = interconnect_mem_port(&bus);
        ck_assert_int_eq(cache_init(&llc, &llc_config, sim, &port), 0);
        port = cache_mem_port(&llc);
        ck_assert_int_eq(cache_init(&l1, &l1_config, sim, &port), 0);
        port = cache_mem_port(&l1);

        /* t = 0, address 0: misses in L1 and LLC; the bus delivers at 4000; the regulator
         * admits (0 < 64 bytes used); DRAM row empty: 4000 + 13750 + 13750 + 5000 = 36500;
         * LLC response 36500 + 10000 = 46500; L1 response 46500 + 2000 = 48500. */
        probe_init(&p[0], sim, 0x0, MEM_READ);
        ck_assert_int_eq(mem_port_submit(&port, &p[0].req), 0);
        ck_assert_int_eq(sim_run(sim), 0);
        ck_assert_uint_eq(p[0].completed_ps, 48500);
        /* t = 100000, address 64 (same DRAM row, next column): bus until 104000; the budget
         * of the period [0, 1 us) is spent, so the regulator holds it to 1000000; a row hit:
         * 1000000 + 13750 + 5000 = 1018750; + 10000 + 2000 = 1030750. */
        ck_assert_int_eq(sim_run_until(sim, 100000), 0);
        probe_init(&p[1], sim, 0x40, MEM_READ);
        ck_assert_int_eq(mem_port_submit(&port, &p[1].req), 0);
        ck_assert_int_eq(sim_run(sim), 0);
        ck_assert_uint_eq(p[1].completed_ps, 1030750);
        /* Address 0 again: an L1 hit, 2000 ps. */
        probe_init(&p[2], sim, 0x0, MEM_READ);
        ck_assert_int_eq(mem_port_submit(&port, &p[2].req), 0);
        ck_assert_int_eq(sim_run(sim), 0);
        ck_assert_uint_eq(p[2].completed_ps, 1030750 + 2000);
        ck_assert_uint_eq(dram_channel_stats(&dram, 0)->row_hits, 1);
        ck_assert_uint_eq(dram_channel_stats(&dram, 0)->row_empty, 1);
        ck_assert_uint_eq(regulator_domain_stats(&regulator, 0)->throttled_requests, 1);
        ck_assert_uint_eq(interconnect_stats(&bus, 0)->grants, 2);
        cache_fini(&l1);
        cache_fini(&llc);
        interconnect_fini(&bus);
        regulator_fini(&regulator);
        dram_fini(&dram);
        sim_destroy(sim);
}
END_TEST

/* Four cores with coherent private L1s, a way-partitioned LLC, a bus and DRAM; each core keeps
 * one random request outstanding. */
struct stress_core {
        struct mem_request req;
        struct sim *sim;
        struct mem_port port;
        struct rng rng;
        unsigned left;
        unsigned completed;
        sim_time_t min_latency_ps;
};

static void stress_issue(struct stress_core *c)
{
        /* 8-byte accesses, half to a 4-KiB region all cores share (coherence traffic), half
         * to 1 MiB (LLC misses, DRAM row conflicts); one write in four */
        uint64_t region = rng_range(&c->rng, 0, 1) ? 4 << 10 : 1 << 20;

        c->req.addr = rng_range(&c->rng, 0, region / 8 - 1) * 8;
        c->req.op = (uint8_t)(rng_range(&c->rng, 0, 3) == 0 ? MEM_WRITE : MEM_READ);
        c->req.issue_ps = sim_now(c->sim);
        c->left--;
        ck_assert_int_eq(mem_port_submit(&c->port, &c->req), 0);
}

static void stress_done(struct mem_request *req, void *arg)
{
        struct stress_core *c = arg;
        sim_time_t latency = sim_now(c->sim) - req->issue_ps;

        if (latency < c->min_latency_ps)
                c->min_latency_ps = latency;
        c->completed++;
        if (c->left > 0)
                stress_issue(c);
}

struct stress_result {
        sim_time_t end_ps;
        uint64_t llc_misses;
        uint64_t transitions;
};

static struct stress_result stress_run(unsigned per_core)
{
        struct sim *sim = sim_create(NULL);
        struct dram_config dram_config = { .clock_hz = 800000000,
                                           .channels = 2,
                                           .banks = 8,
                                           .rows = 65536,
                                           .row_bytes = 8192,
                                           .burst_bytes = 64,
                                           .t_rcd = 11,
                                           .t_rp = 11,
                                           .t_cl = 11,
                                           .t_ras = 28,
                                           .burst_cycles = 4,
                                           .t_refi = 6240,
                                           .t_rfc = 280 };
        struct interconnect_target target = { .base = 0, .size_bytes = 1ULL << 32 };
        struct interconnect_config bus_config = { .kind = INTERCONNECT_BUS,
                                                  .arbitration = INTERCONNECT_ROUND_ROBIN,
                                                  .width_bytes = 16,
                                                  .clock_hz = 1000000000,
                                                  .inputs = 4,
                                                  .target_count = 1,
                                                  .targets = &target };
        static const uint64_t llc_ways[4] = { 0x3, 0xC, 0xF, 0xF };
        struct coherence_config coherence_config = { .caches = 4,
                                                     .capacity_lines = 64,
                                                     .clock_hz = 1000000000,
                                                     .transfer_cycles = 30,
                                                     .invalidate_cycles = 8 };
        struct cache_config llc_config = small_config(CACHE_TREE_PLRU);
        struct cache_config l1_config[4];
        struct coherence coherence;
        struct dram dram;
        struct interconnect bus;
        struct cache llc, l1[4];
        struct stress_core core[4];
        struct mem_port port;
        struct stress_result result = { 0 };
        uint64_t l1_accesses = 0;

        llc_config.name = "llc";
        llc_config.size_bytes = 4 << 10; /* 16 sets x 4 ways: lots of misses and write-backs */
        llc_config.initiators = 4;
        llc_config.way_masks = llc_ways;
        ck_assert_int_eq(coherence_init(&coherence, &coherence_config), 0);
        ck_assert_int_eq(dram_init(&dram, &dram_config, sim), 0);
        target.port = dram_mem_port(&dram);
        ck_assert_int_eq(interconnect_init(&bus, &bus_config, sim), 0);
        port = interconnect_mem_port(&bus);
        ck_assert_int_eq(cache_init(&llc, &llc_config, sim, &port), 0);
        port = cache_mem_port(&llc);
        for (unsigned i = 0; i < 4; i++) {
                l1_config[i] = small_config(i % 2 ? CACHE_RANDOM : CACHE_LRU);
                l1_config[i].name = i == 0 ? "l1-0" : i == 1 ? "l1-1" : i == 2 ? "l1-2" : "l1-3";
                l1_config[i].initiators = 4;
                l1_config[i].mshrs_per_initiator = 2;
                l1_config[i].coherence = &coherence;
                l1_config[i].coherence_id = i;
                ck_assert_int_eq(cache_init(&l1[i], &l1_config[i], sim, &port), 0);
                core[i] = (struct stress_core){ .sim = sim,
                                                .port = cache_mem_port(&l1[i]),
                                                .left = per_core,
                                                .min_latency_ps = SIM_TIME_MAX };
                core[i].req = (struct mem_request){ .size_bytes = 8,
                                                    .initiator = (uint16_t)i,
                                                    .done = stress_done,
                                                    .done_arg = &core[i] };
                rng_init_named(&core[i].rng, 7, l1_config[i].name);
        }
        for (unsigned i = 0; i < 4; i++)
                stress_issue(&core[i]);
        ck_assert_int_eq(sim_run(sim), 0);
        ck_assert_uint_eq(sim_events_pending(sim), 0);
        for (unsigned i = 0; i < 4; i++) {
                ck_assert_uint_eq(core[i].completed, per_core);
                ck_assert_uint_ge(core[i].min_latency_ps, 2000); /* never faster than a hit */
                l1_accesses += cache_counters_of(&l1[i], (uint16_t)i)->accesses;
        }
        ck_assert_uint_eq(l1_accesses, 4 * per_core);
        result.end_ps = sim_now(sim);
        for (unsigned i = 0; i < 4; i++)
                result.llc_misses += cache_counters_of(&llc, (uint16_t)i)->misses;
        for (unsigned a = 0; a < COH_STATES; a++)
                for (unsigned b = 0; b < COH_STATES; b++)
                        result.transitions += coherence.transitions[a][b];
        ck_assert_uint_gt(result.llc_misses, 0);
        ck_assert_uint_gt(coherence.cache_to_cache, 0);
        ck_assert_uint_gt(dram_channel_stats(&dram, 0)->row_conflicts, 0);
        ck_assert_uint_gt(dram_channel_stats(&dram, 0)->refreshes, 0);
        for (unsigned i = 0; i < 4; i++)
                cache_fini(&l1[i]);
        cache_fini(&llc);
        interconnect_fini(&bus);
        dram_fini(&dram);
        coherence_fini(&coherence);
        sim_destroy(sim);
        return result;
}

START_TEST(test_chain_stress_deterministic)
{
        /* Every request completes exactly once, nothing is left pending, and a second run
         * reproduces the first exactly. */
        struct stress_result first = stress_run(3000);
        struct stress_result second = stress_run(3000);

        ck_assert_uint_eq(first.end_ps, second.end_ps);
        ck_assert_uint_eq(first.llc_misses, second.llc_misses);
        ck_assert_uint_eq(first.transitions, second.transitions);
}
END_TEST

static Suite *cache_suite(void)
{
        Suite *suite = suite_create("cache");
        TCase *replacement = tcase_create("replacement");
        TCase *partition = tcase_create("partitioning");
        TCase *timed = tcase_create("timed");
        TCase *chain = tcase_create("chain");

        tcase_add_test(replacement, test_lru_sequence);
        tcase_add_test(replacement, test_lru_order_word);
        tcase_add_test(replacement, test_tree_plru_sequence);
        tcase_add_test(replacement, test_random_follows_draw_rule);
        tcase_add_test(partition, test_colour_arithmetic);
        tcase_add_test(partition, test_colour_isolation);
        tcase_add_test(partition, test_way_partitioning);
        tcase_add_test(timed, test_timed_hits_misses_mshrs);
        tcase_add_test(timed, test_mshr_queue_drains_past_hits);
        tcase_add_test(timed, test_blocked_set_waits_for_fill);
        suite_add_tcase(suite, replacement);
        suite_add_tcase(suite, partition);
        tcase_add_test(chain, test_chain_l1_llc_bus_regulator_dram);
        tcase_add_test(chain, test_chain_stress_deterministic);
        suite_add_tcase(suite, timed);
        suite_add_tcase(suite, chain);
        return suite;
}

int main(void)
{
        SRunner *runner = srunner_create(cache_suite());
        int failed;

        srunner_run_all(runner, CK_NORMAL);
        failed = srunner_ntests_failed(runner);
        srunner_free(runner);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
