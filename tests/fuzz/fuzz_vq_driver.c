/*
 * fuzz_vq_driver: a hostile device against the driver side of the virtqueue library.
 *
 * The input (format in fuzz_common.h) chooses the layout, size and features, then gives a
 * script of driver operations (add buffers of various shapes, direct or indirect, kick
 * decisions, get used, enable/disable callbacks), device actions and an image that is copied
 * over the device area (split used ring / packed device event suppression). Device actions are
 * either "poke" (arbitrary bytes anywhere in the ring memory: used elements, used idx, packed
 * used descriptors) or "serve": the library's own device side pops and pushes buffers on the
 * same memory, so mutations start from deep, valid states.
 *
 * Invariants beyond "no sanitizer report": every token returned is one that is outstanding,
 * exactly once, with a length not above its writable bytes; the outstanding count matches; a
 * broken queue stays broken and keeps returning VQ_EBROKEN. While nothing was poked, the
 * library's device accepts every buffer the driver published and sees exactly the byte counts
 * that were added (the two sides agree), and the driver never breaks.
 */
#include "tests/fuzz/fuzz_common.h"

#define MAX_OUT    256u
#define TABLES     16u
#define TABLE_SIZE 128u /* 8 entries */
#define MAX_ELEMS  16u

struct out_buf {
        uint64_t token;
        uint32_t readable;
        uint32_t writable;
        int table; /* indirect table index or -1 */
};

struct drv_run {
        struct fuzz_mem mem;
        struct vq_driver vq;
        struct vq_drv_slot *drv_slots;
        struct vq_device dev;
        struct vq_dev_slot *dev_slots;
        uint16_t size;
        bool indirect_ok;
        bool poked;
        uint64_t next_token;
        struct out_buf out[MAX_OUT];
        uint16_t out_n;
        bool table_busy[TABLES];
        /* device side (the "serve" action): popped ids and their writable bytes */
        uint16_t dev_id[MAX_OUT];
        uint32_t dev_writable[MAX_OUT];
        uint16_t dev_n;
        struct vq_elem elems[MAX_ELEMS];
};

static void after_call(struct drv_run *r, int broken_before, int rc)
{
        int broken = vq_drv_broken(&r->vq);
        fuzz_check_code(rc);
        if (broken_before != 0) {
                FUZZ_CHECK(broken == broken_before);
                FUZZ_CHECK(rc < 0);
        } else if (rc < 0 && rc != VQ_EINVAL && rc != VQ_ENOSPC) {
                FUZZ_CHECK(vq_error_is_peer(rc));
                FUZZ_CHECK(broken == rc);
                /* a device that follows the protocol never breaks the driver */
                FUZZ_CHECK(r->poked);
        } else {
                FUZZ_CHECK(broken == 0);
        }
        if (broken == 0) {
                FUZZ_CHECK(vq_drv_outstanding(&r->vq) == r->out_n);
                FUZZ_CHECK(vq_drv_num_free(&r->vq) <= r->size);
        }
}

static void do_add(struct drv_run *r, uint8_t shape, uint8_t lens)
{
        struct vq_sg sg[8];
        uint16_t readable = shape % 4u;
        uint16_t writable = (shape / 4u) % 4u;
        bool want_indirect = (shape & 0x10u) != 0;
        uint32_t len = 1u + lens * 7u;
        uint32_t rbytes = 0, wbytes = 0;
        if (shape & 0x20u)
                readable = (uint16_t)(readable + 4u); /* up to 7 readable + 3 writable */
        if (readable + writable == 0)
                writable = 1;
        if (readable + writable > 8) /* keep within one 8-entry table */
                writable = (uint16_t)(8u - readable);
        for (uint16_t i = 0; i < readable + writable; i++) {
                sg[i].addr = FUZZ_DATA_GPA + 16u * i;
                sg[i].len = len + i;
                if (i < readable)
                        rbytes += sg[i].len;
                else
                        wbytes += sg[i].len;
        }
        int table = -1;
        struct vq_indirect ind;
        if (want_indirect && r->indirect_ok) {
                for (unsigned t = 0; t < TABLES; t++) {
                        if (!r->table_busy[t]) {
                                table = (int)t;
                                break;
                        }
                }
                if (table >= 0) {
                        ind.gpa = FUZZ_DATA_GPA + (uint64_t)table * TABLE_SIZE + 2048u;
                        ind.entries = TABLE_SIZE / 16u;
                }
        }
        if (r->out_n == MAX_OUT)
                return;
        int before = vq_drv_broken(&r->vq);
        uint16_t free_before = vq_drv_num_free(&r->vq);
        uint64_t token = ++r->next_token;
        int rc = vq_drv_add(&r->vq, sg, readable, writable, token, table >= 0 ? &ind : NULL);
        FUZZ_CHECK(rc <= 0);
        if (before == 0) {
                /* a direct chain takes one ring descriptor per piece, an indirect buffer one;
                 * no chain, indirect or not, may be longer than the queue (2.7.5.3.1, 2.8.17) */
                uint16_t need = table >= 0 ? 1u : (uint16_t)(readable + writable);
                if (need <= free_before && readable + writable <= r->size)
                        FUZZ_CHECK(rc == 0);
                else
                        FUZZ_CHECK(rc == VQ_ENOSPC || rc == VQ_EINVAL);
        }
        if (rc == 0) {
                r->out[r->out_n++] = (struct out_buf){ token, rbytes, wbytes, table };
                if (table >= 0)
                        r->table_busy[table] = true;
        }
        after_call(r, before, rc);
}

static void do_get_used(struct drv_run *r)
{
        uint64_t token = 0;
        uint32_t len = 0;
        int before = vq_drv_broken(&r->vq);
        int rc = vq_drv_get_used(&r->vq, &token, &len);
        FUZZ_CHECK(rc <= 1);
        if (before != 0)
                FUZZ_CHECK(rc == VQ_EBROKEN);
        if (rc == 1) {
                uint16_t k;
                for (k = 0; k < r->out_n; k++)
                        if (r->out[k].token == token)
                                break;
                FUZZ_CHECK(k < r->out_n); /* outstanding, and returned only once */
                FUZZ_CHECK(len <= r->out[k].writable);
                if (r->out[k].table >= 0)
                        r->table_busy[r->out[k].table] = false;
                r->out[k] = r->out[--r->out_n];
        }
        after_call(r, before, rc);
}

static int do_simple(struct drv_run *r, int (*fn)(struct vq_driver *))
{
        int before = vq_drv_broken(&r->vq);
        int rc = fn(&r->vq);
        FUZZ_CHECK(rc <= 1);
        if (before != 0)
                FUZZ_CHECK(rc == VQ_EBROKEN);
        after_call(r, before, rc);
        return rc;
}

/* The library's device pops up to `n` buffers and pushes up to `m` of them back. */
static void do_serve(struct drv_run *r, uint8_t n, uint8_t m, uint8_t frac)
{
        for (uint8_t i = 0; i < n % 8u; i++) {
                struct vq_chain chain;
                int rc = vq_dev_pop(&r->dev, &chain, r->elems, MAX_ELEMS);
                if (!r->poked) {
                        /* the driver published well-formed buffers: the device accepts them
                         * and sees the byte counts that were added */
                        FUZZ_CHECK(rc >= 0);
                        if (rc == 1) {
                                bool found = false;
                                for (uint16_t k = 0; k < r->out_n; k++)
                                        found =
                                            found || (r->out[k].readable == chain.readable_bytes &&
                                                      r->out[k].writable == chain.writable_bytes);
                                FUZZ_CHECK(found);
                        }
                }
                if (rc != 1)
                        break;
                if (r->dev_n < MAX_OUT) {
                        r->dev_id[r->dev_n] = chain.id;
                        r->dev_writable[r->dev_n] = chain.writable_bytes;
                        r->dev_n++;
                }
        }
        for (uint8_t i = 0; i < m % 8u && r->dev_n > 0; i++) {
                uint32_t written = (uint32_t)(((uint64_t)r->dev_writable[0] * frac) / 255u);
                int rc = vq_dev_push(&r->dev, r->dev_id[0], written);
                if (!r->poked)
                        FUZZ_CHECK(rc == 0);
                memmove(&r->dev_id[0], &r->dev_id[1], (size_t)(r->dev_n - 1u) * sizeof(uint16_t));
                memmove(&r->dev_writable[0], &r->dev_writable[1],
                        (size_t)(r->dev_n - 1u) * sizeof(uint32_t));
                r->dev_n--;
        }
        (void)vq_dev_need_interrupt(&r->dev);
}

static void do_reset(struct drv_run *r)
{
        uint64_t token;
        while (vq_drv_detach_unused(&r->vq, &token) == 1)
                ;
        FUZZ_CHECK(vq_drv_reset(&r->vq) == 0);
        FUZZ_CHECK(vq_drv_broken(&r->vq) == 0);
        FUZZ_CHECK(vq_drv_outstanding(&r->vq) == 0);
        FUZZ_CHECK(vq_dev_reset(&r->dev) == 0);
        r->out_n = 0;
        r->dev_n = 0;
        r->poked = false;
        memset(r->table_busy, 0, sizeof r->table_busy);
}

static void run_script(struct drv_run *r, struct fuzz_cursor *c)
{
        while (c->at < c->n) {
                uint8_t op = fuzz_u8(c);
                switch (op % 10u) {
                case 0:
                case 1: {
                        uint8_t shape = fuzz_u8(c);
                        do_add(r, shape, fuzz_u8(c));
                        break;
                }
                case 2:
                        do_simple(r, vq_drv_kick_prepare);
                        (void)vq_drv_notify_value(&r->vq);
                        break;
                case 3:
                        do_get_used(r);
                        break;
                case 4:
                        do_simple(r, vq_drv_enable_cb);
                        break;
                case 5:
                        do_simple(r, vq_drv_disable_cb);
                        break;
                case 6: {
                        uint32_t off = fuzz_u16(c);
                        uint8_t bytes[2] = { fuzz_u8(c), fuzz_u8(c) };
                        fuzz_mem_poke(&r->mem, off % (uint32_t)r->mem.ring_bytes, bytes, 2);
                        r->poked = true;
                        break;
                }
                case 7:
                case 8: {
                        uint8_t n = fuzz_u8(c);
                        uint8_t m = fuzz_u8(c);
                        do_serve(r, n, m, fuzz_u8(c));
                        break;
                }
                default:
                        do_reset(r);
                        break;
                }
        }
}

/* Reap everything: a correct device has returned all it pushed. */
static void drain(struct drv_run *r)
{
        for (unsigned i = 0; i < 2u * MAX_OUT; i++) {
                int before = r->out_n;
                do_get_used(r);
                if (vq_drv_broken(&r->vq) != 0 || r->out_n == before)
                        break;
        }
        if (vq_drv_broken(&r->vq) != 0) {
                int reason = vq_drv_broken(&r->vq);
                struct vq_sg sg = { FUZZ_DATA_GPA, 16 };
                for (int i = 0; i < 2; i++) {
                        FUZZ_CHECK(vq_drv_add(&r->vq, &sg, 1, 0, 1, NULL) == VQ_EBROKEN);
                        FUZZ_CHECK(do_simple(r, vq_drv_kick_prepare) == VQ_EBROKEN);
                        FUZZ_CHECK(do_simple(r, vq_drv_enable_cb) == VQ_EBROKEN);
                        do_get_used(r);
                        FUZZ_CHECK(vq_drv_broken(&r->vq) == reason);
                }
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static struct drv_run run;
        struct drv_run *r = &run;
        struct fuzz_header h;

        if (size < FUZZ_HEADER)
                return 0;
        fuzz_parse_header(data, &h);
        size_t script_len = h.script_len;
        if (FUZZ_HEADER + script_len > size)
                script_len = size - FUZZ_HEADER;

        memset(r, 0, sizeof *r);
        if (fuzz_mem_init(&r->mem, &h) != 0)
                return 0;
        r->size = h.size;
        r->indirect_ok = (h.features & VQ_F_INDIRECT_DESC) != 0;
        r->drv_slots = calloc(h.size, sizeof *r->drv_slots);
        r->dev_slots = calloc(h.size, sizeof *r->dev_slots);
        FUZZ_CHECK(r->drv_slots != NULL && r->dev_slots != NULL);

        struct vq_config cfg = {
                .size = h.size,
                .index = 0,
                .features = h.features,
                .layout = r->mem.layout,
                .port = &r->mem.port,
        };
        FUZZ_CHECK(vq_drv_init(&r->vq, &cfg, r->drv_slots) == 0);
        FUZZ_CHECK(vq_dev_init(&r->dev, &cfg, r->dev_slots) == 0);

        /* the hostile device's initial bytes over its own area */
        size_t img = size - FUZZ_HEADER - script_len;
        if (img > 0) {
                size_t dev_off = (size_t)(r->mem.layout.device_gpa - FUZZ_RING_GPA);
                size_t room = r->mem.ring_bytes - dev_off;
                memcpy(r->mem.ring + dev_off, data + FUZZ_HEADER + script_len,
                       img < room ? img : room);
                r->poked = true;
        }

        struct fuzz_cursor c = { data + FUZZ_HEADER, script_len, 0 };
        run_script(r, &c);
        drain(r);

        free(r->drv_slots);
        free(r->dev_slots);
        fuzz_mem_free(&r->mem);
        return 0;
}
