/*
 * Virtqueue library: randomized driver-against-device test, both layouts, with and without
 * EVENT_IDX, IN_ORDER and indirect descriptors (16 feature combinations), random queue sizes,
 * chain shapes (1..8 pieces, readable/writable mixes, direct or indirect), piece sizes, batch
 * sizes and suppression behaviour.
 *
 * Checks: every buffer comes back exactly once (in order under IN_ORDER) with a length the
 * device chose and the data intact (the driver fills readable pieces with a pattern keyed by
 * the buffer's sequence number, the device verifies it; the device writes a pattern keyed by
 * the first piece's address and the written length, the driver verifies it and that the bytes
 * after it are untouched). No notification is lost: a side that finds no work re-enables
 * notifications, re-checks, and only then sleeps; the single-threaded run fails if both sides
 * sleep with no notification pending, the two-threaded run fails if a sleep exceeds a bound.
 *
 * Scale: 2M buffers in total by default (1M single-threaded, 1M two-threaded), half of that
 * under ASan; VQ_STRESS_SCALE multiplies both.
 */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "tests/unit/test_vq_harness.h"
#include "virtio/virtqueue.h"

#if defined(__SANITIZE_ADDRESS__)
#define STRESS_DEFAULT_TOTAL 1000000u
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define STRESS_DEFAULT_TOTAL 1000000u
#endif
#endif
#ifndef STRESS_DEFAULT_TOTAL
#define STRESS_DEFAULT_TOTAL 2000000u
#endif

#define MAXP        8u    /* pieces per buffer */
#define PIECE_MAX   256u  /* bytes per piece */
#define TABLE_OFF   2048u /* indirect table offset inside a 4 KiB data slot */
#define FILL        0xeeu /* writable bytes before the device writes */
#define SLEEP_LIMIT 10000 /* ms a two-threaded side may sleep before it counts as lost */

struct rng64 {
        uint64_t s;
};

static uint64_t rnd(struct rng64 *r)
{
        /* xorshift64* */
        r->s ^= r->s >> 12;
        r->s ^= r->s << 25;
        r->s ^= r->s >> 27;
        return r->s * 2685821657736338717ull;
}

static uint32_t rnd_below(struct rng64 *r, uint32_t n)
{
        return (uint32_t)((rnd(r) >> 32) % n);
}

/* Byte j of a pattern keyed by k: a linear sequence with key-derived start and odd step. */
static uint8_t pat(uint64_t k, uint32_t j)
{
        uint64_t h = k * 0x9e3779b97f4a7c15ull;
        return (uint8_t)((h >> 56) + j * (((h >> 40) & 0xfeu) | 1u));
}

static uint64_t write_key(uint64_t addr0, uint32_t len)
{
        return addr0 ^ ((uint64_t)len << 40) ^ 0x5555u;
}

/* ---- sides ---------------------------------------------------------------------------------- */

struct slot_rec {
        uint32_t seq;
        uint32_t writable_bytes;
        uint16_t n;
        uint16_t readable;
        bool out;
        struct vq_sg sg[MAXP];
};

struct chan {
        int efd;
};

static void chan_signal(struct chan *c)
{
        uint64_t one = 1;
        ssize_t w = write(c->efd, &one, sizeof one);
        (void)w;
}

/* Non-blocking (timeout_ms 0) or bounded wait; returns true if a signal was consumed. */
static bool chan_wait(struct chan *c, int timeout_ms)
{
        struct pollfd p = { c->efd, POLLIN, 0 };
        int rc;
        do
                rc = poll(&p, 1, timeout_ms);
        while (rc < 0 && errno == EINTR);
        if (rc <= 0)
                return false;
        uint64_t v;
        ssize_t r = read(c->efd, &v, sizeof v);
        return r == (ssize_t)sizeof v;
}

struct driver_side {
        struct vqt *t;
        struct rng64 rng;
        uint32_t total, added, returned, next_seq, expect_seq;
        uint16_t free_slots[256];
        uint16_t nfree;
        struct slot_rec rec[256];
        bool kick_owed, sleeping;
        struct chan *kick, *irq;
        uint64_t kicks, sleeps, indirect_bufs;
        const char *fail;
};

struct device_side {
        struct vqt *t;
        struct rng64 rng;
        struct held {
                struct vq_chain c;
                struct vq_elem e[MAXP];
        } held[256];
        uint16_t nheld;
        bool irq_owed, sleeping;
        struct chan *kick, *irq;
        uint64_t irqs, sleeps, popped;
        const char *fail;
};

static bool drv_can_add(struct driver_side *d)
{
        return d->added < d->total && d->nfree > 0 && vq_drv_num_free(&d->t->drv) >= MAXP;
}

static bool drv_done(struct driver_side *d)
{
        return d->returned == d->total;
}

static void drv_add_one(struct driver_side *d)
{
        struct vqt *t = d->t;
        uint16_t slot = d->free_slots[rnd_below(&d->rng, d->nfree)];
        struct slot_rec *s = &d->rec[slot];
        uint16_t q = t->cfg.size;
        uint32_t maxn = MAXP < q ? MAXP : q;
        s->n = (uint16_t)(1u + rnd_below(&d->rng, maxn));
        s->readable = (uint16_t)rnd_below(&d->rng, s->n + 1u);
        s->seq = d->next_seq;
        s->writable_bytes = 0;
        uint64_t base = vqt_buf_gpa(slot);
        uint32_t rb = 0;
        for (uint16_t i = 0; i < s->n; i++) {
                /* Mostly small pieces, sometimes empty, sometimes full. */
                uint32_t len = rnd_below(&d->rng, 8) == 0 ? PIECE_MAX * (rnd(&d->rng) & 1u)
                                                          : rnd_below(&d->rng, PIECE_MAX + 1u);
                s->sg[i].addr = base + (uint64_t)i * PIECE_MAX;
                s->sg[i].len = len;
                uint8_t *h = vqt_host(t, s->sg[i].addr);
                if (i < s->readable) {
                        rb += len;
                } else {
                        memset(h, FILL, len);
                        s->writable_bytes += len;
                }
        }
        /* Readable stream: [seq as 8 bytes LE] then pat(seq, j); shorter streams pat(addr0). */
        uint64_t key = rb >= 8 ? s->seq : s->sg[0].addr;
        uint32_t j = 0;
        for (uint16_t i = 0; i < s->readable; i++) {
                uint8_t *h = vqt_host(t, s->sg[i].addr);
                for (uint32_t b = 0; b < s->sg[i].len; b++, j++)
                        h[b] =
                            (uint8_t)(rb >= 8 && j < 8 ? (uint64_t)s->seq >> (8 * j) : pat(key, j));
        }
        struct vq_indirect ind = { base + TABLE_OFF, MAXP };
        bool use_ind = (t->cfg.features & VQ_F_INDIRECT_DESC) && (rnd(&d->rng) & 1u);
        uint64_t token = (uint64_t)slot | (uint64_t)s->seq << 32;
        int rc = vq_drv_add(&t->drv, s->sg, s->readable, (uint16_t)(s->n - s->readable), token,
                            use_ind ? &ind : NULL);
        if (rc != 0) {
                d->fail = "vq_drv_add failed";
                return;
        }
        d->indirect_bufs += use_ind;
        s->out = true;
        for (uint16_t k = 0; k < d->nfree; k++)
                if (d->free_slots[k] == slot) {
                        d->free_slots[k] = d->free_slots[--d->nfree];
                        break;
                }
        d->added++;
        d->next_seq++;
        d->kick_owed = true;
}

static void drv_kick(struct driver_side *d)
{
        int rc = vq_drv_kick_prepare(&d->t->drv);
        if (rc < 0) {
                d->fail = "vq_drv_kick_prepare failed";
                return;
        }
        d->kick_owed = false;
        if (rc == 1) {
                d->kicks++;
                chan_signal(d->kick);
        }
}

static bool drv_check_returned(struct driver_side *d, uint64_t token, uint32_t len)
{
        uint16_t slot = (uint16_t)(token & 0xffffu);
        uint32_t seq = (uint32_t)(token >> 32);
        struct slot_rec *s = &d->rec[slot];
        if (slot >= 256 || !s->out || s->seq != seq) {
                d->fail = "buffer returned twice or unknown token";
                return false;
        }
        if ((d->t->cfg.features & VQ_F_IN_ORDER) && seq != d->expect_seq) {
                d->fail = "IN_ORDER buffer returned out of order";
                return false;
        }
        d->expect_seq = seq + 1;
        if (len > s->writable_bytes) {
                d->fail = "used length larger than the writable part";
                return false;
        }
        uint64_t key = write_key(s->sg[0].addr, len);
        uint32_t j = 0;
        for (uint16_t i = s->readable; i < s->n; i++) {
                const uint8_t *h = vqt_host(d->t, s->sg[i].addr);
                for (uint32_t b = 0; b < s->sg[i].len; b++, j++) {
                        uint8_t want = j < len ? pat(key, j) : FILL;
                        if (h[b] != want) {
                                d->fail = "writable data corrupted";
                                return false;
                        }
                }
        }
        s->out = false;
        d->free_slots[d->nfree++] = slot;
        d->returned++;
        return true;
}

static void drv_reap(struct driver_side *d, uint32_t max)
{
        for (uint32_t i = 0; i < max; i++) {
                uint64_t token;
                uint32_t len;
                int rc = vq_drv_get_used(&d->t->drv, &token, &len);
                if (rc < 0) {
                        d->fail = vq_strerror(rc);
                        return;
                }
                if (rc == 0 || !drv_check_returned(d, token, len))
                        return;
        }
}

/* Nothing to do: kick if owed, re-enable callbacks, re-check, then sleep. Returns true if
 * the driver is now asleep. */
static bool drv_try_sleep(struct driver_side *d)
{
        if (drv_can_add(d) || drv_done(d))
                return false;
        if (d->kick_owed)
                drv_kick(d);
        int rc = vq_drv_enable_cb(&d->t->drv);
        if (rc < 0) {
                d->fail = "vq_drv_enable_cb failed";
                return false;
        }
        if (rc == 1)
                return false; /* work arrived meanwhile */
        d->sleeps++;
        d->sleeping = true;
        return true;
}

static void drv_wake(struct driver_side *d)
{
        d->sleeping = false;
        if (rnd(&d->rng) & 1u) /* sometimes poll with callbacks off, sometimes leave them on */
                (void)vq_drv_disable_cb(&d->t->drv);
}

static void drv_turn(struct driver_side *d)
{
        uint32_t r = rnd_below(&d->rng, 10);
        if (r < 4 && drv_can_add(d)) {
                uint32_t batch = 1u + rnd_below(&d->rng, 8);
                for (uint32_t i = 0; i < batch && drv_can_add(d) && !d->fail; i++)
                        drv_add_one(d);
                if (rnd_below(&d->rng, 4) != 0)
                        drv_kick(d);
        } else if (r < 8) {
                drv_reap(d, 1u + rnd_below(&d->rng, 16));
        } else {
                (void)drv_try_sleep(d);
        }
}

static bool dev_check_readable(struct device_side *v, const struct held *h)
{
        const struct vq_chain *c = &h->c;
        uint32_t rb = c->readable_bytes;
        uint64_t seq = 0;
        uint32_t j = 0;
        /* First pass: the sequence number (first 8 readable bytes) when present. */
        if (rb >= 8) {
                for (uint16_t i = 0; i < c->readable_count && j < 8; i++) {
                        const uint8_t *p = h->e[i].host;
                        for (uint32_t b = 0; b < h->e[i].len && j < 8; b++, j++)
                                seq |= (uint64_t)p[b] << (8 * j);
                }
        }
        uint64_t key = rb >= 8 ? seq : h->e[0].addr;
        j = 0;
        for (uint16_t i = 0; i < c->readable_count; i++) {
                const uint8_t *p = h->e[i].host;
                for (uint32_t b = 0; b < h->e[i].len; b++, j++)
                        if ((rb < 8 || j >= 8) && p[b] != pat(key, j)) {
                                v->fail = "readable data corrupted";
                                return false;
                        }
        }
        return true;
}

static void dev_pop(struct device_side *v, uint32_t max)
{
        for (uint32_t i = 0; i < max; i++) {
                struct held *h = &v->held[v->nheld];
                int rc = vq_dev_pop(&v->t->dev, &h->c, h->e, MAXP);
                if (rc < 0) {
                        v->fail = vq_strerror(rc);
                        return;
                }
                if (rc == 0 || !dev_check_readable(v, h))
                        return;
                v->nheld++;
                v->popped++;
        }
}

static void dev_complete(struct device_side *v, uint32_t max)
{
        bool in_order = (v->t->cfg.features & VQ_F_IN_ORDER) != 0;
        for (uint32_t i = 0; i < max && v->nheld > 0; i++) {
                uint16_t k = in_order ? 0 : (uint16_t)rnd_below(&v->rng, v->nheld);
                struct held *h = &v->held[k];
                uint32_t len = rnd_below(&v->rng, h->c.writable_bytes + 1u);
                uint64_t key = write_key(h->e[0].addr, len);
                uint32_t j = 0;
                for (uint16_t e = h->c.readable_count; e < h->c.elem_count && j < len; e++) {
                        uint8_t *p = h->e[e].host;
                        for (uint32_t b = 0; b < h->e[e].len && j < len; b++, j++)
                                p[b] = pat(key, j);
                }
                if (vq_dev_push(&v->t->dev, h->c.id, len) != 0) {
                        v->fail = "vq_dev_push failed";
                        return;
                }
                /* Keep pop order for IN_ORDER: shift down. */
                memmove(&v->held[k], &v->held[k + 1],
                        (size_t)(v->nheld - k - 1u) * sizeof(v->held[0]));
                v->nheld--;
                v->irq_owed = true;
        }
}

static void dev_interrupt(struct device_side *v)
{
        int rc = vq_dev_need_interrupt(&v->t->dev);
        if (rc < 0) {
                v->fail = "vq_dev_need_interrupt failed";
                return;
        }
        v->irq_owed = false;
        if (rc == 1) {
                v->irqs++;
                chan_signal(v->irq);
        }
}

static bool dev_try_sleep(struct device_side *v)
{
        if (v->nheld > 0)
                return false;
        if (v->irq_owed)
                dev_interrupt(v);
        int rc = vq_dev_enable_notify(&v->t->dev);
        if (rc < 0) {
                v->fail = "vq_dev_enable_notify failed";
                return false;
        }
        if (rc == 1)
                return false;
        v->sleeps++;
        v->sleeping = true;
        return true;
}

static void dev_wake(struct device_side *v)
{
        v->sleeping = false;
        if (rnd(&v->rng) & 1u)
                (void)vq_dev_disable_notify(&v->t->dev);
}

static void dev_turn(struct device_side *v)
{
        uint32_t r = rnd_below(&v->rng, 10);
        if (r < 4) {
                dev_pop(v, 1u + rnd_below(&v->rng, 8));
        } else if (r < 8) {
                dev_complete(v, 1u + rnd_below(&v->rng, 8));
                if (rnd_below(&v->rng, 4) != 0)
                        dev_interrupt(v);
        } else {
                (void)dev_try_sleep(v);
        }
}

/* ---- runs ------------------------------------------------------------------------------------ */

struct run {
        struct vqt t;
        struct chan kick, irq;
        struct driver_side d;
        struct device_side v;
        atomic_bool stop;
};

static const uint16_t split_sizes[3] = { 8, 32, 256 };
static const uint16_t packed_sizes[3] = { 8, 33, 255 };

static void run_setup(struct run *run, uint64_t features, uint64_t seed, uint32_t buffers)
{
        struct rng64 r = { seed * 0x9e3779b97f4a7c15ull + 1u };
        bool packed = (features & VQ_F_RING_PACKED) != 0;
        uint16_t q = (packed ? packed_sizes : split_sizes)[rnd_below(&r, 3)];
        memset(run, 0, sizeof(*run));
        vqt_setup(&run->t, q, features);
        run->kick.efd = eventfd(0, EFD_NONBLOCK);
        run->irq.efd = eventfd(0, EFD_NONBLOCK);
        ck_assert_int_ge(run->kick.efd, 0);
        ck_assert_int_ge(run->irq.efd, 0);
        struct driver_side *d = &run->d;
        d->t = &run->t;
        d->rng.s = rnd(&r) | 1u;
        d->total = buffers;
        for (uint16_t s = 0; s < q; s++)
                d->free_slots[d->nfree++] = s;
        d->kick = &run->kick;
        d->irq = &run->irq;
        struct device_side *v = &run->v;
        v->t = &run->t;
        v->rng.s = rnd(&r) | 1u;
        v->kick = &run->kick;
        v->irq = &run->irq;
}

static void run_teardown(struct run *run)
{
        close(run->kick.efd);
        close(run->irq.efd);
        vqt_teardown(&run->t);
}

static double now_s(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint32_t scaled_total(void)
{
        double scale = 1.0;
        const char *env = getenv("VQ_STRESS_SCALE");
        if (env != NULL)
                scale = strtod(env, NULL);
        double total = (double)STRESS_DEFAULT_TOTAL * scale;
        return total < 32.0 ? 32u : (uint32_t)total;
}

/* Feature combination i (0..15): packed, EVENT_IDX, IN_ORDER, INDIRECT_DESC; odd seeds
 * also negotiate ORDER_PLATFORM (platform barriers). */
static uint64_t combo(int i)
{
        uint64_t f = 0;
        if (i & 1)
                f |= VQ_F_RING_PACKED;
        if (i & 2)
                f |= VQ_F_EVENT_IDX;
        if (i & 4)
                f |= VQ_F_IN_ORDER;
        if (i & 8)
                f |= VQ_F_INDIRECT_DESC;
        if ((i * 7) % 3 == 0)
                f |= VQ_F_ORDER_PLATFORM;
        return f;
}

static void report(const char *mode, int i, struct run *run, double secs)
{
        printf("vq_stress %s combo=%2d %s q=%3u%s%s%s%s: buffers=%u (indirect %lu) kicks=%lu "
               "irqs=%lu sleeps=%lu/%lu time=%.2fs\n",
               mode, i, (combo(i) & VQ_F_RING_PACKED) ? "packed" : "split ", run->t.cfg.size,
               (combo(i) & VQ_F_EVENT_IDX) ? " event_idx" : "",
               (combo(i) & VQ_F_IN_ORDER) ? " in_order" : "",
               (combo(i) & VQ_F_INDIRECT_DESC) ? " indirect" : "",
               (combo(i) & VQ_F_ORDER_PLATFORM) ? " platform" : "", run->d.returned,
               (unsigned long)run->d.indirect_bufs, (unsigned long)run->d.kicks,
               (unsigned long)run->v.irqs, (unsigned long)run->d.sleeps,
               (unsigned long)run->v.sleeps, secs);
        fflush(stdout);
}

/* Single thread: a seeded RNG interleaves the two sides step by step. */
START_TEST(test_stress_single_thread)
{
        static struct run run;
        uint32_t buffers = scaled_total() / 2u / 16u;
        run_setup(&run, combo(_i), (uint64_t)_i + 1u, buffers);
        struct driver_side *d = &run.d;
        struct device_side *v = &run.v;
        double t0 = now_s();
        while (!drv_done(d) && !d->fail && !v->fail) {
                if (d->sleeping && chan_wait(d->irq, 0))
                        drv_wake(d);
                if (v->sleeping && chan_wait(v->kick, 0))
                        dev_wake(v);
                if (d->sleeping && v->sleeping) {
                        /* Both asleep with nothing pending: a notification was lost. */
                        ck_abort_msg("lost wake-up: driver and device both asleep (returned "
                                     "%u of %u, device holds %u)",
                                     d->returned, d->total, v->nheld);
                }
                bool driver_turn = v->sleeping || (!d->sleeping && (rnd(&d->rng) & 1u));
                if (driver_turn)
                        drv_turn(d);
                else
                        dev_turn(v);
        }
        double secs = now_s() - t0;
        ck_assert_msg(d->fail == NULL, "driver: %s", d->fail);
        ck_assert_msg(v->fail == NULL, "device: %s", v->fail);
        ck_assert_uint_eq(d->returned, buffers);
        ck_assert_uint_eq(v->popped, buffers);
        ck_assert_int_eq(vq_drv_broken(&run.t.drv), 0);
        ck_assert_int_eq(vq_dev_broken(&run.t.dev), 0);
        report("1-thread", _i, &run, secs);
        run_teardown(&run);
}
END_TEST

static void *driver_thread(void *arg)
{
        struct run *run = arg;
        struct driver_side *d = &run->d;
        while (!drv_done(d) && !d->fail && !atomic_load(&run->stop)) {
                if (d->sleeping) {
                        if (!chan_wait(d->irq, SLEEP_LIMIT)) {
                                d->fail = "lost wake-up: driver slept past the bound";
                                break;
                        }
                        drv_wake(d);
                }
                drv_turn(d);
        }
        atomic_store(&run->stop, true);
        chan_signal(&run->kick); /* let the device see stop */
        return NULL;
}

static void *device_thread(void *arg)
{
        struct run *run = arg;
        struct device_side *v = &run->v;
        while (!v->fail && !atomic_load(&run->stop)) {
                if (v->sleeping) {
                        if (!chan_wait(v->kick, SLEEP_LIMIT)) {
                                v->fail = "lost wake-up: device slept past the bound";
                                break;
                        }
                        dev_wake(v);
                        continue;
                }
                dev_turn(v);
        }
        atomic_store(&run->stop, true);
        chan_signal(&run->irq);
        return NULL;
}

/* Two threads: driver and device run concurrently, meeting only in ring memory. */
START_TEST(test_stress_two_threads)
{
        static struct run run;
        uint32_t buffers = scaled_total() / 2u / 16u;
        run_setup(&run, combo(_i), (uint64_t)_i + 101u, buffers);
        double t0 = now_s();
        pthread_t td, tv;
        ck_assert_int_eq(pthread_create(&tv, NULL, device_thread, &run), 0);
        ck_assert_int_eq(pthread_create(&td, NULL, driver_thread, &run), 0);
        pthread_join(td, NULL);
        pthread_join(tv, NULL);
        double secs = now_s() - t0;
        ck_assert_msg(run.d.fail == NULL, "driver: %s", run.d.fail);
        ck_assert_msg(run.v.fail == NULL, "device: %s", run.v.fail);
        ck_assert_uint_eq(run.d.returned, buffers);
        ck_assert_uint_eq(run.v.popped, buffers);
        ck_assert_int_eq(vq_drv_broken(&run.t.drv), 0);
        ck_assert_int_eq(vq_dev_broken(&run.t.dev), 0);
        report("2-thread", _i, &run, secs);
        run_teardown(&run);
}
END_TEST

static Suite *stress_suite(void)
{
        Suite *s = suite_create("virtqueue-stress");
        TCase *tc = tcase_create("stress");
        tcase_set_timeout(tc, 600);
        tcase_add_loop_test(tc, test_stress_single_thread, 0, 16);
        tcase_add_loop_test(tc, test_stress_two_threads, 0, 16);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        double t0 = now_s();
        SRunner *sr = srunner_create(stress_suite());
        srunner_run_all(sr, CK_NORMAL);
        int failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        printf("vq_stress: %u buffers requested in total, %.1fs\n", scaled_total() / 32u * 32u,
               now_s() - t0);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
