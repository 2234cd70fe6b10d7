/*
 * Virtqueue library: every validation rule, reached by a negative test that plays a buggy or
 * hostile peer by writing raw ring memory. Each test asserts the exact VQ_E* code, that the
 * queue is broken with that reason afterwards, and that every later call returns VQ_EBROKEN.
 * docs/virtio.md maps each rule to the spec sentence it protects and to the test here.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/test_vq_harness.h"
#include "virtio/virtqueue.h"

#define SPLIT  0ull
#define PACKED VQ_F_RING_PACKED

static const uint64_t layouts[2] = { SPLIT, PACKED };

/* A raw descriptor as a hostile driver writes it. `link` is the split next field or the packed
 * buffer id. */
struct rd {
        uint64_t addr;
        uint32_t len;
        uint16_t flags;
        uint16_t link;
};

struct raw {
        struct vqt t;
        bool packed;
        uint16_t q;
        uint8_t *desc;
        uint8_t *drv_area;
        uint8_t *dev_area;
        uint16_t avail_idx; /* split: next avail idx to publish */
        uint16_t pos;       /* packed: next position */
        bool wrap;          /* packed: driver wrap counter */
};

static void raw_setup(struct raw *r, uint64_t features, uint16_t q)
{
        memset(r, 0, sizeof(*r));
        vqt_setup(&r->t, q, features);
        r->packed = (features & PACKED) != 0;
        r->q = q;
        r->desc = vqt_host(&r->t, r->t.cfg.layout.desc_gpa);
        r->drv_area = vqt_host(&r->t, r->t.cfg.layout.driver_gpa);
        r->dev_area = vqt_host(&r->t, r->t.cfg.layout.device_gpa);
        r->wrap = true;
}

static void raw_write_desc(struct raw *r, uint8_t *d, const struct rd *x, uint16_t flags)
{
        vqt_w64(d, x->addr);
        vqt_w32(d + 8, x->len);
        if (r->packed) {
                vqt_w16(d + 12, x->link);
                vqt_w16(d + 14, flags);
        } else {
                vqt_w16(d + 12, flags);
                vqt_w16(d + 14, x->link);
        }
}

/* Split: write d[i] at table index first + i (links as given), publish `head`. Packed: write
 * d[] at consecutive positions with this lap's AVAIL/USED bits, the head's flags last. */
static void raw_publish(struct raw *r, const struct rd *d, unsigned n, uint16_t first,
                        uint16_t head)
{
        if (!r->packed) {
                for (unsigned i = 0; i < n; i++)
                        raw_write_desc(r, r->desc + 16u * (first + i), &d[i], d[i].flags);
                vqt_w16(r->drv_area + 4 + 2u * (r->avail_idx % r->q), head);
                r->avail_idx++;
                vqt_w16(r->drv_area + 2, r->avail_idx);
                return;
        }
        uint16_t head_pos = r->pos;
        uint16_t head_flags = 0;
        for (unsigned i = 0; i < n; i++) {
                uint16_t bits = r->wrap ? VQ_DESC_F_AVAIL : VQ_DESC_F_USED;
                uint16_t flags = (uint16_t)(d[i].flags | bits);
                raw_write_desc(r, r->desc + 16u * r->pos, &d[i], i == 0 ? 0 : flags);
                if (i == 0)
                        head_flags = flags;
                if (++r->pos == r->q) {
                        r->pos = 0;
                        r->wrap = !r->wrap;
                }
        }
        vqt_w16(r->desc + 16u * head_pos + 14, head_flags);
}

/* An indirect table in the layout's descriptor format (split: next = i + 1 unless given). */
static void raw_table(struct raw *r, uint64_t gpa, const struct rd *d, unsigned n)
{
        for (unsigned i = 0; i < n; i++)
                raw_write_desc(r, vqt_host(&r->t, gpa) + 16u * i, &d[i], d[i].flags);
}

/* The device must now fail with `code` and stay broken. */
static void expect_dev_broken(struct raw *r, int code, uint16_t capacity)
{
        static struct vq_elem e[4096];
        struct vq_chain c;
        ck_assert_int_eq(vq_dev_pop(&r->t.dev, &c, e, capacity), code);
        ck_assert_int_eq(vq_dev_broken(&r->t.dev), code);
        ck_assert_int_eq(vq_dev_pop(&r->t.dev, &c, e, capacity), VQ_EBROKEN);
        ck_assert_int_eq(vq_dev_push(&r->t.dev, 0, 0), VQ_EBROKEN);
        ck_assert_int_eq(vq_dev_need_interrupt(&r->t.dev), VQ_EBROKEN);
        ck_assert_int_eq(vq_dev_enable_notify(&r->t.dev), VQ_EBROKEN);
        ck_assert_int_eq(vq_dev_disable_notify(&r->t.dev), VQ_EBROKEN);
        ck_assert_int_eq(vq_dev_notification(&r->t.dev, r->t.cfg.index), VQ_EBROKEN);
        /* A reset recovers (2.6.1). */
        ck_assert_int_eq(vq_dev_reset(&r->t.dev), 0);
        ck_assert_int_eq(vq_dev_broken(&r->t.dev), 0);
}

static void expect_drv_broken(struct raw *r, int code)
{
        uint64_t token;
        uint32_t len;
        ck_assert_int_eq(vq_drv_get_used(&r->t.drv, &token, &len), code);
        ck_assert_int_eq(vq_drv_broken(&r->t.drv), code);
        ck_assert_int_eq(vq_drv_get_used(&r->t.drv, &token, &len), VQ_EBROKEN);
        ck_assert_int_eq(vqt_add(&r->t, 1, 0, 8, 0, 1), VQ_EBROKEN);
        ck_assert_int_eq(vq_drv_kick_prepare(&r->t.drv), VQ_EBROKEN);
        ck_assert_int_eq(vq_drv_enable_cb(&r->t.drv), VQ_EBROKEN);
        ck_assert_int_eq(vq_drv_disable_cb(&r->t.drv), VQ_EBROKEN);
        ck_assert_int_eq(vq_drv_reset(&r->t.drv), 0);
        ck_assert_int_eq(vq_drv_broken(&r->t.drv), 0);
}

#define B(k) vqt_buf_gpa(k)

/* ---- rules shared by both layouts ----------------------------------------------------------- */

/* 2.7.4.2: readable after writable. */
START_TEST(test_order)
{
        struct raw r;
        raw_setup(&r, layouts[_i], 8);
        struct rd d[2] = { { B(0), 8, VQ_DESC_F_WRITE | VQ_DESC_F_NEXT, 1 }, { B(1), 8, 0, 0 } };
        raw_publish(&r, d, 2, 0, 0);
        expect_dev_broken(&r, VQ_EORDER, 8);
        vqt_teardown(&r.t);
}
END_TEST

/* 2.7.4.1: the device's element limit (capacity). */
START_TEST(test_chain_cap)
{
        struct raw r;
        raw_setup(&r, layouts[_i], 8);
        struct rd d[3] = { { B(0), 8, VQ_DESC_F_NEXT, 1 },
                           { B(1), 8, VQ_DESC_F_NEXT, 2 },
                           { B(2), 8, 0, 0 } };
        raw_publish(&r, d, 3, 0, 0);
        expect_dev_broken(&r, VQ_ECHAINCAP, 2);
        vqt_teardown(&r.t);
}
END_TEST

/* Buffer outside the registered memory: entirely, and straddling its end. */
START_TEST(test_translate)
{
        for (int k = 0; k < 2; k++) {
                struct raw r;
                raw_setup(&r, layouts[_i], 8);
                uint64_t end = VQT_GPA_BASE + VQT_MEM_BYTES;
                struct rd d = { k == 0 ? 0x1000 : end - 8, 16, 0, 0 };
                raw_publish(&r, &d, 1, 0, 0);
                expect_dev_broken(&r, VQ_ETRANSLATE, 8);
                vqt_teardown(&r.t);
        }
}
END_TEST

/* 2.7.5.2 / 2.8.17: total length over 2^32 - 1. 1025 pieces of 4 MiB = 2^32 + 4 MiB; the
 * 1024th piece brings the total to exactly 2^32, one over the limit. */
START_TEST(test_total_len)
{
        struct raw r;
        raw_setup(&r, layouts[_i], 2048);
        static struct rd d[1025];
        for (uint16_t i = 0; i < 1025; i++) {
                d[i].addr = VQT_GPA_BASE;
                d[i].len = VQT_MEM_BYTES;
                d[i].flags = i < 1024 ? VQ_DESC_F_NEXT : 0;
                d[i].link = (uint16_t)(i + 1u);
        }
        raw_publish(&r, d, 1025, 0, 0);
        expect_dev_broken(&r, VQ_ETOTALLEN, 2048);
        vqt_teardown(&r.t);
}
END_TEST

/* 2.7.5.3.1 / 2.8.19: INDIRECT needs VIRTIO_F_INDIRECT_DESC. */
START_TEST(test_no_indirect)
{
        struct raw r;
        raw_setup(&r, layouts[_i], 8);
        struct rd d = { B(0), 32, VQ_DESC_F_INDIRECT, 0 };
        raw_publish(&r, &d, 1, 0, 0);
        expect_dev_broken(&r, VQ_ENOINDIRECT, 8);
        vqt_teardown(&r.t);
}
END_TEST

/* Indirect table size: zero, not a multiple of 16, more entries than the queue size. */
START_TEST(test_indirect_size)
{
        static const uint32_t lens[3] = { 0, 24, 16 * 9 };
        for (int k = 0; k < 3; k++) {
                struct raw r;
                raw_setup(&r, layouts[_i] | VQ_F_INDIRECT_DESC, 8);
                struct rd d = { B(0), lens[k], VQ_DESC_F_INDIRECT, 0 };
                raw_publish(&r, &d, 1, 0, 0);
                expect_dev_broken(&r, VQ_EINDSIZE, 16);
                vqt_teardown(&r.t);
        }
}
END_TEST

/* 2.7.5.3.1: INDIRECT inside an indirect table (our choice: an error, not data). */
START_TEST(test_indirect_nested)
{
        struct raw r;
        raw_setup(&r, layouts[_i] | VQ_F_INDIRECT_DESC, 8);
        struct rd table[2] = { { B(1), 8, VQ_DESC_F_NEXT, 1 },
                               { B(2), 32, VQ_DESC_F_INDIRECT, 0 } };
        raw_table(&r, B(0), table, 2);
        struct rd d = { B(0), 32, VQ_DESC_F_INDIRECT, 0 };
        raw_publish(&r, &d, 1, 0, 0);
        expect_dev_broken(&r, VQ_EINDNESTED, 8);
        vqt_teardown(&r.t);
}
END_TEST

/* 2.7.5.3.1 / 2.8.19: INDIRECT and NEXT together. */
START_TEST(test_indirect_next)
{
        struct raw r;
        raw_setup(&r, layouts[_i] | VQ_F_INDIRECT_DESC, 8);
        struct rd table = { B(1), 8, 0, 0 };
        raw_table(&r, B(0), &table, 1);
        struct rd d[2] = { { B(0), 16, VQ_DESC_F_INDIRECT | VQ_DESC_F_NEXT, 1 },
                           { B(2), 8, 0, 0 } };
        raw_publish(&r, d, 2, 0, 0);
        expect_dev_broken(&r, VQ_EINDNEXT, 8);
        vqt_teardown(&r.t);
}
END_TEST

/* The indirect table itself outside the registered memory. */
START_TEST(test_indirect_translate)
{
        struct raw r;
        raw_setup(&r, layouts[_i] | VQ_F_INDIRECT_DESC, 8);
        struct rd d = { VQT_GPA_BASE + VQT_MEM_BYTES - 16, 32, VQ_DESC_F_INDIRECT, 0 };
        raw_publish(&r, &d, 1, 0, 0);
        expect_dev_broken(&r, VQ_ETRANSLATE, 8);
        vqt_teardown(&r.t);
}
END_TEST

/* Split: a valid indirect table following direct descriptors is accepted (2.7.5.3.2 "zero
 * or more normal chained descriptors followed by a single descriptor with flags & INDIRECT").
 * Packed forbids that shape (test_packed_indirect_in_list). */
START_TEST(test_split_indirect_after_direct_ok)
{
        struct raw r;
        raw_setup(&r, SPLIT | VQ_F_INDIRECT_DESC, 8);
        struct rd table[2] = { { B(2), 8, VQ_DESC_F_NEXT, 1 }, { B(3), 16, VQ_DESC_F_WRITE, 0 } };
        raw_table(&r, B(0), table, 2);
        struct rd d[2] = { { B(1), 4, VQ_DESC_F_NEXT, 1 },
                           /* WRITE on the table descriptor must be ignored (2.7.5.3.2) */
                           { B(0), 32, VQ_DESC_F_INDIRECT | VQ_DESC_F_WRITE, 5 } };
        raw_publish(&r, d, 2, 0, 0);
        struct vq_chain c;
        struct vq_elem e[8];
        ck_assert_int_eq(vq_dev_pop(&r.t.dev, &c, e, 8), 1);
        ck_assert_uint_eq(c.elem_count, 3);
        ck_assert_uint_eq(c.readable_count, 2);
        ck_assert_uint_eq(c.writable_bytes, 16);
        ck_assert_uint_eq(c.desc_count, 2);
        ck_assert_uint_eq(c.id, 0);
        vqt_teardown(&r.t);
}
END_TEST

/* ---- split-only rules ------------------------------------------------------------------------ */

/* 2.7.6.1 / 2.7.13: avail idx moved by more than the queue size. */
START_TEST(test_split_avail_jump)
{
        struct raw r;
        raw_setup(&r, SPLIT, 8);
        vqt_w16(r.drv_area + 2, 9);
        expect_dev_broken(&r, VQ_EAVAILJUMP, 8);
        vqt_teardown(&r.t);
        /* With one buffer in flight, 8 more is one too many. */
        raw_setup(&r, SPLIT, 8);
        struct rd d = { B(0), 8, 0, 0 };
        raw_publish(&r, &d, 1, 0, 0);
        struct vq_chain c;
        struct vq_elem e[4];
        ck_assert_int_eq(vq_dev_pop(&r.t.dev, &c, e, 4), 1);
        vqt_w16(r.drv_area + 2, 1 + 8);
        expect_dev_broken(&r, VQ_EAVAILJUMP, 8);
        vqt_teardown(&r.t);
}
END_TEST

START_TEST(test_split_head_range)
{
        struct raw r;
        raw_setup(&r, SPLIT, 8);
        vqt_w16(r.drv_area + 4, 8);
        vqt_w16(r.drv_area + 2, 1);
        expect_dev_broken(&r, VQ_EHEAD, 8);
        vqt_teardown(&r.t);
}
END_TEST

START_TEST(test_split_next_range)
{
        struct raw r;
        raw_setup(&r, SPLIT, 8);
        struct rd d = { B(0), 8, VQ_DESC_F_NEXT, 8 };
        raw_publish(&r, &d, 1, 0, 0);
        expect_dev_broken(&r, VQ_ENEXT, 8);
        vqt_teardown(&r.t);
}
END_TEST

/* 2.7.5.2: loops are forbidden (0 -> 1 -> 0). */
START_TEST(test_split_loop)
{
        struct raw r;
        raw_setup(&r, SPLIT, 8);
        /* Boundary first: a chain of exactly Q = 8 descriptors is legal. */
        struct rd full[8];
        for (uint16_t i = 0; i < 8; i++)
                full[i] = (struct rd){ B(i), 8, i < 7 ? VQ_DESC_F_NEXT : 0, (uint16_t)(i + 1u) };
        raw_publish(&r, full, 8, 0, 0);
        struct vq_chain c;
        struct vq_elem e[8];
        ck_assert_int_eq(vq_dev_pop(&r.t.dev, &c, e, 8), 1);
        ck_assert_uint_eq(c.elem_count, 8);
        ck_assert_int_eq(vq_dev_push(&r.t.dev, c.id, 0), 0);
        /* The loop is caught at the 9th step, before a 9th piece could hit the capacity of 8
         * (so a looser loop bound would report VQ_ECHAINCAP instead). */
        struct rd d[2] = { { B(0), 8, VQ_DESC_F_NEXT, 1 }, { B(1), 8, VQ_DESC_F_NEXT, 0 } };
        raw_publish(&r, d, 2, 0, 0);
        expect_dev_broken(&r, VQ_ELOOP, 8);
        vqt_teardown(&r.t);
}
END_TEST

START_TEST(test_split_indirect_loop_and_next)
{
        struct raw r;
        raw_setup(&r, SPLIT | VQ_F_INDIRECT_DESC, 8);
        struct rd loop[2] = { { B(1), 8, VQ_DESC_F_NEXT, 1 }, { B(2), 8, VQ_DESC_F_NEXT, 0 } };
        raw_table(&r, B(0), loop, 2);
        struct rd d = { B(0), 32, VQ_DESC_F_INDIRECT, 0 };
        raw_publish(&r, &d, 1, 0, 0);
        expect_dev_broken(&r, VQ_ELOOP, 64);
        vqt_teardown(&r.t);

        raw_setup(&r, SPLIT | VQ_F_INDIRECT_DESC, 8);
        struct rd out[2] = { { B(1), 8, VQ_DESC_F_NEXT, 2 }, { B(2), 8, 0, 0 } };
        raw_table(&r, B(0), out, 2); /* next 2 >= 2 entries */
        raw_publish(&r, &d, 1, 0, 0);
        expect_dev_broken(&r, VQ_ENEXT, 64);
        vqt_teardown(&r.t);
}
END_TEST

/* A head made available again while still in flight. */
START_TEST(test_split_head_in_use)
{
        struct raw r;
        raw_setup(&r, SPLIT, 8);
        struct rd d = { B(0), 8, 0, 0 };
        raw_publish(&r, &d, 1, 0, 0);
        struct vq_chain c;
        struct vq_elem e[4];
        ck_assert_int_eq(vq_dev_pop(&r.t.dev, &c, e, 4), 1);
        raw_publish(&r, &d, 1, 0, 0);
        expect_dev_broken(&r, VQ_EINUSE, 8);
        vqt_teardown(&r.t);
}
END_TEST

/* ---- packed-only rules ---------------------------------------------------------------------- */

START_TEST(test_packed_buf_id)
{
        struct raw r;
        raw_setup(&r, PACKED, 5);
        struct rd d = { B(0), 8, 0, 5 };
        raw_publish(&r, &d, 1, 0, 0);
        expect_dev_broken(&r, VQ_EBUFID, 8);
        vqt_teardown(&r.t);
}
END_TEST

START_TEST(test_packed_id_in_use)
{
        struct raw r;
        raw_setup(&r, PACKED, 5);
        struct rd d = { B(0), 8, 0, 2 };
        raw_publish(&r, &d, 1, 0, 0);
        raw_publish(&r, &d, 1, 0, 0);
        struct vq_chain c;
        struct vq_elem e[4];
        ck_assert_int_eq(vq_dev_pop(&r.t.dev, &c, e, 4), 1);
        expect_dev_broken(&r, VQ_EINUSE, 8);
        vqt_teardown(&r.t);
}
END_TEST

/* 2.8.6: the list continues (NEXT) into a descriptor that is not available. */
START_TEST(test_packed_wrap)
{
        struct raw r;
        raw_setup(&r, PACKED, 5);
        struct rd d[2] = { { B(0), 8, VQ_DESC_F_NEXT, 0 }, { B(1), 8, 0, 0 } };
        raw_publish(&r, d, 2, 0, 0);
        /* Second descriptor: AVAIL and USED both set = used in lap 1, not available. */
        vqt_w16(r.desc + 16 + 14, VQ_DESC_F_AVAIL | VQ_DESC_F_USED);
        expect_dev_broken(&r, VQ_EWRAP, 8);
        vqt_teardown(&r.t);
}
END_TEST

/* 2.8.17: no list longer than the queue size; every descriptor available with NEXT. The
 * descriptors are written with one lap's bits (the wrap flips only after them). */
START_TEST(test_packed_loop)
{
        struct raw r;
        raw_setup(&r, PACKED, 4);
        struct rd d[4];
        for (int i = 0; i < 4; i++)
                d[i] = (struct rd){ B((uint32_t)i), 8, VQ_DESC_F_NEXT, 0 };
        raw_publish(&r, d, 4, 0, 0);
        expect_dev_broken(&r, VQ_ELOOP, 4);
        vqt_teardown(&r.t);
}
END_TEST

/* More descriptors in flight than the queue size: 4 lists of 2 fill Q = 8; then the driver
 * reuses position 0 (next lap) while the device still owns it. */
START_TEST(test_packed_inflight)
{
        struct raw r;
        raw_setup(&r, PACKED, 8);
        struct vq_chain c;
        struct vq_elem e[4];
        for (uint16_t id = 0; id < 4; id++) {
                struct rd d[2] = { { B(0), 8, VQ_DESC_F_NEXT, id }, { B(1), 8, 0, id } };
                raw_publish(&r, d, 2, 0, 0);
                ck_assert_int_eq(vq_dev_pop(&r.t.dev, &c, e, 4), 1);
        }
        struct rd x = { B(0), 8, 0, 5 };
        raw_publish(&r, &x, 1, 0, 0);
        expect_dev_broken(&r, VQ_EINFLIGHT, 8);
        vqt_teardown(&r.t);
}
END_TEST

/* The device pops a packed buffer of one direct descriptor and a list (NEXT) by different
 * code: the translation, buffer id, ownership and in-flight rules tested above with single
 * descriptors, here with two-descriptor lists (the id is the last descriptor's, 2.8.6). */
START_TEST(test_packed_list_rules)
{
        struct raw r;
        struct vq_chain c;
        struct vq_elem e[4];
        /* Second piece outside the registered memory. */
        raw_setup(&r, PACKED, 5);
        struct rd t[2] = { { B(0), 8, VQ_DESC_F_NEXT, 0 }, { 0x1000, 16, 0, 0 } };
        raw_publish(&r, t, 2, 0, 0);
        expect_dev_broken(&r, VQ_ETRANSLATE, 8);
        vqt_teardown(&r.t);
        /* Buffer id 5 in a queue of 5 (ids 0..4). */
        raw_setup(&r, PACKED, 5);
        struct rd b[2] = { { B(0), 8, VQ_DESC_F_NEXT, 0 }, { B(1), 8, 0, 5 } };
        raw_publish(&r, b, 2, 0, 0);
        expect_dev_broken(&r, VQ_EBUFID, 8);
        vqt_teardown(&r.t);
        /* Id 2 made available again while in flight. */
        raw_setup(&r, PACKED, 5);
        struct rd u[2] = { { B(0), 8, VQ_DESC_F_NEXT, 2 }, { B(1), 8, 0, 2 } };
        raw_publish(&r, u, 2, 0, 0);
        raw_publish(&r, u, 2, 0, 0);
        ck_assert_int_eq(vq_dev_pop(&r.t.dev, &c, e, 4), 1);
        ck_assert_uint_eq(c.id, 2);
        expect_dev_broken(&r, VQ_EINUSE, 8);
        vqt_teardown(&r.t);
        /* Q = 8: six single descriptors in flight (ids 0..5), then a list of 3 with id 6:
         * 6 + 3 = 9 descriptors would be in flight, over the 8 the ring holds (2.8.17).
         * Positions 6, 7 and 0 (next lap) carry the list. */
        raw_setup(&r, PACKED, 8);
        for (uint16_t id = 0; id < 6; id++) {
                struct rd one = { B(id), 8, 0, id };
                raw_publish(&r, &one, 1, 0, 0);
                ck_assert_int_eq(vq_dev_pop(&r.t.dev, &c, e, 4), 1);
        }
        struct rd l[3] = { { B(0), 8, VQ_DESC_F_NEXT, 6 },
                           { B(1), 8, VQ_DESC_F_NEXT, 6 },
                           { B(2), 8, 0, 6 } };
        raw_publish(&r, l, 3, 0, 0);
        expect_dev_broken(&r, VQ_EINFLIGHT, 8);
        vqt_teardown(&r.t);
}
END_TEST

/* 2.8.10: flags 3 is reserved; DESC (2) needs EVENT_IDX. Both sides check. */
START_TEST(test_packed_event_flags)
{
        for (int k = 0; k < 2; k++) {
                struct raw r;
                raw_setup(&r, PACKED, 8);
                struct rd d = { B(0), 8, VQ_DESC_F_WRITE, 0 };
                raw_publish(&r, &d, 1, 0, 0);
                struct vq_chain c;
                struct vq_elem e[4];
                ck_assert_int_eq(vq_dev_pop(&r.t.dev, &c, e, 4), 1);
                ck_assert_int_eq(vq_dev_push(&r.t.dev, c.id, 0), 0);
                vqt_w16(r.drv_area + 2, k == 0 ? 3 : VQ_EVENT_F_DESC);
                ck_assert_int_eq(vq_dev_need_interrupt(&r.t.dev), VQ_EEVENTFLAGS);
                ck_assert_int_eq(vq_dev_broken(&r.t.dev), VQ_EEVENTFLAGS);
                ck_assert_int_eq(vq_dev_pop(&r.t.dev, &c, e, 4), VQ_EBROKEN);
                vqt_teardown(&r.t);
        }
        struct vqt t;
        vqt_setup(&t, 8, PACKED | VQ_F_EVENT_IDX);
        vqt_w16(vqt_host(&t, t.cfg.layout.device_gpa) + 2, 3);
        ck_assert_int_eq(vqt_add(&t, 1, 0, 8, 0, 1), 0);
        ck_assert_int_eq(vq_drv_kick_prepare(&t.drv), VQ_EEVENTFLAGS);
        ck_assert_int_eq(vq_drv_broken(&t.drv), VQ_EEVENTFLAGS);
        ck_assert_int_eq(vqt_add(&t, 1, 0, 8, 0, 1), VQ_EBROKEN);
        vqt_teardown(&t);
}
END_TEST

/* 2.8.19: "A driver MUST NOT write direct descriptors with VIRTQ_DESC_F_INDIRECT set in a
 * scatter-gather list linked by VIRTQ_DESC_F_NEXT." */
START_TEST(test_packed_indirect_in_list)
{
        struct raw r;
        raw_setup(&r, PACKED | VQ_F_INDIRECT_DESC, 8);
        struct rd table = { B(1), 8, 0, 0 };
        raw_table(&r, B(0), &table, 1);
        struct rd d[2] = { { B(2), 4, VQ_DESC_F_NEXT, 0 }, { B(0), 16, VQ_DESC_F_INDIRECT, 0 } };
        raw_publish(&r, d, 2, 0, 0);
        expect_dev_broken(&r, VQ_EINDCHAIN, 8);
        vqt_teardown(&r.t);
}
END_TEST

/* ---- driver-side defences against the device ------------------------------------------- */

/* Make two buffers (1 readable + 1 writable of 8 B each: chains of 2) available. */
static void drv_two_buffers(struct raw *r)
{
        ck_assert_int_eq(vqt_add(&r->t, 1, 1, 8, 0, 100), 0);
        ck_assert_int_eq(vqt_add(&r->t, 1, 1, 8, 2, 101), 0);
}

/* Write one used entry as the device would. Split: ring[k], idx = k + 1. Packed: at pos. */
static void raw_used(struct raw *r, uint16_t k, uint32_t id, uint32_t len)
{
        if (!r->packed) {
                vqt_w32(r->dev_area + 4 + 8u * k, id);
                vqt_w32(r->dev_area + 8 + 8u * k, len);
                vqt_w16(r->dev_area + 2, (uint16_t)(k + 1u));
                return;
        }
        uint8_t *d = r->desc + 16u * k;
        vqt_w16(d + 12, (uint16_t)id);
        vqt_w32(d + 8, len);
        vqt_w16(d + 14, VQ_DESC_F_AVAIL | VQ_DESC_F_USED | VQ_DESC_F_WRITE);
}

START_TEST(test_used_id_range)
{
        struct raw r;
        raw_setup(&r, layouts[_i], 8);
        drv_two_buffers(&r);
        raw_used(&r, 0, 8, 0);
        expect_drv_broken(&r, VQ_EUSEDID);
        vqt_teardown(&r.t);
        if (layouts[_i] == PACKED)
                return;
        raw_setup(&r, SPLIT, 8); /* split ids are 32 bits wide */
        drv_two_buffers(&r);
        raw_used(&r, 0, 0x10000, 0);
        expect_drv_broken(&r, VQ_EUSEDID);
        vqt_teardown(&r.t);
}
END_TEST

/* Split: descriptor 1 is the second of head 0's chain, not a head. Packed: id 3 was never
 * used. Both: id 0 returned twice. */
START_TEST(test_used_not_head)
{
        struct raw r;
        raw_setup(&r, layouts[_i], 8);
        drv_two_buffers(&r);
        raw_used(&r, 0, r.packed ? 3 : 1, 0);
        expect_drv_broken(&r, VQ_ENOTHEAD);
        vqt_teardown(&r.t);

        raw_setup(&r, layouts[_i], 8);
        drv_two_buffers(&r);
        uint64_t token;
        uint32_t len;
        raw_used(&r, 0, 0, 8);
        ck_assert_int_eq(vq_drv_get_used(&r.t.drv, &token, &len), 1);
        ck_assert_uint_eq(token, 100);
        raw_used(&r, r.packed ? 2 : 1, 0, 8); /* packed: next used position is 2 */
        expect_drv_broken(&r, VQ_ENOTHEAD);
        vqt_teardown(&r.t);
}
END_TEST

START_TEST(test_used_len)
{
        struct raw r;
        raw_setup(&r, layouts[_i], 8);
        drv_two_buffers(&r);
        raw_used(&r, 0, 0, 9); /* writable part is 8 bytes */
        expect_drv_broken(&r, VQ_EUSEDLEN);
        vqt_teardown(&r.t);
}
END_TEST

START_TEST(test_split_used_jump)
{
        struct raw r;
        raw_setup(&r, SPLIT, 8);
        drv_two_buffers(&r);
        vqt_w16(r.dev_area + 2, 3); /* 3 entries, 2 outstanding */
        expect_drv_broken(&r, VQ_EUSEDJUMP);
        vqt_teardown(&r.t);
}
END_TEST

static Suite *vq_validate_suite(void)
{
        Suite *s = suite_create("virtqueue-validate");
        TCase *tc = tcase_create("validate");
        tcase_set_timeout(tc, 30);
        tcase_add_loop_test(tc, test_order, 0, 2);
        tcase_add_loop_test(tc, test_chain_cap, 0, 2);
        tcase_add_loop_test(tc, test_translate, 0, 2);
        tcase_add_loop_test(tc, test_total_len, 0, 2);
        tcase_add_loop_test(tc, test_no_indirect, 0, 2);
        tcase_add_loop_test(tc, test_indirect_size, 0, 2);
        tcase_add_loop_test(tc, test_indirect_nested, 0, 2);
        tcase_add_loop_test(tc, test_indirect_next, 0, 2);
        tcase_add_loop_test(tc, test_indirect_translate, 0, 2);
        tcase_add_test(tc, test_split_indirect_after_direct_ok);
        tcase_add_test(tc, test_packed_indirect_in_list);
        tcase_add_test(tc, test_split_avail_jump);
        tcase_add_test(tc, test_split_head_range);
        tcase_add_test(tc, test_split_next_range);
        tcase_add_test(tc, test_split_loop);
        tcase_add_test(tc, test_split_indirect_loop_and_next);
        tcase_add_test(tc, test_split_head_in_use);
        tcase_add_test(tc, test_packed_buf_id);
        tcase_add_test(tc, test_packed_id_in_use);
        tcase_add_test(tc, test_packed_wrap);
        tcase_add_test(tc, test_packed_loop);
        tcase_add_test(tc, test_packed_inflight);
        tcase_add_test(tc, test_packed_list_rules);
        tcase_add_test(tc, test_packed_event_flags);
        tcase_add_loop_test(tc, test_used_id_range, 0, 2);
        tcase_add_loop_test(tc, test_used_not_head, 0, 2);
        tcase_add_loop_test(tc, test_used_len, 0, 2);
        tcase_add_test(tc, test_split_used_jump);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(vq_validate_suite());
        srunner_run_all(sr, CK_NORMAL);
        int failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
