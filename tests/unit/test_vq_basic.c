/*
 * Virtqueue library: geometry, translation, round trips, full/empty rings, index wrap-around,
 * packed wrap counters, suppression decisions against the spec formula, notification data,
 * reset, IN_ORDER batches and the port hooks. Both layouts throughout.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/test_vq_harness.h"
#include "virtio/virtqueue.h"

#define SPLIT  0ull
#define PACKED VQ_F_RING_PACKED

#define VQT_REQUIRE_EQ(a, b) VQT_REQUIRE((a) == (b))

static const uint64_t layouts[2] = { SPLIT, PACKED };

/* ---- error table, geometry, translation ------------------------------------------------- */

START_TEST(test_strerror_table)
{
        ck_assert_str_eq(vq_strerror(0), "success");
        ck_assert_str_eq(vq_strerror(1), "unknown error");
        ck_assert_str_eq(vq_strerror(-999), "unknown error");
        /* Codes are -1 .. -26, each with its own text. */
        ck_assert_int_eq(VQ_ERROR_LAST, -26);
        for (int c = -1; c >= VQ_ERROR_LAST; c--) {
                ck_assert_str_ne(vq_strerror(c), "unknown error");
                for (int d = c - 1; d >= VQ_ERROR_LAST; d--)
                        ck_assert_str_ne(vq_strerror(c), vq_strerror(d));
        }
        ck_assert_int_eq(vq_error_is_peer(VQ_EINVAL), 0);
        ck_assert_int_eq(vq_error_is_peer(VQ_EBROKEN), 0);
        ck_assert_int_eq(vq_error_is_peer(VQ_ETRANSLATE), 1);
        ck_assert_int_eq(vq_error_is_peer(VQ_ENOTIFY), 1);
        ck_assert_int_eq(vq_error_is_peer(VQ_EINDCHAIN), 1);
        ck_assert_int_eq(vq_error_is_peer(-27), 0);
}
END_TEST

START_TEST(test_geometry)
{
        /* 2.7.1: desc 16*Q, avail 6+2*Q, used 6+8*Q. Q = 256: 4096, 518, 2054. */
        ck_assert_uint_eq(vq_desc_bytes(256), 4096);
        ck_assert_uint_eq(vq_driver_area_bytes(false, 256), 518);
        ck_assert_uint_eq(vq_device_area_bytes(false, 256), 2054);
        ck_assert_uint_eq(vq_driver_area_bytes(true, 7), 4);
        ck_assert_uint_eq(vq_device_area_bytes(true, 7), 4);
        struct vq_layout l;
        /* Split Q=256 at 0x1000: desc 0x1000, avail at 0x2000 (2-aligned), avail ends at
         * 0x2206, used at 0x2208 (4-aligned), total 0x2208 - 0x1000 + 2054 = 6670. */
        ck_assert_uint_eq(vq_layout_contiguous(&l, false, 256, 0x1000), 6670);
        ck_assert_uint_eq(l.desc_gpa, 0x1000);
        ck_assert_uint_eq(l.driver_gpa, 0x2000);
        ck_assert_uint_eq(l.device_gpa, 0x2208);
        /* Packed Q=7 at 0: desc 0..111, driver event 112, device event 116, total 120. */
        ck_assert_uint_eq(vq_layout_contiguous(&l, true, 7, 0), 120);
        ck_assert_uint_eq(l.driver_gpa, 112);
        ck_assert_uint_eq(l.device_gpa, 116);
        /* Split sizes must be powers of 2; 0 is never valid; base must be 16-aligned. */
        ck_assert_uint_eq(vq_layout_contiguous(&l, false, 6, 0), 0);
        ck_assert_uint_eq(vq_layout_contiguous(&l, true, 0, 0), 0);
        ck_assert_uint_eq(vq_layout_contiguous(&l, true, 8, 8), 0);
}
END_TEST

START_TEST(test_translate)
{
        static uint8_t a[0x100], b[0x10];
        struct vq_region regs[2] = { { 0x1000, sizeof a, a }, { 0x8000, sizeof b, b } };
        struct vq_port port;
        vq_port_init_default(&port, regs, 2);
        void *h = NULL;
        ck_assert_int_eq(vq_port_translate(&port, 0x1000, 0x100, &h), 0);
        ck_assert_ptr_eq(h, a);
        ck_assert_int_eq(vq_port_translate(&port, 0x10ff, 1, &h), 0);
        ck_assert_ptr_eq(h, a + 0xff);
        ck_assert_int_eq(vq_port_translate(&port, 0x10ff, 2, &h), VQ_ETRANSLATE);
        ck_assert_int_eq(vq_port_translate(&port, 0x1100, 0, &h), 0); /* empty range at end */
        ck_assert_int_eq(vq_port_translate(&port, 0x1101, 0, &h), VQ_ETRANSLATE);
        ck_assert_int_eq(vq_port_translate(&port, 0xfff, 1, &h), VQ_ETRANSLATE);
        ck_assert_int_eq(vq_port_translate(&port, UINT64_MAX, 2, &h), VQ_ETRANSLATE);
        ck_assert_int_eq(vq_port_translate(&port, 0x1000, UINT64_MAX, &h), VQ_ETRANSLATE);
        ck_assert_int_eq(vq_port_translate(&port, 0x8008, 8, &h), 0);
        ck_assert_ptr_eq(h, b + 8);
        /* A range spanning both regions (with a hole between) is refused. */
        ck_assert_int_eq(vq_port_translate(&port, 0x10f0, 0x7000, &h), VQ_ETRANSLATE);
        ck_assert_int_eq(vq_port_translate(NULL, 0x1000, 1, &h), VQ_EINVAL);
}
END_TEST

START_TEST(test_init_invalid)
{
        static uint8_t mem[1 << 16] __attribute__((aligned(64)));
        struct vq_region reg = { 0x10000, sizeof mem, mem };
        struct vq_port port;
        vq_port_init_default(&port, &reg, 1);
        struct vq_drv_slot ds[8];
        struct vq_dev_slot vs[8];
        struct vq_driver drv;
        struct vq_device dev;
        struct vq_config cfg = { .size = 8, .index = 0, .features = 0, .port = &port };
        ck_assert_uint_gt(vq_layout_contiguous(&cfg.layout, false, 8, 0x10000), 0);
        ck_assert_int_eq(vq_drv_init(&drv, &cfg, ds), 0);
        cfg.size = 6; /* split: not a power of 2 */
        ck_assert_int_eq(vq_drv_init(&drv, &cfg, ds), VQ_EINVAL);
        cfg.size = 0;
        ck_assert_int_eq(vq_dev_init(&dev, &cfg, vs), VQ_EINVAL);
        cfg.size = 8;
        cfg.layout.desc_gpa += 8; /* 2.7.1: descriptor table 16-aligned */
        ck_assert_int_eq(vq_drv_init(&drv, &cfg, ds), VQ_EINVAL);
        cfg.layout.desc_gpa = 0x20000; /* outside the region */
        ck_assert_int_eq(vq_dev_init(&dev, &cfg, vs), VQ_ETRANSLATE);
        cfg.layout.desc_gpa = 0x10000 + sizeof mem - 64; /* table runs past the end */
        ck_assert_int_eq(vq_dev_init(&dev, &cfg, vs), VQ_ETRANSLATE);
        ck_assert_int_eq(vq_drv_init(&drv, &cfg, NULL), VQ_EINVAL);
        ck_assert_int_eq(vq_drv_init(&drv, NULL, ds), VQ_EINVAL);
}
END_TEST

/* ---- round trips --------------------------------------------------------------------------- */

/* One buffer of 2 readable pieces (64 B) and 1 writable piece (200 B), direct or indirect. */
static void roundtrip(uint64_t features, bool indirect)
{
        struct vqt t;
        vqt_setup(&t, 8, features | VQ_F_INDIRECT_DESC);
        struct vq_sg sg[3] = { { vqt_buf_gpa(0), 64 },
                               { vqt_buf_gpa(1), 64 },
                               { vqt_buf_gpa(2), 200 } };
        memset(vqt_host(&t, sg[0].addr), 0x11, 64);
        memset(vqt_host(&t, sg[1].addr), 0x22, 64);
        struct vq_indirect ind = { vqt_buf_gpa(10), 4 };
        ck_assert_int_eq(vq_drv_add(&t.drv, sg, 2, 1, 0xabcdef, indirect ? &ind : NULL), 0);
        ck_assert_uint_eq(vq_drv_num_free(&t.drv), indirect ? 7 : 5);
        ck_assert_uint_eq(vq_drv_outstanding(&t.drv), 1);
        ck_assert_int_eq(vq_drv_kick_prepare(&t.drv), 1); /* notifications enabled at start */
        ck_assert_int_eq(vq_drv_kick_prepare(&t.drv), 0); /* nothing new */

        struct vq_chain c;
        struct vq_elem e[8];
        ck_assert_int_eq(vq_dev_pop(&t.dev, &c, e, 8), 1);
        ck_assert_uint_eq(c.elem_count, 3);
        ck_assert_uint_eq(c.readable_count, 2);
        ck_assert_uint_eq(c.readable_bytes, 128);
        ck_assert_uint_eq(c.writable_bytes, 200);
        ck_assert_uint_eq(c.desc_count, indirect ? 1 : 3);
        ck_assert_int_eq(c.indirect, indirect);
        for (int i = 0; i < 3; i++) {
                ck_assert_uint_eq(e[i].addr, sg[i].addr);
                ck_assert_uint_eq(e[i].len, sg[i].len);
                ck_assert_ptr_eq(e[i].host, vqt_host(&t, sg[i].addr));
                ck_assert_int_eq(e[i].writable, i == 2);
        }
        ck_assert_uint_eq(((uint8_t *)e[1].host)[63], 0x22);
        ck_assert_int_eq(vq_dev_pop(&t.dev, &c, e, 8), 0);
        ck_assert_uint_eq(vq_dev_inflight(&t.dev), 1);
        memset(e[2].host, 0x5c, 150);
        ck_assert_int_eq(vq_dev_push(&t.dev, c.id, 150), 0);
        ck_assert_int_eq(vq_dev_need_interrupt(&t.dev), 1);
        ck_assert_int_eq(vq_dev_need_interrupt(&t.dev), 0); /* nothing new */

        uint64_t token = 0;
        uint32_t len = 0;
        ck_assert_int_eq(vq_drv_get_used(&t.drv, &token, &len), 1);
        ck_assert_uint_eq(token, 0xabcdef);
        ck_assert_uint_eq(len, 150);
        ck_assert_uint_eq(vqt_host(&t, sg[2].addr)[149], 0x5c);
        ck_assert_int_eq(vq_drv_get_used(&t.drv, &token, &len), 0);
        ck_assert_uint_eq(vq_drv_num_free(&t.drv), 8);
        ck_assert_uint_eq(vq_drv_outstanding(&t.drv), 0);
        vqt_teardown(&t);
}

START_TEST(test_roundtrip)
{
        roundtrip(layouts[_i], false);
        roundtrip(layouts[_i], true);
}
END_TEST

START_TEST(test_add_invalid)
{
        struct vqt t;
        vqt_setup(&t, 8, layouts[_i]);
        struct vq_sg sg[9];
        for (int i = 0; i < 9; i++) {
                sg[i].addr = vqt_buf_gpa((uint32_t)i);
                sg[i].len = 8;
        }
        struct vq_indirect ind = { vqt_buf_gpa(20), 8 };
        ck_assert_int_eq(vq_drv_add(&t.drv, sg, 0, 0, 1, NULL), VQ_EINVAL); /* empty */
        /* no pieces array: one piece (the packed one-descriptor path) and a list */
        ck_assert_int_eq(vq_drv_add(&t.drv, NULL, 0, 1, 1, NULL), VQ_EINVAL);
        ck_assert_int_eq(vq_drv_add(&t.drv, NULL, 1, 1, 1, NULL), VQ_EINVAL);
        ck_assert_int_eq(vq_drv_add(&t.drv, sg, 9, 0, 1, NULL), VQ_EINVAL); /* > Q */
        ck_assert_int_eq(vq_drv_add(&t.drv, sg, 1, 0, 1, &ind), VQ_EINVAL); /* no feature */
        sg[0].len = 0x80000000u;
        sg[1].len = 0x80000000u; /* 2^32 bytes in total: one more than allowed */
        ck_assert_int_eq(vq_drv_add(&t.drv, sg, 1, 1, 1, NULL), VQ_EINVAL);
        ck_assert_int_eq(vq_drv_broken(&t.drv), 0); /* caller errors never break */
        vqt_teardown(&t);
}
END_TEST

/* An indirect table at an odd address: nothing in 2.7.5.3 requires alignment, so the default
 * port falls back to byte accesses for its fields. */
START_TEST(test_unaligned_indirect_table)
{
        struct vqt t;
        vqt_setup(&t, 8, layouts[_i] | VQ_F_INDIRECT_DESC);
        struct vq_sg sg[2] = { { vqt_buf_gpa(0) + 3, 5 }, { vqt_buf_gpa(1), 7 } };
        struct vq_indirect ind = { vqt_buf_gpa(2) + 1, 2 };
        ck_assert_int_eq(vq_drv_add(&t.drv, sg, 1, 1, 77, &ind), 0);
        /* The table's first address field, little-endian at byte offset 1. */
        const uint8_t *tab = vqt_host(&t, ind.gpa);
        ck_assert_uint_eq(vqt_r32(tab), (uint32_t)sg[0].addr);
        struct vq_chain c;
        struct vq_elem e[4];
        ck_assert_int_eq(vq_dev_pop(&t.dev, &c, e, 4), 1);
        ck_assert_uint_eq(e[0].addr, sg[0].addr);
        ck_assert_uint_eq(e[0].len, 5);
        ck_assert_uint_eq(e[1].addr, sg[1].addr);
        ck_assert_int_eq(e[1].writable, 1);
        ck_assert_int_eq(vq_dev_push(&t.dev, c.id, 7), 0);
        uint64_t token;
        uint32_t len;
        ck_assert_int_eq(vq_drv_get_used(&t.drv, &token, &len), 1);
        ck_assert_uint_eq(token, 77);
        ck_assert_uint_eq(len, 7);
        vqt_teardown(&t);
}
END_TEST

/* ---- full and empty rings --------------------------------------------------------------- */

START_TEST(test_full_and_empty)
{
        uint64_t lay = layouts[_i];
        uint16_t q = lay == PACKED ? 5 : 8; /* packed sizes need not be powers of 2 */
        struct vqt t;
        vqt_setup(&t, q, lay | VQ_F_INDIRECT_DESC);
        uint64_t token;
        uint32_t len;
        struct vq_chain c;
        struct vq_elem e[8];
        ck_assert_int_eq(vq_drv_get_used(&t.drv, &token, &len), 0);
        ck_assert_int_eq(vq_dev_pop(&t.dev, &c, e, 8), 0);
        for (uint16_t i = 0; i < q; i++)
                ck_assert_int_eq(vqt_add(&t, 1, 0, 16, i, i), 0);
        ck_assert_uint_eq(vq_drv_num_free(&t.drv), 0);
        ck_assert_int_eq(vqt_add(&t, 1, 0, 16, 0, 99), VQ_ENOSPC);
        for (uint16_t i = 0; i < q; i++) {
                ck_assert_int_eq(vq_dev_pop(&t.dev, &c, e, 8), 1);
                ck_assert_int_eq(vq_dev_push(&t.dev, c.id, 0), 0);
        }
        ck_assert_int_eq(vq_dev_pop(&t.dev, &c, e, 8), 0);
        /* Free two, then a chain of three does not fit but two single ones do. */
        for (uint16_t i = 0; i < 2; i++) {
                ck_assert_int_eq(vq_drv_get_used(&t.drv, &token, &len), 1);
                ck_assert_uint_eq(token, i);
        }
        ck_assert_int_eq(vqt_add(&t, 1, 2, 16, 0, 7), VQ_ENOSPC);
        /* An indirect buffer of three pieces takes one descriptor. */
        struct vq_sg sg[3] = { { vqt_buf_gpa(0), 4 },
                               { vqt_buf_gpa(1), 4 },
                               { vqt_buf_gpa(2), 4 } };
        struct vq_indirect ind = { vqt_buf_gpa(30), 3 };
        ck_assert_int_eq(vq_drv_add(&t.drv, sg, 1, 2, 7, &ind), 0);
        ck_assert_uint_eq(vq_drv_num_free(&t.drv), 1);
        for (uint16_t i = 2; i < q; i++) {
                ck_assert_int_eq(vq_drv_get_used(&t.drv, &token, &len), 1);
                ck_assert_uint_eq(token, i);
        }
        ck_assert_int_eq(vq_drv_get_used(&t.drv, &token, &len), 0);
        ck_assert_int_eq(vq_dev_pop(&t.dev, &c, e, 8), 1);
        ck_assert_uint_eq(c.elem_count, 3);
        ck_assert_int_eq(vq_dev_push(&t.dev, c.id, 9), VQ_EINVAL); /* writable part is 8 B */
        ck_assert_int_eq(vq_dev_push(&t.dev, c.id, 8), 0);
        ck_assert_int_eq(vq_drv_get_used(&t.drv, &token, &len), 1);
        ck_assert_uint_eq(token, 7);
        ck_assert_uint_eq(len, 8);
        ck_assert_uint_eq(vq_drv_num_free(&t.drv), q);
        vqt_teardown(&t);
}
END_TEST

/* ---- 16-bit index wrap-around (split) ------------------------------------------------------ */

/* Move both sides' indices to `n` by cycling n single buffers through the queue. */
static void cycle(struct vqt *t, uint32_t n)
{
        struct vq_chain c;
        struct vq_elem e[4];
        uint64_t token;
        uint32_t len;
        for (uint32_t i = 0; i < n; i++) {
                VQT_REQUIRE_EQ(vqt_add(t, 0, 1, 8, 0, i), 0);
                VQT_REQUIRE_EQ(vq_dev_pop(&t->dev, &c, e, 4), 1);
                VQT_REQUIRE_EQ(vq_dev_push(&t->dev, c.id, 8), 0);
                VQT_REQUIRE_EQ(vq_drv_get_used(&t->drv, &token, &len), 1);
                VQT_REQUIRE_EQ(token, i);
        }
        (void)vq_drv_kick_prepare(&t->drv);
        (void)vq_dev_need_interrupt(&t->dev);
}

START_TEST(test_split_index_wrap)
{
        struct vqt t;
        vqt_setup(&t, 4, SPLIT);
        uint8_t *avail = vqt_host(&t, t.cfg.layout.driver_gpa);
        uint8_t *used = vqt_host(&t, t.cfg.layout.device_gpa);
        cycle(&t, 65533);
        ck_assert_uint_eq(vqt_r16(avail + 2), 65533);
        ck_assert_uint_eq(vqt_r16(used + 2), 65533);
        /* Batches of 3 and 4 across 65535 -> 0: indices 65533+3 = 0 (mod 2^16), then 4. */
        struct vq_chain c;
        struct vq_elem e[4];
        uint64_t token;
        uint32_t len;
        for (int round = 0; round < 2; round++) {
                uint16_t k = round == 0 ? 3 : 4;
                for (uint16_t i = 0; i < k; i++)
                        ck_assert_int_eq(vqt_add(&t, 1, 0, 8, i, 100u + i), 0);
                for (uint16_t i = 0; i < k; i++) {
                        ck_assert_int_eq(vq_dev_pop(&t.dev, &c, e, 4), 1);
                        ck_assert_int_eq(vq_dev_push(&t.dev, c.id, 0), 0);
                }
                ck_assert_int_eq(vq_dev_pop(&t.dev, &c, e, 4), 0);
                for (uint16_t i = 0; i < k; i++) {
                        ck_assert_int_eq(vq_drv_get_used(&t.drv, &token, &len), 1);
                        ck_assert_uint_eq(token, 100u + i);
                }
                ck_assert_int_eq(vq_drv_get_used(&t.drv, &token, &len), 0);
        }
        ck_assert_uint_eq(vqt_r16(avail + 2), 4);
        ck_assert_uint_eq(vqt_r16(used + 2), 4);
        vqt_teardown(&t);
}
END_TEST

/* ---- packed wrap counters over many laps ------------------------------------------------ */

START_TEST(test_packed_laps)
{
        const uint16_t q = 7;
        struct vqt t;
        vqt_setup(&t, q, PACKED);
        uint32_t total = 0; /* descriptors made available so far */
        struct vq_chain c;
        struct vq_elem e[8];
        uint64_t token;
        uint32_t len;
        uint32_t seed = 12345;
        for (uint32_t i = 0; i < 5000; i++) {
                seed = seed * 1103515245u + 12345u;
                uint16_t n = (uint16_t)(1u + (seed >> 16) % 3u);
                uint16_t pos = (uint16_t)(total % q);
                VQT_REQUIRE_EQ(vqt_add(&t, 1, (uint16_t)(n - 1u), 32, 0, i), 0);
                /* 2.8.1: the head flags carry AVAIL = wrap, USED = !wrap; the wrap counter
                 * starts at 1 and flips each lap, so lap L has wrap 1 - L % 2. */
                bool wrap = ((total / q) % 2u) == 0;
                uint16_t flags = vqt_r16(vqt_host(&t, t.cfg.layout.desc_gpa) + 16u * pos + 14u);
                VQT_REQUIRE_EQ((flags >> 7) & 1u, wrap ? 1u : 0u);
                VQT_REQUIRE_EQ((flags >> 15) & 1u, wrap ? 0u : 1u);
                VQT_REQUIRE_EQ(vq_dev_pop(&t.dev, &c, e, 8), 1);
                VQT_REQUIRE_EQ(c.elem_count, n);
                VQT_REQUIRE_EQ(vq_dev_push(&t.dev, c.id, 32u * (n - 1u)), 0);
                /* Used: AVAIL = USED = the device's used wrap counter (same lap here). */
                flags = vqt_r16(vqt_host(&t, t.cfg.layout.desc_gpa) + 16u * pos + 14u);
                VQT_REQUIRE_EQ((flags >> 7) & 1u, wrap ? 1u : 0u);
                VQT_REQUIRE_EQ((flags >> 15) & 1u, wrap ? 1u : 0u);
                VQT_REQUIRE_EQ(vq_drv_get_used(&t.drv, &token, &len), 1);
                VQT_REQUIRE_EQ(token, i);
                VQT_REQUIRE_EQ(len, 32u * (n - 1u));
                total += n;
                VQT_REQUIRE_EQ(t.drv.next_avail, total % q);
                VQT_REQUIRE_EQ(t.drv.avail_wrap, ((total / q) % 2u) == 0);
                VQT_REQUIRE_EQ(t.dev.next_used, total % q);
                VQT_REQUIRE_EQ(t.dev.used_wrap, ((total / q) % 2u) == 0);
        }
        ck_assert_uint_gt(total / q, 1000); /* well over a thousand laps */
        vqt_teardown(&t);
}
END_TEST

/* 2.8.3 / 2.8.4: a used descriptor has WRITE iff the device wrote data; without WRITE the
 * length is reserved. QEMU 7.2 omits WRITE but gives the real length, so the driver takes a
 * length that fits the buffer's writable part and ignores any other. */
START_TEST(test_packed_used_write_flag)
{
        struct vqt t;
        vqt_setup(&t, 4, PACKED);
        uint8_t *desc = vqt_host(&t, t.cfg.layout.desc_gpa);
        struct vq_chain c;
        struct vq_elem e[4];
        uint64_t token;
        uint32_t len;
        ck_assert_int_eq(vqt_add(&t, 1, 1, 8, 0, 1), 0);
        ck_assert_int_eq(vqt_add(&t, 1, 1, 8, 2, 2), 0);
        ck_assert_int_eq(vq_dev_pop(&t.dev, &c, e, 4), 1);
        ck_assert_int_eq(vq_dev_push(&t.dev, c.id, 0), 0);
        ck_assert_uint_eq(vqt_r16(desc + 14), VQ_DESC_F_AVAIL | VQ_DESC_F_USED);
        ck_assert_int_eq(vq_dev_pop(&t.dev, &c, e, 4), 1);
        ck_assert_int_eq(vq_dev_push(&t.dev, c.id, 5), 0);
        ck_assert_uint_eq(vqt_r16(desc + 16 * 2 + 14),
                          VQ_DESC_F_AVAIL | VQ_DESC_F_USED | VQ_DESC_F_WRITE);
        /* A device that leaves garbage in len without WRITE (99 > the 8 writable bytes):
         * the driver reports 0 and the queue stays healthy. */
        vqt_w32(desc + 8, 99);
        ck_assert_int_eq(vq_drv_get_used(&t.drv, &token, &len), 1);
        ck_assert_uint_eq(token, 1);
        ck_assert_uint_eq(len, 0);
        ck_assert_int_eq(vq_drv_get_used(&t.drv, &token, &len), 1);
        ck_assert_uint_eq(token, 2);
        ck_assert_uint_eq(len, 5);
        ck_assert_int_eq(vq_drv_broken(&t.drv), 0);
        /* QEMU 7.2 style: used flags without WRITE, a valid length 6 <= 8 in len. */
        ck_assert_int_eq(vqt_add(&t, 1, 1, 8, 4, 3), 0);
        ck_assert_int_eq(vq_dev_pop(&t.dev, &c, e, 4), 1);
        ck_assert_int_eq(vq_dev_push(&t.dev, c.id, 0), 0);
        vqt_w32(desc + 8, 6); /* the ring wrapped: the used descriptor is at 0 again */
        ck_assert_int_eq(vq_drv_get_used(&t.drv, &token, &len), 1);
        ck_assert_uint_eq(token, 3);
        ck_assert_uint_eq(len, 6);
        vqt_teardown(&t);
}
END_TEST

/* Stop a device queue and continue it in a new device state from its position, as vhost-user
 * GET_VRING_BASE / SET_VRING_BASE do. One round trip of n single-piece buffers moves both
 * positions n steps; packed positions carry the wrap counter (initially 1) in bit 15. */
static void round_trips(struct vqt *t, struct vq_device *dev, unsigned n, uint64_t first_token)
{
        struct vq_chain c;
        struct vq_elem e[4];
        uint64_t token;
        uint32_t len;
        for (unsigned i = 0; i < n; i++) {
                ck_assert_int_eq(vqt_add(t, 0, 1, 8, 0, first_token + i), 0);
                ck_assert_int_eq(vq_dev_pop(dev, &c, e, 4), 1);
                ck_assert_int_eq(vq_dev_push(dev, c.id, 3), 0);
                ck_assert_int_eq(vq_drv_get_used(&t->drv, &token, &len), 1);
                ck_assert_uint_eq(token, first_token + i);
                ck_assert_uint_eq(len, 3);
        }
}

START_TEST(test_dev_position)
{
        /* After 5 buffers on a 4-entry ring: split indices 5; packed position 5 % 4 = 1 with
         * the wrap counter flipped once (1 -> 0), so 0x0001. */
        const uint16_t expected[] = { 5, 0x0001 };
        for (unsigned l = 0; l < 2; l++) {
                struct vqt t;
                struct vq_dev_position pos;
                vqt_setup(&t, 4, layouts[l]);
                round_trips(&t, &t.dev, 5, 1);
                vq_dev_position(&t.dev, &pos);
                ck_assert_uint_eq(pos.avail, expected[l]);
                ck_assert_uint_eq(pos.used, expected[l]);

                struct vq_device restarted;
                struct vq_dev_slot slots[4];
                ck_assert_int_eq(vq_dev_init(&restarted, &t.cfg, slots), 0);
                ck_assert_int_eq(vq_dev_set_position(&restarted, &pos), 0);
                round_trips(&t, &restarted, 6, 100);
                ck_assert_int_eq(vq_dev_broken(&restarted), 0);
                ck_assert_int_eq(vq_drv_broken(&t.drv), 0);

                /* Not while a buffer is in flight. */
                struct vq_chain c;
                struct vq_elem e[4];
                ck_assert_int_eq(vqt_add(&t, 0, 1, 8, 0, 200), 0);
                ck_assert_int_eq(vq_dev_pop(&restarted, &c, e, 4), 1);
                ck_assert_int_eq(vq_dev_set_position(&restarted, &pos), VQ_EINVAL);
                vqt_teardown(&t);
        }
        /* A packed position must lie inside the ring. */
        struct vqt t;
        vqt_setup(&t, 4, PACKED);
        struct vq_dev_position beyond = { 4, 0 };
        ck_assert_int_eq(vq_dev_set_position(&t.dev, &beyond), VQ_EINVAL);
        vqt_teardown(&t);
}
END_TEST

/* ---- suppression decisions against vring_need_event --------------------------------------- */

START_TEST(test_need_event_formula)
{
        /* 2.7.7.2: notify iff event in [old, new) mod 2^16; worked by hand. */
        ck_assert(vq_need_event(10, 13, 10));
        ck_assert(vq_need_event(12, 13, 10));
        ck_assert(!vq_need_event(13, 13, 10));
        ck_assert(!vq_need_event(9, 13, 10));
        ck_assert(vq_need_event(65535, 1, 65534));
        ck_assert(vq_need_event(0, 1, 65534));
        ck_assert(!vq_need_event(1, 1, 65534));
        ck_assert(!vq_need_event(65533, 1, 65534));
        ck_assert(!vq_need_event(5, 7, 7)); /* empty range */
}
END_TEST

/* Split: the driver's kick decision and the device's interrupt decision read the peer's event
 * field from memory; set it by hand and compare with values worked out from the formula. */
START_TEST(test_split_event_idx_decisions)
{
        struct vqt t;
        vqt_setup(&t, 8, SPLIT | VQ_F_EVENT_IDX);
        uint8_t *avail = vqt_host(&t, t.cfg.layout.driver_gpa);
        uint8_t *used = vqt_host(&t, t.cfg.layout.device_gpa);
        uint8_t *avail_event = used + 4 + 8 * 8;
        uint8_t *used_event = avail + 4 + 2 * 8;
        cycle(&t, 65534); /* old = 65534 on both sides after the decisions inside cycle() */
        /* Driver adds 3: new = 1. avail_event in {65534, 65535, 0} -> kick; 1, 65533 -> not. */
        static const struct {
                uint16_t event;
                int expect;
        } cases[] = { { 65534, 1 }, { 65535, 1 }, { 0, 1 }, { 1, 0 }, { 65533, 0 }, { 500, 0 } };
        for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
                vqt_w16(avail_event, cases[k].event);
                for (uint16_t i = 0; i < 3; i++)
                        ck_assert_int_eq(vqt_add(&t, 1, 0, 8, i, i), 0);
                ck_assert_msg(vq_drv_kick_prepare(&t.drv) == cases[k].expect, "case %zu", k);
                struct vq_chain c;
                struct vq_elem e[2];
                for (uint16_t i = 0; i < 3; i++) {
                        ck_assert_int_eq(vq_dev_pop(&t.dev, &c, e, 2), 1);
                        ck_assert_int_eq(vq_dev_push(&t.dev, c.id, 0), 0);
                }
                /* Device side, same window: used idx went 65534 -> 1. */
                vqt_w16(used_event, cases[k].event);
                ck_assert_int_eq(vq_dev_need_interrupt(&t.dev), cases[k].expect);
                uint64_t token;
                uint32_t len;
                for (uint16_t i = 0; i < 3; i++)
                        ck_assert_int_eq(vq_drv_get_used(&t.drv, &token, &len), 1);
                ck_assert_int_eq(vq_dev_enable_notify(&t.dev), 0);
                /* enable_notify wrote avail_event = last_avail (2.7.10). */
                ck_assert_uint_eq(vqt_r16(avail_event), 1);
                cycle(&t, 65533); /* back to 65534 for the next case */
        }
        /* Driver enable_cb publishes used_event = last_used; disable parks it behind. */
        ck_assert_int_eq(vq_drv_enable_cb(&t.drv), 0);
        ck_assert_uint_eq(vqt_r16(used_event), t.drv.last_used);
        ck_assert_int_eq(vq_drv_disable_cb(&t.drv), 0);
        ck_assert_uint_eq(vqt_r16(used_event), (uint16_t)(t.drv.last_used - 1u));
        ck_assert_uint_eq(vqt_r16(avail), 0); /* 2.7.7.1: flags stay 0 with EVENT_IDX */
        vqt_teardown(&t);
}
END_TEST

START_TEST(test_split_flags_only)
{
        struct vqt t;
        vqt_setup(&t, 8, SPLIT);
        uint8_t *avail = vqt_host(&t, t.cfg.layout.driver_gpa);
        uint8_t *used = vqt_host(&t, t.cfg.layout.device_gpa);
        struct vq_chain c;
        struct vq_elem e[2];
        uint64_t token;
        uint32_t len;
        /* 2.7.10: without EVENT_IDX the driver notifies unless used->flags has NO_NOTIFY. */
        ck_assert_int_eq(vq_dev_disable_notify(&t.dev), 0);
        ck_assert_uint_eq(vqt_r16(used), VQ_USED_F_NO_NOTIFY);
        ck_assert_int_eq(vqt_add(&t, 1, 0, 8, 0, 1), 0);
        ck_assert_int_eq(vq_drv_kick_prepare(&t.drv), 0);
        ck_assert_int_eq(vq_dev_enable_notify(&t.dev), 1); /* buffer already pending */
        ck_assert_uint_eq(vqt_r16(used), 0);
        ck_assert_int_eq(vqt_add(&t, 1, 0, 8, 0, 2), 0);
        ck_assert_int_eq(vq_drv_kick_prepare(&t.drv), 1);
        /* 2.7.7.2: the device notifies unless avail->flags has NO_INTERRUPT. */
        ck_assert_int_eq(vq_drv_disable_cb(&t.drv), 0);
        ck_assert_uint_eq(vqt_r16(avail), VQ_AVAIL_F_NO_INTERRUPT);
        ck_assert_int_eq(vq_dev_pop(&t.dev, &c, e, 2), 1);
        ck_assert_int_eq(vq_dev_push(&t.dev, c.id, 0), 0);
        ck_assert_int_eq(vq_dev_need_interrupt(&t.dev), 0);
        ck_assert_int_eq(vq_drv_enable_cb(&t.drv), 1); /* used buffer pending: poll */
        ck_assert_uint_eq(vqt_r16(avail), 0);
        ck_assert_int_eq(vq_drv_get_used(&t.drv, &token, &len), 1);
        ck_assert_int_eq(vq_dev_pop(&t.dev, &c, e, 2), 1);
        ck_assert_int_eq(vq_dev_push(&t.dev, c.id, 0), 0);
        ck_assert_int_eq(vq_dev_need_interrupt(&t.dev), 1);
        ck_assert_int_eq(vq_drv_get_used(&t.drv, &token, &len), 1);
        ck_assert_int_eq(vq_drv_enable_cb(&t.drv), 0);
        vqt_teardown(&t);
}
END_TEST

/* Packed DESC mode: (off, wrap) from the peer; decisions worked out by hand. Q = 7. */
START_TEST(test_packed_event_decisions)
{
        const uint16_t q = 7;
        struct vqt t;
        vqt_setup(&t, q, PACKED | VQ_F_EVENT_IDX);
        uint8_t *drv_ev = vqt_host(&t, t.cfg.layout.driver_gpa);
        uint8_t *dev_ev = vqt_host(&t, t.cfg.layout.device_gpa);
        struct vq_chain c;
        struct vq_elem e[4];
        uint64_t token;
        uint32_t len;
        /* Move to position 5 of lap 0 (wrap 1): five single buffers. */
        for (uint32_t i = 0; i < 5; i++) {
                ck_assert_int_eq(vqt_add(&t, 1, 0, 8, 0, i), 0);
                ck_assert_int_eq(vq_dev_pop(&t.dev, &c, e, 4), 1);
                ck_assert_int_eq(vq_dev_push(&t.dev, c.id, 0), 0);
                ck_assert_int_eq(vq_drv_get_used(&t.drv, &token, &len), 1);
        }
        (void)vq_drv_kick_prepare(&t.drv);
        (void)vq_dev_need_interrupt(&t.dev);
        /* Now add a chain of 4 descriptors: positions 5, 6 (lap 0, wrap 1), 0, 1 (lap 1,
         * wrap 0). The driver ends at (2, wrap 0). Notify iff the event names one of
         * the four positions. Events as off | wrap << 15: */
        static const struct {
                uint16_t off_wrap;
                int expect;
        } cases[] = {
                { 5 | 0x8000, 1 }, { 6 | 0x8000, 1 }, { 0, 1 },          { 1, 1 },
                { 2, 0 },          { 4 | 0x8000, 0 }, { 0 | 0x8000, 0 }, /* lap 0 pos 0: old */
        };
        for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
                vqt_w16(dev_ev, cases[k].off_wrap);
                vqt_w16(dev_ev + 2, VQ_EVENT_F_DESC);
                ck_assert_int_eq(vqt_add(&t, 1, 3, 8, 0, 50), 0);
                ck_assert_int_eq(vq_drv_kick_prepare(&t.drv), cases[k].expect);
                ck_assert_int_eq(vq_dev_pop(&t.dev, &c, e, 4), 1);
                ck_assert_int_eq(vq_dev_push(&t.dev, c.id, 0), 0);
                /* Device side mirror: the driver event names the same positions. */
                vqt_w16(drv_ev, cases[k].off_wrap);
                vqt_w16(drv_ev + 2, VQ_EVENT_F_DESC);
                ck_assert_int_eq(vq_dev_need_interrupt(&t.dev), cases[k].expect);
                ck_assert_int_eq(vq_drv_get_used(&t.drv, &token, &len), 1);
                /* Walk back to position 5 of an odd-even lap pair: 3 singles + 7 singles
                 * return to (5, wrap 1) relative to the chain's start, so every case sees
                 * the same positions: 4 + 3 = 7 descriptors = one lap, then one more lap. */
                for (uint32_t i = 0; i < 3 + 7; i++) {
                        ck_assert_int_eq(vqt_add(&t, 1, 0, 8, 0, i), 0);
                        ck_assert_int_eq(vq_dev_pop(&t.dev, &c, e, 4), 1);
                        ck_assert_int_eq(vq_dev_push(&t.dev, c.id, 0), 0);
                        ck_assert_int_eq(vq_drv_get_used(&t.drv, &token, &len), 1);
                }
                vqt_w16(dev_ev + 2, VQ_EVENT_F_DISABLE);
                vqt_w16(drv_ev + 2, VQ_EVENT_F_DISABLE);
                ck_assert_int_eq(vq_drv_kick_prepare(&t.drv), 0);
                ck_assert_int_eq(vq_dev_need_interrupt(&t.dev), 0);
                ck_assert_uint_eq(t.drv.next_avail, 5);
                ck_assert_int_eq(t.drv.avail_wrap, true);
        }
        /* ENABLE always notifies when something was added; DISABLE never. */
        vqt_w16(dev_ev + 2, VQ_EVENT_F_ENABLE);
        ck_assert_int_eq(vqt_add(&t, 1, 0, 8, 0, 1), 0);
        ck_assert_int_eq(vq_drv_kick_prepare(&t.drv), 1);
        /* enable_notify writes (off, wrap) of the next available position, then DESC. */
        ck_assert_int_eq(vq_dev_enable_notify(&t.dev), 1);
        ck_assert_uint_eq(vqt_r16(dev_ev), 5 | 0x8000);
        ck_assert_uint_eq(vqt_r16(dev_ev + 2), VQ_EVENT_F_DESC);
        ck_assert_int_eq(vq_drv_enable_cb(&t.drv), 0);
        ck_assert_uint_eq(vqt_r16(drv_ev), 5 | 0x8000);
        ck_assert_uint_eq(vqt_r16(drv_ev + 2), VQ_EVENT_F_DESC);
        ck_assert_int_eq(vq_drv_disable_cb(&t.drv), 0);
        ck_assert_uint_eq(vqt_r16(drv_ev + 2), VQ_EVENT_F_DISABLE);
        vqt_teardown(&t);
}
END_TEST

START_TEST(test_packed_flags_only)
{
        struct vqt t;
        vqt_setup(&t, 5, PACKED);
        uint8_t *dev_ev = vqt_host(&t, t.cfg.layout.device_gpa);
        uint8_t *drv_ev = vqt_host(&t, t.cfg.layout.driver_gpa);
        struct vq_chain c;
        struct vq_elem e[2];
        ck_assert_int_eq(vq_dev_disable_notify(&t.dev), 0);
        ck_assert_uint_eq(vqt_r16(dev_ev + 2), VQ_EVENT_F_DISABLE);
        ck_assert_int_eq(vqt_add(&t, 1, 0, 8, 0, 1), 0);
        ck_assert_int_eq(vq_drv_kick_prepare(&t.drv), 0);
        ck_assert_int_eq(vq_dev_enable_notify(&t.dev), 1);
        ck_assert_uint_eq(vqt_r16(dev_ev + 2), VQ_EVENT_F_ENABLE); /* no DESC without EVENT_IDX */
        ck_assert_int_eq(vqt_add(&t, 1, 0, 8, 0, 2), 0);
        ck_assert_int_eq(vq_drv_kick_prepare(&t.drv), 1);
        ck_assert_int_eq(vq_drv_disable_cb(&t.drv), 0);
        ck_assert_int_eq(vq_dev_pop(&t.dev, &c, e, 2), 1);
        ck_assert_int_eq(vq_dev_push(&t.dev, c.id, 0), 0);
        ck_assert_int_eq(vq_dev_need_interrupt(&t.dev), 0);
        ck_assert_int_eq(vq_drv_enable_cb(&t.drv), 1);
        ck_assert_uint_eq(vqt_r16(drv_ev + 2), VQ_EVENT_F_ENABLE);
        ck_assert_int_eq(vq_dev_pop(&t.dev, &c, e, 2), 1);
        ck_assert_int_eq(vq_dev_push(&t.dev, c.id, 0), 0);
        ck_assert_int_eq(vq_dev_need_interrupt(&t.dev), 1);
        vqt_teardown(&t);
}
END_TEST

/* ---- notification data (2.9) ------------------------------------------------------------- */

START_TEST(test_notification_data)
{
        struct vqt t;
        vqt_setup(&t, 8, SPLIT);
        ck_assert_uint_eq(vq_drv_notify_value(&t.drv), 3); /* vqn only */
        vqt_teardown(&t);

        vqt_setup(&t, 8, SPLIT | VQ_F_NOTIFICATION_DATA);
        for (uint32_t i = 0; i < 5; i++)
                ck_assert_int_eq(vqt_add(&t, 1, 0, 8, 0, i), 0);
        /* vqn 3 | next_idx 5 << 16. */
        ck_assert_uint_eq(vq_drv_notify_value(&t.drv), 0x00050003u);
        ck_assert_int_eq(vq_dev_notification(&t.dev, 0x00050004u), VQ_EINVAL); /* other vq */
        ck_assert_int_eq(vq_dev_broken(&t.dev), 0);
        ck_assert_int_eq(vq_dev_notification(&t.dev, 0x00050003u), 1);
        ck_assert_int_eq(vq_dev_notification(&t.dev, 0x00000003u), 0); /* nothing beyond 0 */
        vqt_teardown(&t);

        vqt_setup(&t, 7, PACKED | VQ_F_NOTIFICATION_DATA);
        /* Initially next_off 0, next_wrap 1: 3 | 1 << 31. */
        ck_assert_uint_eq(vq_drv_notify_value(&t.drv), 0x80000003u);
        struct vq_chain c;
        struct vq_elem e[4];
        uint64_t token;
        uint32_t len;
        for (uint32_t i = 0; i < 3; i++) {
                ck_assert_int_eq(vqt_add(&t, 1, 2, 8, 0, i), 0);
                if (i == 2)
                        break;
                ck_assert_int_eq(vq_dev_pop(&t.dev, &c, e, 4), 1);
                ck_assert_int_eq(vq_dev_push(&t.dev, c.id, 0), 0);
                ck_assert_int_eq(vq_drv_get_used(&t.drv, &token, &len), 1);
        }
        /* 9 descriptors: next_off 9 - 7 = 2, wrap flipped to 0: 3 | 2 << 16. */
        ck_assert_uint_eq(vq_drv_notify_value(&t.drv), 0x00020003u);
        ck_assert_int_eq(vq_dev_notification(&t.dev, 0x00020003u), 1);
        /* The device has consumed 6 descriptors: it is at (6, wrap 1) = 3 | 6 << 16 | 1 << 31. */
        ck_assert_int_eq(vq_dev_notification(&t.dev, 0x80060003u), 0);
        ck_assert_int_eq(vq_dev_notification(&t.dev, 0x00070003u), VQ_ENOTIFY); /* off >= Q */
        ck_assert_int_eq(vq_dev_broken(&t.dev), VQ_ENOTIFY);
        ck_assert_int_eq(vq_dev_notification(&t.dev, 0x00020003u), VQ_EBROKEN);
        vqt_teardown(&t);
}
END_TEST

/* ---- reset --------------------------------------------------------------------------------- */

START_TEST(test_reset)
{
        struct vqt t;
        vqt_setup(&t, 8, layouts[_i] | VQ_F_EVENT_IDX);
        for (uint32_t i = 0; i < 4; i++)
                ck_assert_int_eq(vqt_add(&t, 1, 1, 8, 0, i), 0);
        struct vq_chain c;
        struct vq_elem e[4];
        ck_assert_int_eq(vq_dev_pop(&t.dev, &c, e, 4), 1);
        /* Break the device with a reserved event flag value, then reset both sides. */
        vqt_w16(vqt_host(&t, t.cfg.layout.driver_gpa) + 2, 3);
        if (layouts[_i] == PACKED) {
                ck_assert_int_eq(vq_dev_need_interrupt(&t.dev), VQ_EEVENTFLAGS);
                ck_assert_int_eq(vq_dev_broken(&t.dev), VQ_EEVENTFLAGS);
        }
        uint64_t token;
        int detached = 0;
        while (vq_drv_detach_unused(&t.drv, &token) == 1)
                detached++;
        ck_assert_int_eq(detached, 4); /* every outstanding buffer, popped or not */
        ck_assert_int_eq(vq_drv_reset(&t.drv), 0);
        ck_assert_int_eq(vq_dev_reset(&t.dev), 0);
        ck_assert_int_eq(vq_dev_broken(&t.dev), 0);
        ck_assert_uint_eq(vq_drv_num_free(&t.drv), 8);
        ck_assert_uint_eq(vq_dev_inflight(&t.dev), 0);
        /* The ring memory is back to zero. */
        for (size_t b = 0; b < t.ring_bytes; b++)
                if (b < vq_desc_bytes(8))
                        ck_assert_uint_eq(t.mem[b], 0);
        ck_assert_uint_eq(vqt_r16(vqt_host(&t, t.cfg.layout.driver_gpa) + 2), 0);
        roundtrip(layouts[_i], false); /* and a fresh queue works */
        ck_assert_int_eq(vqt_add(&t, 1, 1, 8, 0, 42), 0);
        ck_assert_int_eq(vq_dev_pop(&t.dev, &c, e, 4), 1);
        ck_assert_int_eq(vq_dev_push(&t.dev, c.id, 8), 0);
        uint32_t len;
        ck_assert_int_eq(vq_drv_get_used(&t.drv, &token, &len), 1);
        ck_assert_uint_eq(token, 42);
        ck_assert_uint_eq(len, 8);
        vqt_teardown(&t);
}
END_TEST

/* ---- IN_ORDER ------------------------------------------------------------------------------ */

START_TEST(test_in_order_split_next_rule)
{
        struct vqt t;
        vqt_setup(&t, 8, SPLIT | VQ_F_IN_ORDER);
        uint8_t *desc = vqt_host(&t, t.cfg.layout.desc_gpa);
        struct vq_chain c;
        struct vq_elem e[8];
        uint64_t token;
        uint32_t len;
        /* Chains of 3: heads 0, 3, 6; the third wraps: 6 -> 7 -> 0 (2.7.5.2: next is x + 1,
         * and 0 for x = Q - 1). */
        for (uint32_t i = 0; i < 2; i++)
                ck_assert_int_eq(vqt_add(&t, 1, 2, 8, 0, i), 0);
        for (uint32_t i = 0; i < 2; i++) {
                ck_assert_int_eq(vq_dev_pop(&t.dev, &c, e, 8), 1);
                ck_assert_uint_eq(c.id, 3 * i);
                ck_assert_int_eq(vq_dev_push(&t.dev, c.id, 0), 0);
                ck_assert_int_eq(vq_drv_get_used(&t.drv, &token, &len), 1);
                ck_assert_uint_eq(token, i);
        }
        ck_assert_int_eq(vqt_add(&t, 1, 2, 8, 0, 9), 0);
        ck_assert_uint_eq(vqt_r16(desc + 16 * 6 + 14), 7);
        ck_assert_uint_eq(vqt_r16(desc + 16 * 7 + 14), 0);
        ck_assert_int_eq(vq_dev_pop(&t.dev, &c, e, 8), 1);
        ck_assert_uint_eq(c.id, 6);
        ck_assert_uint_eq(c.elem_count, 3);
        vqt_teardown(&t);
}
END_TEST

/* The device may complete a batch with one used entry naming the batch's last buffer
 * (2.7.9, 2.8.8). Play that device by hand and check the driver returns every buffer. */
START_TEST(test_in_order_batch)
{
        uint64_t lay = layouts[_i];
        struct vqt t;
        vqt_setup(&t, 8, lay | VQ_F_IN_ORDER);
        uint8_t *desc = vqt_host(&t, t.cfg.layout.desc_gpa);
        uint8_t *used = vqt_host(&t, t.cfg.layout.device_gpa);
        uint16_t ids[3];
        for (uint32_t i = 0; i < 3; i++)
                ck_assert_int_eq(vqt_add(&t, 1, 1, 16, 2 * i, 10 + i), 0);
        struct vq_chain c;
        struct vq_elem e[4];
        for (uint32_t i = 0; i < 3; i++) {
                ck_assert_int_eq(vq_dev_pop(&t.dev, &c, e, 4), 1);
                ids[i] = c.id;
        }
        /* Out-of-order push is refused under IN_ORDER (caller error, queue intact). */
        ck_assert_int_eq(vq_dev_push(&t.dev, ids[1], 0), VQ_EINVAL);
        ck_assert_int_eq(vq_dev_broken(&t.dev), 0);
        if (lay == PACKED) {
                /* One used descriptor at position 0 with the last buffer's id, len 12. */
                vqt_w16(desc + 12, ids[2]);
                vqt_w32(desc + 8, 12);
                vqt_w16(desc + 14, VQ_DESC_F_AVAIL | VQ_DESC_F_USED | VQ_DESC_F_WRITE);
        } else {
                /* Split: one entry at the batch's first offset, idx += batch size (3). */
                vqt_w32(used + 4, ids[2]);
                vqt_w32(used + 8, 12);
                vqt_w16(used + 2, 3);
        }
        uint64_t token;
        uint32_t len;
        for (uint32_t i = 0; i < 3; i++) {
                ck_assert_int_eq(vq_drv_get_used(&t.drv, &token, &len), 1);
                ck_assert_uint_eq(token, 10 + i);
                /* Skipped buffers count as wholly written (16 writable bytes each). */
                ck_assert_uint_eq(len, i == 2 ? 12 : 16);
        }
        ck_assert_int_eq(vq_drv_get_used(&t.drv, &token, &len), 0);
        ck_assert_uint_eq(vq_drv_num_free(&t.drv), 8);
        if (lay == PACKED)
                ck_assert_uint_eq(t.drv.next_used, 6); /* skipped 3 chains of 2 */
        else
                ck_assert_uint_eq(t.drv.last_used, 3);
        vqt_teardown(&t);
}
END_TEST

/* ---- the port: every ring access goes through it ------------------------------------------- */

struct swap_ctx {
        uint8_t *lo;
        uint8_t *hi;
        unsigned loads, stores, barriers, outside, publishes, observes;
};

/* Store ring fields big-endian: if any ring access bypassed the port, the other side would
 * read a byte-swapped value and the traffic below would fail. */
static uint16_t swap_load16(void *ctx, const volatile void *p)
{
        (void)ctx;
        return __builtin_bswap16(*(const volatile uint16_t *)p);
}
static uint32_t swap_load32(void *ctx, const volatile void *p)
{
        (void)ctx;
        return __builtin_bswap32(*(const volatile uint32_t *)p);
}
static uint64_t swap_load64(void *ctx, const volatile void *p)
{
        (void)ctx;
        return __builtin_bswap64(*(const volatile uint64_t *)p);
}
static void swap_store16(void *ctx, volatile void *p, uint16_t v)
{
        (void)ctx;
        *(volatile uint16_t *)p = __builtin_bswap16(v);
}
static void swap_store32(void *ctx, volatile void *p, uint32_t v)
{
        (void)ctx;
        *(volatile uint32_t *)p = __builtin_bswap32(v);
}
static void swap_store64(void *ctx, volatile void *p, uint64_t v)
{
        (void)ctx;
        *(volatile uint64_t *)p = __builtin_bswap64(v);
}
static void count_publish(void *ctx, const volatile void *p, size_t n)
{
        (void)p;
        (void)n;
        ((struct swap_ctx *)ctx)->publishes++;
}
static void count_observe(void *ctx, const volatile void *p, size_t n)
{
        (void)p;
        (void)n;
        ((struct swap_ctx *)ctx)->observes++;
}
static void count_access(void *ctx, enum vq_access_op op, const volatile void *p, size_t n)
{
        struct swap_ctx *s = ctx;
        if (op == VQ_ACCESS_BARRIER) {
                s->barriers++;
                return;
        }
        const volatile uint8_t *b = p;
        if (b < s->lo || b + n > s->hi)
                s->outside++;
        if (op == VQ_ACCESS_LOAD)
                s->loads++;
        else
                s->stores++;
}

struct barrier_ctx {
        unsigned platform, smp;
};

static void record_barrier(void *ctx, enum vq_barrier kind, bool platform)
{
        struct barrier_ctx *b = ctx;
        vq_default_barrier(kind, platform);
        if (platform)
                b->platform++;
        else
                b->smp++;
}

/* Chapter 6: with VIRTIO_F_ORDER_PLATFORM the barriers must suit hardware devices; without it
 * a software peer's weaker barriers suffice. The port learns which from every call. */
START_TEST(test_port_order_platform)
{
        static const struct vq_port_ops ops = { .barrier = record_barrier };
        for (int platform = 0; platform < 2; platform++) {
                struct vqt t;
                vqt_setup(&t, 8, layouts[_i] | (platform ? VQ_F_ORDER_PLATFORM : 0));
                struct barrier_ctx b = { 0, 0 };
                t.port.ops = &ops;
                t.port.ctx = &b;
                struct vq_chain c;
                struct vq_elem e[2];
                uint64_t token;
                uint32_t len;
                ck_assert_int_eq(vqt_add(&t, 1, 0, 8, 0, 1), 0);
                ck_assert_int_eq(vq_drv_kick_prepare(&t.drv), 1);
                ck_assert_int_eq(vq_dev_pop(&t.dev, &c, e, 2), 1);
                ck_assert_int_eq(vq_dev_push(&t.dev, c.id, 0), 0);
                ck_assert_int_eq(vq_dev_need_interrupt(&t.dev), 1);
                ck_assert_int_eq(vq_drv_get_used(&t.drv, &token, &len), 1);
                /* add (A), kick (C), pop (A), push (B), interrupt (D), get (B) = 6. */
                ck_assert_uint_eq(platform ? b.platform : b.smp, 6);
                ck_assert_uint_eq(platform ? b.smp : b.platform, 0);
                vqt_teardown(&t);
        }
}
END_TEST

static const struct vq_port_ops swap_ops = { swap_load16,  swap_load32,   swap_load64,
                                             swap_store16, swap_store32,  swap_store64,
                                             NULL,         count_publish, count_observe };

START_TEST(test_port_mediates_every_access)
{
        uint64_t lay = layouts[_i];
        struct vqt t;
        vqt_setup(&t, 8, lay | VQ_F_EVENT_IDX | VQ_F_INDIRECT_DESC);
        struct swap_ctx s = { 0 };
        s.lo = t.mem;
        s.hi = t.mem + VQT_MEM_BYTES;
        t.port.ops = &swap_ops;
        t.port.access = count_access;
        t.port.ctx = &s;
        ck_assert_int_eq(vq_drv_reset(&t.drv), 0); /* re-zero through the new port */
        ck_assert_int_eq(vq_dev_reset(&t.dev), 0);
        struct vq_chain c;
        struct vq_elem e[8];
        uint64_t token;
        uint32_t len;
        for (uint32_t i = 0; i < 100; i++) {
                struct vq_sg sg[3] = { { vqt_buf_gpa(0), 8 },
                                       { vqt_buf_gpa(1), 16 },
                                       { vqt_buf_gpa(2), 32 } };
                struct vq_indirect ind = { vqt_buf_gpa(8) + 16u * (i % 4), 3 };
                ck_assert_int_eq(vq_drv_add(&t.drv, sg, 1, 2, i, i % 2 ? &ind : NULL), 0);
                (void)vq_drv_kick_prepare(&t.drv);
                ck_assert_int_eq(vq_dev_pop(&t.dev, &c, e, 8), 1);
                ck_assert_uint_eq(c.elem_count, 3);
                ck_assert_uint_eq(e[2].len, 32);
                ck_assert_int_eq(vq_dev_push(&t.dev, c.id, 40), 0);
                (void)vq_dev_need_interrupt(&t.dev);
                ck_assert_int_eq(vq_drv_get_used(&t.drv, &token, &len), 1);
                ck_assert_uint_eq(token, i);
                ck_assert_uint_eq(len, 40);
                ck_assert_int_eq(vq_drv_enable_cb(&t.drv), 0);
                ck_assert_int_eq(vq_dev_enable_notify(&t.dev), 0);
        }
        if (lay == SPLIT) /* avail->idx = 100 = 0x0064 stored big-endian: bytes 00 64 */
                ck_assert_uint_eq(vqt_r16(vqt_host(&t, t.cfg.layout.driver_gpa) + 2), 0x6400);
        ck_assert_uint_eq(s.outside, 0);
        ck_assert_uint_gt(s.loads, 1000);
        ck_assert_uint_gt(s.stores, 1000);
        ck_assert_uint_eq(s.publishes, s.stores); /* a clean after every store */
        ck_assert_uint_eq(s.observes, s.loads);   /* an invalidate before every load */
        /* Per buffer at least: A (add), acquire (pop), B (push), acquire (get), C x2, D x2. */
        ck_assert_uint_ge(s.barriers, 100 * 8);
        vqt_teardown(&t);
}
END_TEST

static Suite *vq_suite(void)
{
        Suite *s = suite_create("virtqueue");
        TCase *tc = tcase_create("basic");
        tcase_add_test(tc, test_strerror_table);
        tcase_add_test(tc, test_geometry);
        tcase_add_test(tc, test_translate);
        tcase_add_test(tc, test_init_invalid);
        tcase_add_loop_test(tc, test_roundtrip, 0, 2);
        tcase_add_loop_test(tc, test_add_invalid, 0, 2);
        tcase_add_loop_test(tc, test_unaligned_indirect_table, 0, 2);
        tcase_add_loop_test(tc, test_full_and_empty, 0, 2);
        tcase_add_test(tc, test_split_index_wrap);
        tcase_add_test(tc, test_packed_laps);
        tcase_add_test(tc, test_packed_used_write_flag);
        tcase_add_test(tc, test_dev_position);
        tcase_add_test(tc, test_need_event_formula);
        tcase_add_test(tc, test_split_event_idx_decisions);
        tcase_add_test(tc, test_split_flags_only);
        tcase_add_test(tc, test_packed_event_decisions);
        tcase_add_test(tc, test_packed_flags_only);
        tcase_add_test(tc, test_notification_data);
        tcase_add_loop_test(tc, test_reset, 0, 2);
        tcase_add_test(tc, test_in_order_split_next_rule);
        tcase_add_loop_test(tc, test_in_order_batch, 0, 2);
        tcase_add_loop_test(tc, test_port_mediates_every_access, 0, 2);
        tcase_add_loop_test(tc, test_port_order_platform, 0, 2);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(vq_suite());
        srunner_run_all(sr, CK_NORMAL);
        int failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
