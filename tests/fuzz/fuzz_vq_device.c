/*
 * fuzz_vq_device: a hostile driver against the device side of the virtqueue library.
 *
 * The input (format in fuzz_common.h) chooses split or packed, the queue size, the features
 * and the device's chain limit, then gives a script of device operations and the raw bytes of
 * the whole ring memory (descriptors, avail ring / driver event area, used ring / device event
 * area) and of a data region holding buffers and indirect tables. Script operations include
 * "poke", the driver rewriting shared memory between two device calls. After the script the
 * harness pops and pushes until the queue is empty or broken.
 *
 * Invariants beyond "no sanitizer report": a popped chain lies wholly inside the registered
 * memory and its host pointers match the translation; readable pieces come first; the byte
 * totals match the pieces and fit in 32 bits; no id is popped twice while in flight; the
 * in-flight count matches; a broken queue stays broken with the same reason and keeps
 * returning VQ_EBROKEN; caller errors (VQ_EINVAL) never break the queue.
 */
#include "tests/fuzz/fuzz_common.h"

#define MAX_ELEMS 64u

struct dev_run {
        struct fuzz_mem mem;
        struct vq_device vq;
        struct vq_dev_slot *slots;
        uint16_t size;
        uint16_t capacity;
        bool in_order;
        /* popped buffers, oldest first */
        uint16_t flight_id[256];
        uint32_t flight_writable[256];
        uint16_t flight_n;
        struct vq_elem elems[MAX_ELEMS];
        volatile uint32_t sink;
};

/* After any call: the broken reason is sticky and consistent with the return code. */
static void after_call(struct dev_run *r, int broken_before, int rc)
{
        int broken = vq_dev_broken(&r->vq);
        fuzz_check_code(rc);
        if (broken_before != 0) {
                FUZZ_CHECK(broken == broken_before);
                FUZZ_CHECK(rc < 0);
        } else if (rc < 0 && rc != VQ_EINVAL) {
                FUZZ_CHECK(vq_error_is_peer(rc));
                FUZZ_CHECK(broken == rc);
        } else {
                FUZZ_CHECK(broken == 0);
        }
        if (broken == 0)
                FUZZ_CHECK(vq_dev_inflight(&r->vq) == r->flight_n);
}

static void check_chain(struct dev_run *r, const struct vq_chain *c)
{
        uint64_t readable = 0, writable = 0;
        FUZZ_CHECK(c->id < r->size);
        FUZZ_CHECK(c->elem_count <= r->capacity);
        FUZZ_CHECK(c->readable_count <= c->elem_count);
        FUZZ_CHECK(c->desc_count >= 1 && c->desc_count <= r->size);
        for (uint16_t i = 0; i < r->flight_n; i++)
                FUZZ_CHECK(r->flight_id[i] != c->id);
        for (uint16_t i = 0; i < c->elem_count; i++) {
                const struct vq_elem *e = &r->elems[i];
                FUZZ_CHECK(e->writable == (i >= c->readable_count));
                FUZZ_CHECK(fuzz_mem_host(&r->mem, e->addr, e->len) == e->host);
                if (e->writable) {
                        writable += e->len;
                        memset(e->host, 0xa5, e->len);
                } else {
                        readable += e->len;
                        const uint8_t *b = e->host;
                        for (uint32_t k = 0; k < e->len; k++)
                                r->sink += b[k];
                }
        }
        FUZZ_CHECK(readable == c->readable_bytes);
        FUZZ_CHECK(writable == c->writable_bytes);
        FUZZ_CHECK(readable + writable <= UINT32_MAX);
}

/* Pop one buffer; returns the library's result. */
static int do_pop(struct dev_run *r)
{
        struct vq_chain chain;
        int before = vq_dev_broken(&r->vq);
        int rc = vq_dev_pop(&r->vq, &chain, r->elems, r->capacity);
        if (before != 0)
                FUZZ_CHECK(rc == VQ_EBROKEN);
        FUZZ_CHECK(rc <= 1);
        if (getenv("FUZZ_VQ_TRACE") != NULL)
                fprintf(stderr, "pop -> %d (%s) id %u elems %u r %u w %u\n", rc, vq_strerror(rc),
                        rc == 1 ? chain.id : 0u, rc == 1 ? chain.elem_count : 0u,
                        rc == 1 ? chain.readable_bytes : 0u, rc == 1 ? chain.writable_bytes : 0u);
        if (rc == 1) {
                check_chain(r, &chain);
                FUZZ_CHECK(r->flight_n < 256);
                r->flight_id[r->flight_n] = chain.id;
                r->flight_writable[r->flight_n] = chain.writable_bytes;
                r->flight_n++;
        }
        after_call(r, before, rc);
        return rc;
}

static void forget(struct dev_run *r, uint16_t k)
{
        memmove(&r->flight_id[k], &r->flight_id[k + 1],
                (size_t)(r->flight_n - k - 1u) * sizeof r->flight_id[0]);
        memmove(&r->flight_writable[k], &r->flight_writable[k + 1],
                (size_t)(r->flight_n - k - 1u) * sizeof r->flight_writable[0]);
        r->flight_n--;
}

/* Push the in-flight buffer at position k (oldest = 0) with `written` bytes. */
static int do_push_at(struct dev_run *r, uint16_t k, uint32_t written)
{
        int before = vq_dev_broken(&r->vq);
        uint16_t id = r->flight_id[k];
        int rc = vq_dev_push(&r->vq, id, written);
        FUZZ_CHECK(rc <= 0);
        if (before == 0) {
                bool valid = written <= r->flight_writable[k] && (!r->in_order || k == 0);
                /* a valid push of a buffer this device popped must succeed */
                FUZZ_CHECK(valid ? rc == 0 : rc == VQ_EINVAL);
        }
        if (rc == 0)
                forget(r, k);
        after_call(r, before, rc);
        return rc;
}

/* Push an id the device may not have popped: VQ_EINVAL unless it is in flight. */
static void do_push_any(struct dev_run *r, uint16_t id, uint32_t written)
{
        for (uint16_t k = 0; k < r->flight_n; k++) {
                if (r->flight_id[k] == id) {
                        do_push_at(r, k, written);
                        return;
                }
        }
        int before = vq_dev_broken(&r->vq);
        int rc = vq_dev_push(&r->vq, id, written);
        FUZZ_CHECK(rc == (before != 0 ? VQ_EBROKEN : VQ_EINVAL) || (before != 0 && rc < 0));
        after_call(r, before, rc);
}

static int do_simple(struct dev_run *r, int (*fn)(struct vq_device *))
{
        int before = vq_dev_broken(&r->vq);
        int rc = fn(&r->vq);
        FUZZ_CHECK(rc <= 1);
        after_call(r, before, rc);
        return rc;
}

static void do_notification(struct dev_run *r, uint32_t value)
{
        int before = vq_dev_broken(&r->vq);
        int rc = vq_dev_notification(&r->vq, value);
        FUZZ_CHECK(rc <= 1);
        after_call(r, before, rc);
}

static void do_reset(struct dev_run *r)
{
        FUZZ_CHECK(vq_dev_reset(&r->vq) == 0);
        FUZZ_CHECK(vq_dev_broken(&r->vq) == 0);
        FUZZ_CHECK(vq_dev_inflight(&r->vq) == 0);
        r->flight_n = 0;
}

static void run_script(struct dev_run *r, struct fuzz_cursor *c)
{
        while (c->at < c->n) {
                uint8_t op = fuzz_u8(c);
                switch (op % 10u) {
                case 0:
                        do_pop(r);
                        break;
                case 1: /* push the oldest */
                case 2: /* push the newest (out of order) */
                {
                        uint32_t frac = fuzz_u8(c);
                        if (r->flight_n == 0)
                                break;
                        uint16_t k = (op % 10u == 1) ? 0 : (uint16_t)(r->flight_n - 1u);
                        /* frac 0..255 of the writable bytes; 255 asks for one byte too many */
                        uint32_t w = r->flight_writable[k];
                        uint32_t written =
                            frac == 255 ? w + 1u : (uint32_t)(((uint64_t)w * frac) / 254u);
                        if (frac == 255 && w == UINT32_MAX)
                                written = w;
                        do_push_at(r, k, written);
                        break;
                }
                case 3:
                        do_simple(r, vq_dev_need_interrupt);
                        break;
                case 4:
                        do_simple(r, vq_dev_enable_notify);
                        break;
                case 5:
                        do_simple(r, vq_dev_disable_notify);
                        break;
                case 6:
                        do_notification(r, fuzz_u32(c));
                        break;
                case 7: {
                        uint32_t off = fuzz_u16(c);
                        uint8_t bytes[2] = { fuzz_u8(c), fuzz_u8(c) };
                        fuzz_mem_poke(&r->mem, off, bytes, 2);
                        break;
                }
                case 8: {
                        uint16_t id = fuzz_u16(c);
                        do_push_any(r, id, fuzz_u8(c));
                        break;
                }
                default:
                        do_reset(r);
                        break;
                }
        }
}

/* Serve the queue until it is empty (and notifications are back on) or broken. */
static void drain(struct dev_run *r)
{
        for (unsigned round = 0; round < 4u * r->size + 16u; round++) {
                int rc = do_pop(r);
                if (rc < 0)
                        break;
                if (rc == 1) {
                        if (do_push_at(r, 0, r->flight_writable[0]) < 0)
                                break;
                        if (do_simple(r, vq_dev_need_interrupt) < 0)
                                break;
                        continue;
                }
                /* empty: re-enable and re-check, as a device about to sleep */
                rc = do_simple(r, vq_dev_enable_notify);
                if (rc <= 0)
                        break;
        }
        if (vq_dev_broken(&r->vq) != 0) {
                /* a broken queue keeps answering VQ_EBROKEN with the same reason */
                int reason = vq_dev_broken(&r->vq);
                for (int i = 0; i < 2; i++) {
                        FUZZ_CHECK(do_pop(r) == VQ_EBROKEN);
                        FUZZ_CHECK(do_simple(r, vq_dev_need_interrupt) == VQ_EBROKEN);
                        FUZZ_CHECK(do_simple(r, vq_dev_enable_notify) == VQ_EBROKEN);
                        FUZZ_CHECK(vq_dev_broken(&r->vq) == reason);
                }
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static struct dev_run run;
        struct dev_run *r = &run;
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
        r->capacity = (uint16_t)(1u + h.limit % MAX_ELEMS);
        r->in_order = (h.features & VQ_F_IN_ORDER) != 0;
        r->slots = calloc(h.size, sizeof *r->slots);
        FUZZ_CHECK(r->slots != NULL);

        struct vq_config cfg = {
                .size = h.size,
                .index = 0,
                .features = h.features,
                .layout = r->mem.layout,
                .port = &r->mem.port,
        };
        FUZZ_CHECK(vq_dev_init(&r->vq, &cfg, r->slots) == 0);
        /* the driver's ring contents arrive after the device is set up */
        fuzz_mem_load(&r->mem, data + FUZZ_HEADER + script_len, size - FUZZ_HEADER - script_len);

        struct fuzz_cursor c = { data + FUZZ_HEADER, script_len, 0 };
        run_script(r, &c);
        drain(r);

        free(r->slots);
        fuzz_mem_free(&r->mem);
        return 0;
}
