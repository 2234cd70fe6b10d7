/*
 * The bare-metal test program: drives QEMU's virtio-blk, virtio-rng and virtio-console
 * (virtio-mmio) through the virtio/ library and reports on the PL011.
 *
 * Command line (`-append`): `expect=split|packed` makes a ring layout other than the expected
 * one a failure (the test proves each run used the layout it asked QEMU for); `cacheops`
 * turns on the port's cache maintenance. The exit code (`EXIT: <code>` before PSCI
 * SYSTEM_OFF) is a bit set: 1 blk, 2 rng, 4 console, 8 ring layout not as expected.
 *
 * Block test: sector 0 holds a seed the host wrote; its FNV-1a hash is printed for the host
 * to compare. Then BLK_TEST_BYTES are written from sector BLK_TEST_SECTOR with a per-sector
 * pattern (blk_pattern_word; the host recomputes it and checks the file), by interrupt and
 * with indirect descriptors, and read back by polling with direct chains, and compared.
 */
#include "targets/baremetal-aarch64/drivers.h"
#include "targets/baremetal-aarch64/platform.h"
#include "targets/baremetal-aarch64/port.h"

#define EXIT_BLK            1
#define EXIT_RNG            2
#define EXIT_CONSOLE        4
#define EXIT_LAYOUT         8
#define BLK_TEST_SECTOR     64u
#define BLK_TEST_BYTES      (1024u * 1024u)
#define BLK_WRITE_CHUNK     (64u * 1024u)
#define BLK_READ_CHUNK      (32u * 1024u)
#define BLK_SEED_MAGIC      "MOSAIC-SEED"
#define RNG_TEST_BYTES      4096u
#define RNG_MIN_DISTINCT    200u
#define FNV_OFFSET          0xcbf29ce484222325ull
#define FNV_PRIME           0x100000001b3ull
#define PATTERN_MULTIPLIER  0x9e3779b97f4a7c15ull
#define PATTERN_SECTOR_MASK 0xd6e8feb86659fd93ull

static uint8_t blk_write_buffer[BLK_TEST_BYTES] __attribute__((aligned(4096)));
static uint8_t blk_read_buffer[BLK_TEST_BYTES] __attribute__((aligned(4096)));
static uint8_t blk_seed[BLK_SECTOR_BYTES] __attribute__((aligned(64)));
static uint8_t rng_first[RNG_TEST_BYTES] __attribute__((aligned(64)));
static uint8_t rng_second[RNG_TEST_BYTES] __attribute__((aligned(64)));
static struct bm_blk blk;
static struct bm_rng rng;
static struct bm_console console;
static bool console_ready;
static char expected_layout[16];

/* 64-bit word `word` of sector `sector` (little-endian in the sector); the host test computes
 * the same: (((sector << 32) | word) * PATTERN_MULTIPLIER) ^ (sector * PATTERN_SECTOR_MASK). */
static uint64_t blk_pattern_word(uint64_t sector, uint64_t word)
{
        return (((sector << 32) | word) * PATTERN_MULTIPLIER) ^ (sector * PATTERN_SECTOR_MASK);
}

static uint64_t fnv1a(const uint8_t *data, size_t n)
{
        uint64_t h = FNV_OFFSET;
        for (size_t i = 0; i < n; i++)
                h = (h ^ data[i]) * FNV_PRIME;
        return h;
}

static uint64_t micros_since(uint64_t start)
{
        return (bm_timer_ticks() - start) * 1000000u / bm_timer_hz();
}

static const char *layout_name(const struct vmmio_dev *dev)
{
        return (dev->features & VQ_F_RING_PACKED) != 0 ? "packed" : "split";
}

/* Describe a device and check its ring layout against `expect=`. Returns 0 or EXIT_LAYOUT. */
static int report_device(const char *name, const struct vmmio_dev *dev)
{
        bm_printf("%s: slot %u, offered 0x%lx, negotiated 0x%lx, ring %s, event_idx %u, "
                  "indirect %u\n",
                  name, dev->slot, (unsigned long)dev->offered, (unsigned long)dev->features,
                  layout_name(dev), (dev->features & VQ_F_EVENT_IDX) != 0 ? 1u : 0u,
                  (dev->features & VQ_F_INDIRECT_DESC) != 0 ? 1u : 0u);
        if (expected_layout[0] != '\0' &&
            memcmp(expected_layout, layout_name(dev), strlen(layout_name(dev)) + 1) != 0) {
                bm_printf("FAIL: %s uses the %s ring, expected %s\n", name, layout_name(dev),
                          expected_layout);
                return EXIT_LAYOUT;
        }
        return 0;
}

static void report_stats(const char *what, bool use_irq, const struct vmmio_stats *s,
                         uint64_t micros)
{
        bm_printf("%s: mode=%s requests=%u kicks=%u irqs=%u sleeps=%u polls=%lu time_us=%lu\n",
                  what, use_irq ? "irq" : "poll", s->requests, s->kicks, s->interrupts, s->sleeps,
                  (unsigned long)s->polls, (unsigned long)micros);
}

/* One line to virtio-console port 0. Returns 0 or EXIT_CONSOLE. */
static int console_line(const char *text, bool use_irq)
{
        if (!console_ready)
                return EXIT_CONSOLE;
        struct vmmio_stats s = { 0 };
        uint64_t t0 = bm_timer_ticks();
        int rc = bm_console_write(&console, text, use_irq, &s);
        report_stats("console write", use_irq, &s, micros_since(t0));
        if (rc != 0) {
                bm_printf("FAIL: console write: %s\n", bm_strerror(rc));
                console_ready = false;
                return EXIT_CONSOLE;
        }
        return 0;
}

static int blk_test(void)
{
        int rc = bm_blk_init(&blk);
        if (rc != 0) {
                bm_printf("FAIL: blk: %s\n", bm_strerror(rc));
                return EXIT_BLK;
        }
        int fail = report_device("blk", &blk.dev);
        bm_printf("blk: capacity %lu sectors\n", (unsigned long)blk.capacity_sectors);

        struct vmmio_stats s = { 0 };
        rc = bm_blk_transfer(&blk, false, 0, blk_seed, sizeof(blk_seed), sizeof(blk_seed), false,
                             false, &s);
        if (rc != 0 || memcmp(blk_seed, BLK_SEED_MAGIC, sizeof(BLK_SEED_MAGIC)) != 0) {
                bm_printf("FAIL: blk: seed sector: %s\n", rc != 0 ? bm_strerror(rc) : "no magic");
                return fail | EXIT_BLK;
        }
        bm_printf("blk: seed sector fnv1a 0x%016lx\n",
                  (unsigned long)fnv1a(blk_seed, sizeof(blk_seed)));

        uint64_t *words = (uint64_t *)(void *)blk_write_buffer;
        const size_t words_per_sector = BLK_SECTOR_BYTES / 8u;
        for (size_t i = 0; i < BLK_TEST_BYTES / 8u; i++)
                words[i] =
                    blk_pattern_word(BLK_TEST_SECTOR + i / words_per_sector, i % words_per_sector);

        struct vmmio_stats ws = { 0 };
        uint64_t t0 = bm_timer_ticks();
        rc = bm_blk_transfer(&blk, true, BLK_TEST_SECTOR, blk_write_buffer, BLK_TEST_BYTES,
                             BLK_WRITE_CHUNK, true, true, &ws);
        report_stats("blk write 1 MiB", true, &ws, micros_since(t0));
        if (rc != 0) {
                bm_printf("FAIL: blk write: %s\n", bm_strerror(rc));
                return fail | EXIT_BLK;
        }
        struct vmmio_stats rs = { 0 };
        t0 = bm_timer_ticks();
        rc = bm_blk_transfer(&blk, false, BLK_TEST_SECTOR, blk_read_buffer, BLK_TEST_BYTES,
                             BLK_READ_CHUNK, false, false, &rs);
        report_stats("blk read 1 MiB", false, &rs, micros_since(t0));
        if (rc != 0) {
                bm_printf("FAIL: blk read: %s\n", bm_strerror(rc));
                return fail | EXIT_BLK;
        }
        for (size_t sector = 0; sector < BLK_TEST_BYTES / BLK_SECTOR_BYTES; sector++) {
                size_t off = sector * BLK_SECTOR_BYTES;
                if (memcmp(blk_read_buffer + off, blk_write_buffer + off, BLK_SECTOR_BYTES) != 0) {
                        bm_printf("FAIL: blk: sector %lu read back differs\n",
                                  (unsigned long)(BLK_TEST_SECTOR + sector));
                        return fail | EXIT_BLK;
                }
        }
        bm_printf("blk: verified %u sectors from sector %u, fnv1a 0x%016lx\n",
                  BLK_TEST_BYTES / BLK_SECTOR_BYTES, BLK_TEST_SECTOR,
                  (unsigned long)fnv1a(blk_read_buffer, BLK_TEST_BYTES));
        return fail;
}

static unsigned distinct_bytes(const uint8_t *data, size_t n)
{
        bool seen[256] = { false };
        unsigned count = 0;
        for (size_t i = 0; i < n; i++) {
                if (!seen[data[i]])
                        count++;
                seen[data[i]] = true;
        }
        return count;
}

static int rng_test(void)
{
        int rc = bm_rng_init(&rng);
        if (rc != 0) {
                bm_printf("FAIL: rng: %s\n", bm_strerror(rc));
                return EXIT_RNG;
        }
        int fail = report_device("rng", &rng.dev);
        uint8_t *reads[2] = { rng_first, rng_second };
        for (unsigned i = 0; i < 2; i++) {
                bool use_irq = i == 0;
                struct vmmio_stats s = { 0 };
                uint64_t t0 = bm_timer_ticks();
                rc = bm_rng_read(&rng, reads[i], RNG_TEST_BYTES, use_irq, &s);
                report_stats("rng read 4 KiB", use_irq, &s, micros_since(t0));
                if (rc != 0) {
                        bm_printf("FAIL: rng read: %s\n", bm_strerror(rc));
                        return fail | EXIT_RNG;
                }
        }
        /* 4096 uniform bytes leave a given value out with probability (255/256)^4096 ~ 1e-7,
         * so fewer than 200 distinct values means the source is not random. */
        unsigned d0 = distinct_bytes(rng_first, RNG_TEST_BYTES);
        unsigned d1 = distinct_bytes(rng_second, RNG_TEST_BYTES);
        bool same = memcmp(rng_first, rng_second, RNG_TEST_BYTES) == 0;
        bm_printf("rng: distinct byte values %u and %u, reads %s\n", d0, d1,
                  same ? "identical" : "differ");
        if (same || d0 < RNG_MIN_DISTINCT || d1 < RNG_MIN_DISTINCT) {
                bm_printf("FAIL: rng output does not look random\n");
                return fail | EXIT_RNG;
        }
        return fail;
}

static int console_test(void)
{
        int rc = bm_console_init(&console);
        if (rc != 0) {
                bm_printf("FAIL: console: %s\n", bm_strerror(rc));
                return EXIT_CONSOLE;
        }
        console_ready = true;
        int fail = report_device("console", &console.dev);
        char line[128];
        bm_snprintf(line, sizeof(line), "mosaic bare-metal: hello over the %s ring (irq)\n",
                    layout_name(&console.dev));
        return fail | console_line(line, true);
}

void bm_main(void)
{
        bm_mmu_enable();
        bm_gic_init();
        bool cacheops = bm_cmdline_has("cacheops");
        bm_port_init(cacheops);
        (void)bm_cmdline_value("expect", expected_layout, sizeof(expected_layout));
        bm_irq_on();
        bm_printf("mosaic bare-metal aarch64: cmdline '%s', cache maintenance %s\n", bm_cmdline(),
                  cacheops ? "on" : "off");

        int code = console_test();
        code |= blk_test();
        code |= rng_test();

        char line[128];
        bm_snprintf(line, sizeof(line), "mosaic bare-metal: result %d (poll)\n", code);
        if (console_ready)
                code |= console_line(line, false);
        bm_power_off(code);
}

const char *bm_strerror(int code)
{
        if (code == BM_EIO)
                return "device reported an I/O error";
        if (code == BM_EBADLEN)
                return "device returned an unexpected length";
        return vmmio_strerror(code);
}
