/*
 * gen_seeds: writes the committed seed corpora of the virtqueue fuzz targets.
 *
 * Usage: gen_seeds OUTDIR   (writes OUTDIR/fuzz_vq_device/ and OUTDIR/fuzz_vq_driver/)
 *
 * Device seeds are ring images built by the library's own driver side (so they hold valid
 * chains: single pieces, readable+writable chains, long chains, indirect tables, a full ring)
 * for split and packed rings and several feature sets, plus a script that pops and pushes
 * part of them and then "pokes" a second batch of buffers into memory the way a driver
 * publishes while the device runs. Driver seeds are scripts: add buffers of several shapes,
 * kick, let the library's device serve them, reap, re-enable callbacks, reset. Deterministic.
 */
#include <errno.h>
#include <sys/stat.h>

#include "tests/fuzz/fuzz_common.h"

#define SEED_DATA_BYTES 512u /* data region bytes kept in a seed (indirect tables live here) */

struct seed {
        uint8_t bytes[16384];
        size_t n;
};

static void put(struct seed *s, const void *p, size_t n)
{
        if (s->n + n > sizeof s->bytes) {
                fprintf(stderr, "gen_seeds: seed too large\n");
                exit(1);
        }
        memcpy(s->bytes + s->n, p, n);
        s->n += n;
}

static void write_seed(const char *dir, const char *name, const struct seed *s)
{
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, name);
        FILE *f = fopen(path, "wb");
        if (f == NULL || fwrite(s->bytes, 1, s->n, f) != s->n || fclose(f) != 0) {
                fprintf(stderr, "gen_seeds: cannot write %s\n", path);
                exit(1);
        }
}

/* Buffer shapes the generator adds: readable pieces, writable pieces, indirect or not. */
struct shape {
        uint16_t readable;
        uint16_t writable;
        bool indirect;
};

/* Add `count` buffers of `shape` through the library driver; returns how many went in. */
static unsigned add_buffers(struct vq_driver *drv, const struct shape *shape, unsigned count,
                            unsigned *table_next)
{
        struct vq_sg sg[16];
        unsigned added = 0;
        uint16_t n = (uint16_t)(shape->readable + shape->writable);
        for (unsigned b = 0; b < count; b++) {
                for (uint16_t i = 0; i < n; i++) {
                        /* pieces inside the data region, after the indirect tables */
                        sg[i].addr = FUZZ_DATA_GPA + SEED_DATA_BYTES + 64u * ((b * 3u + i) % 48u);
                        sg[i].len = 8u + 8u * i;
                }
                struct vq_indirect ind = { FUZZ_DATA_GPA + 128u * (*table_next % 4u), 8 };
                bool use_ind = shape->indirect && n <= 8;
                if (vq_drv_add(drv, sg, shape->readable, shape->writable, 100u + b,
                               use_ind ? &ind : NULL) != 0)
                        break;
                if (use_ind)
                        (*table_next)++;
                added++;
        }
        (void)vq_drv_kick_prepare(drv);
        return added;
}

/* One device seed: header, script (pops, pushes, pokes of a second batch), image. */
static void device_seed(const char *dir, const char *name, uint8_t mode, uint8_t size_code,
                        const struct shape *first, unsigned first_count, const struct shape *second,
                        unsigned second_count)
{
        uint8_t hdr[4] = { mode, size_code, 15, 0 };
        struct fuzz_header h;
        struct fuzz_mem m;
        fuzz_parse_header(hdr, &h);
        if (fuzz_mem_init(&m, &h) != 0)
                exit(1);
        struct vq_drv_slot *slots = calloc(h.size, sizeof *slots);
        struct vq_driver drv;
        struct vq_config cfg = { h.size, 0, h.features, m.layout, &m.port };
        if (slots == NULL || vq_drv_init(&drv, &cfg, slots) != 0) {
                fprintf(stderr, "gen_seeds: vq_drv_init failed for %s\n", name);
                exit(1);
        }
        unsigned tables = 0;
        add_buffers(&drv, first, first_count, &tables);

        size_t image_bytes = m.ring_bytes + SEED_DATA_BYTES;
        uint8_t *before = malloc(image_bytes);
        memcpy(before, m.ring, m.ring_bytes);
        memcpy(before + m.ring_bytes, m.data, SEED_DATA_BYTES);

        /* script: pop two, push the oldest, interrupt decision, then the second batch */
        struct seed script = { .n = 0 };
        uint8_t head[] = { 0, 0, 1, 254, 3 };
        put(&script, head, sizeof head);
        if (second_count > 0) {
                add_buffers(&drv, second, second_count, &tables);
                for (size_t off = 0; off + 1 < image_bytes; off += 2) {
                        uint8_t now[2];
                        for (size_t k = 0; k < 2; k++)
                                now[k] = off + k < m.ring_bytes ? m.ring[off + k]
                                                                : m.data[off + k - m.ring_bytes];
                        if (memcmp(now, before + off, 2) == 0)
                                continue;
                        if (script.n + 5 > 255)
                                break;
                        uint8_t poke[5] = { 7, (uint8_t)off, (uint8_t)(off >> 8), now[0], now[1] };
                        put(&script, poke, sizeof poke);
                }
        }
        uint8_t tail[] = { 4 }; /* enable notifications before the drain loop */
        put(&script, tail, sizeof tail);

        struct seed s = { .n = 0 };
        hdr[3] = (uint8_t)script.n;
        put(&s, hdr, 4);
        put(&s, script.bytes, script.n);
        put(&s, before, image_bytes);
        write_seed(dir, name, &s);
        free(before);
        free(slots);
        fuzz_mem_free(&m);
}

static void driver_seed(const char *dir, const char *name, uint8_t mode, uint8_t size_code,
                        const uint8_t *script, size_t n)
{
        struct seed s = { .n = 0 };
        uint8_t hdr[4] = { mode, size_code, 0, (uint8_t)n };
        put(&s, hdr, 4);
        put(&s, script, n);
        write_seed(dir, name, &s);
}

static void make_dir(const char *path)
{
        if (mkdir(path, 0755) != 0 && errno != EEXIST) {
                fprintf(stderr, "gen_seeds: cannot create %s\n", path);
                exit(1);
        }
}

int main(int argc, char **argv)
{
        if (argc != 2) {
                fprintf(stderr, "usage: gen_seeds OUTDIR\n");
                return 2;
        }
        char dev_dir[400], drv_dir[400];
        snprintf(dev_dir, sizeof dev_dir, "%s/fuzz_vq_device", argv[1]);
        snprintf(drv_dir, sizeof drv_dir, "%s/fuzz_vq_driver", argv[1]);
        make_dir(argv[1]);
        make_dir(dev_dir);
        make_dir(drv_dir);

        const struct shape one_r = { 1, 0, false }, rw = { 1, 1, false };
        const struct shape long_rw = { 3, 4, false }, ind = { 2, 3, true };
        const struct shape one_w = { 0, 1, false }, ind_long = { 4, 4, true };
        const struct shape ind_small = { 1, 1, true };
        /* modes: packed bit, EVENT_IDX, INDIRECT, IN_ORDER, NOTIFICATION_DATA */
        static const struct {
                const char *name;
                uint8_t mode;
        } modes[] = {
                { "split-plain", 0 },
                { "split-evidx-ind", FUZZ_M_EVENT_IDX | FUZZ_M_INDIRECT },
                { "split-inorder", FUZZ_M_IN_ORDER | FUZZ_M_EVENT_IDX },
                { "packed-plain", FUZZ_M_PACKED },
                { "packed-evidx-ind", FUZZ_M_PACKED | FUZZ_M_EVENT_IDX | FUZZ_M_INDIRECT },
                { "packed-inorder", FUZZ_M_PACKED | FUZZ_M_IN_ORDER | FUZZ_M_NOTIFDATA },
        };
        for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
                bool packed = (modes[i].mode & FUZZ_M_PACKED) != 0;
                uint8_t sz8 = packed ? 7 : 3;  /* 8 */
                uint8_t sz16 = packed ? 5 : 4; /* packed 6 (not a power of 2), split 16 */
                char name[128];
                snprintf(name, sizeof name, "%s-mixed", modes[i].name);
                device_seed(dev_dir, name, modes[i].mode, sz16, &rw, 2, &long_rw, 1);
                snprintf(name, sizeof name, "%s-full-ring", modes[i].name);
                device_seed(dev_dir, name, modes[i].mode, sz8, &one_r, 8, &one_w, 0);
                snprintf(name, sizeof name, "%s-long-chain", modes[i].name);
                device_seed(dev_dir, name, modes[i].mode, sz8, &long_rw, 1, &rw, 1);
                snprintf(name, sizeof name, "%s-indirect", modes[i].name);
                device_seed(dev_dir, name, modes[i].mode | FUZZ_M_INDIRECT, sz16, &ind, 2,
                            &ind_small, 1);
                snprintf(name, sizeof name, "%s-indirect-long", modes[i].name);
                device_seed(dev_dir, name, modes[i].mode | FUZZ_M_INDIRECT, sz8, &ind_long, 1,
                            &one_w, 1);
                snprintf(name, sizeof name, "%s-wrap", modes[i].name);
                device_seed(dev_dir, name, modes[i].mode, sz8, &rw, 3, &rw, 3);
        }

        /* driver scripts: op bytes as in fuzz_vq_driver.c run_script() */
        static const uint8_t basic[] = {
                0, 0x04, 3,      /* add 0r+1w */
                0, 0x05, 2,      /* add 1r+1w */
                0, 0x0e, 1,      /* add 2r+3w */
                2,               /* kick decision */
                7, 3,    3, 200, /* device pops 3, pushes 3 */
                3, 3,    3,      /* reap */
                4,               /* re-enable callbacks */
                0, 0x11, 4,      /* add 1r indirect */
                2, 7,    1, 1,   255, 3, 4, 5,
        };
        static const uint8_t wrap[] = {
                0, 0x05, 1,    0,    0x05, 1,    0,    0x05, 1,    2,    7, 3, 3, 100, 3,   3,   3,
                4, 0,    0x05, 1,    0,    0x05, 1,    0,    0x05, 1,    2, 7, 3, 3,   100, 3,   3,
                3, 4,    0,    0x05, 1,    0,    0x05, 1,    0,    0x05, 1, 2, 7, 3,   3,   100, 3,
                3, 3,    4,    9,    0,    0x06, 2,    2,    7,    1,    1, 0, 3, 4,
        };
        static const uint8_t batch[] = {
                0, 0x04, 1, 0, 0x04, 1, 0, 0x04, 1, 0, 0x04, 1, 2, 7, 4,
                1, 255,  3, 4, 7,    0, 3, 255,  3, 3, 3,    4, 5, 2,
        };
        static const uint8_t hostile[] = {
                0, 0x05, 1,  0, 0x05, 1, 2,    7,
                2, 2,    50, 6, 0,    0, 0xff, 0xff, /* poke garbage at offset 0 */
                3, 3,    4,
        };
        for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
                bool packed = (modes[i].mode & FUZZ_M_PACKED) != 0;
                uint8_t sz = packed ? 3 : 2; /* packed 4, split 4 */
                char name[128];
                /* a device returning a used id at the boundary (== size), a length over the
                 * writable bytes, and a used index jump: the driver must break, not crash */
                static const struct {
                        const char *name;
                        uint16_t id, len, idx;
                } bad[] = { { "used-id", 4, 0, 1 },
                            { "used-len", 0, 0xffff, 1 },
                            { "used-jump", 0, 0, 7 } };
                for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
                        struct vq_layout lay;
                        vq_layout_contiguous(&lay, packed, 4, FUZZ_RING_GPA);
                        uint32_t dev = (uint32_t)(lay.device_gpa - FUZZ_RING_GPA);
                        /* split: used->idx at dev+2, used->ring[0] {id, len} at dev+4;
                         * packed: descriptor 0 {addr, len, id, flags} at 0 */
                        uint32_t id_off = packed ? 12u : dev + 4u;
                        uint32_t len_off = packed ? 8u : dev + 8u;
                        uint32_t idx_off = packed ? 14u : dev + 2u;
                        uint16_t idx_val = packed ? 0x8080u : bad[b].idx;
                        uint8_t sc[] = {
                                0,
                                0x05,
                                1,
                                0,
                                0x05,
                                1,
                                2, /* add two 1r+1w, kick */
                                6,
                                (uint8_t)id_off,
                                (uint8_t)(id_off >> 8),
                                (uint8_t)bad[b].id,
                                (uint8_t)(bad[b].id >> 8),
                                6,
                                (uint8_t)len_off,
                                (uint8_t)(len_off >> 8),
                                (uint8_t)bad[b].len,
                                (uint8_t)(bad[b].len >> 8),
                                6,
                                (uint8_t)idx_off,
                                (uint8_t)(idx_off >> 8),
                                (uint8_t)idx_val,
                                (uint8_t)(idx_val >> 8),
                                3,
                                3,
                                4,
                        };
                        snprintf(name, sizeof name, "%s-%s", modes[i].name, bad[b].name);
                        driver_seed(drv_dir, name, modes[i].mode, sz, sc, sizeof sc);
                }
                snprintf(name, sizeof name, "%s-basic", modes[i].name);
                driver_seed(drv_dir, name, modes[i].mode, sz, basic, sizeof basic);
                snprintf(name, sizeof name, "%s-wrap", modes[i].name);
                driver_seed(drv_dir, name, modes[i].mode, sz, wrap, sizeof wrap);
                snprintf(name, sizeof name, "%s-batch", modes[i].name);
                driver_seed(drv_dir, name, modes[i].mode, packed ? 4 : 3, batch, sizeof batch);
                snprintf(name, sizeof name, "%s-hostile", modes[i].name);
                driver_seed(drv_dir, name, modes[i].mode, sz, hostile, sizeof hostile);
        }
        return 0;
}
