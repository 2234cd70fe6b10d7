/* QEMU `virt` board support: PL011, MMU, GICv2, device-tree command line, PSCI. */
#include "targets/baremetal-aarch64/platform.h"

#include <stdarg.h>

/* ---- C library ---------------------------------------------------------------------------- */

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
        unsigned char *d = dst;
        const unsigned char *s = src;
        while (n-- > 0)
                *d++ = *s++;
        return dst;
}

void *memset(void *dst, int c, size_t n)
{
        unsigned char *d = dst;
        while (n-- > 0)
                *d++ = (unsigned char)c;
        return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
        const unsigned char *x = a;
        const unsigned char *y = b;
        for (size_t i = 0; i < n; i++)
                if (x[i] != y[i])
                        return x[i] < y[i] ? -1 : 1;
        return 0;
}

size_t strlen(const char *s)
{
        size_t n = 0;
        while (s[n] != '\0')
                n++;
        return n;
}

/* ---- PL011 -------------------------------------------------------------------------------- */

#define PL011_DR   0x000u
#define PL011_FR   0x018u
#define PL011_TXFF (1u << 5)

void bm_uart_putc(char c)
{
        if (c == '\n')
                bm_uart_putc('\r');
        while ((bm_read32(BM_UART_BASE + PL011_FR) & PL011_TXFF) != 0)
                ;
        bm_write32(BM_UART_BASE + PL011_DR, (uint8_t)c);
}

/* ---- formatting --------------------------------------------------------------------------- */

struct bm_out {
        char *buf; /* NULL: UART */
        size_t size;
        size_t len;
};

static void out_char(struct bm_out *out, char c)
{
        if (out->buf == NULL)
                bm_uart_putc(c);
        else if (out->len + 1 < out->size)
                out->buf[out->len] = c;
        out->len++;
}

static void out_number(struct bm_out *out, uint64_t value, unsigned base, unsigned width,
                       bool negative)
{
        char digits[24];
        unsigned n = 0;
        do {
                unsigned d = (unsigned)(value % base);
                digits[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
                value /= base;
        } while (value != 0);
        if (negative)
                out_char(out, '-');
        for (unsigned i = n + (negative ? 1u : 0u); i < width; i++)
                out_char(out, '0');
        while (n > 0)
                out_char(out, digits[--n]);
}

static void out_format(struct bm_out *out, const char *fmt, va_list ap)
{
        for (; *fmt != '\0'; fmt++) {
                if (*fmt != '%') {
                        out_char(out, *fmt);
                        continue;
                }
                fmt++;
                unsigned width = 0;
                while (*fmt >= '0' && *fmt <= '9')
                        width = width * 10u + (unsigned)(*fmt++ - '0');
                unsigned longs = 0;
                while (*fmt == 'l') {
                        longs++;
                        fmt++;
                }
                switch (*fmt) {
                case 's':
                        for (const char *s = va_arg(ap, const char *); *s != '\0'; s++)
                                out_char(out, *s);
                        break;
                case 'c':
                        out_char(out, (char)va_arg(ap, int));
                        break;
                case 'd': {
                        int64_t v = longs > 0 ? va_arg(ap, long) : va_arg(ap, int);
                        uint64_t mag = v < 0 ? 0u - (uint64_t)v : (uint64_t)v;
                        out_number(out, mag, 10, width, v < 0);
                        break;
                }
                case 'u':
                case 'x': {
                        uint64_t v = longs > 0 ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
                        out_number(out, v, *fmt == 'u' ? 10u : 16u, width, false);
                        break;
                }
                case '%':
                        out_char(out, '%');
                        break;
                default:
                        return;
                }
        }
}

void bm_printf(const char *fmt, ...)
{
        struct bm_out out = { NULL, 0, 0 };
        va_list ap;
        va_start(ap, fmt);
        out_format(&out, fmt, ap);
        va_end(ap);
}

size_t bm_snprintf(char *buf, size_t size, const char *fmt, ...)
{
        struct bm_out out = { buf, size, 0 };
        va_list ap;
        va_start(ap, fmt);
        out_format(&out, fmt, ap);
        va_end(ap);
        if (size > 0)
                buf[out.len < size ? out.len : size - 1] = '\0';
        return out.len < size ? out.len : size - 1;
}

/* ---- MMU ---------------------------------------------------------------------------------- */

/* MAIR_EL1 attribute 0: Device-nGnRE (0x04); attribute 1: Normal, inner and outer write-back
 * read/write-allocate non-transient (0xff). */
#define MAIR_VALUE    (0x04ull | (0xffull << 8))
#define ATTR_DEVICE   (0ull << 2)
#define ATTR_NORMAL   (1ull << 2)
#define DESC_BLOCK    1ull
#define DESC_AF       (1ull << 10)
#define DESC_SH_INNER (3ull << 8)
#define DESC_PXN      (1ull << 53)
#define DESC_UXN      (1ull << 54)
#define GIB           (1ull << 30)
/* TCR_EL1: T0SZ=25 (39-bit VA, walk starts at level 1 with 4 KiB granule), table walks
 * inner/outer write-back cacheable inner-shareable, TTBR1 walks disabled (EPD1), IPS 40 bits. */
#define TCR_VALUE (25ull | (1ull << 8) | (1ull << 10) | (3ull << 12) | (1ull << 23) | (2ull << 32))
#define SCTLR_M   (1ull << 0)
#define SCTLR_C   (1ull << 2)
#define SCTLR_I   (1ull << 12)

static uint64_t bm_level1_table[512] __attribute__((aligned(4096)));

void bm_mmu_enable(void)
{
        /* 1 GiB blocks: [0, 1 GiB) holds flash, GIC, UART and virtio-mmio: Device-nGnRE,
         * never executable. [1 GiB, 2 GiB) is RAM (rings and buffers included): Normal
         * write-back, inner shareable, so the data caches are on for the rings; QEMU's DMA is
         * coherent with them (the virtio-mmio nodes are "dma-coherent"). */
        bm_level1_table[0] = 0 | DESC_BLOCK | DESC_AF | ATTR_DEVICE | DESC_PXN | DESC_UXN;
        bm_level1_table[1] = GIB | DESC_BLOCK | DESC_AF | ATTR_NORMAL | DESC_SH_INNER;
        /* The table was written with the MMU (and so the data cache) off: drop any stale line
         * before the cacheable table walks read it. */
        for (uintptr_t a = (uintptr_t)bm_level1_table;
             a < (uintptr_t)bm_level1_table + sizeof(bm_level1_table); a += 64)
                __asm__ __volatile__("dc ivac, %0" ::"r"(a) : "memory");
        __asm__ __volatile__("dsb sy" ::: "memory");
        __asm__ __volatile__("msr mair_el1, %0" ::"r"(MAIR_VALUE));
        __asm__ __volatile__("msr tcr_el1, %0" ::"r"(TCR_VALUE));
        __asm__ __volatile__("msr ttbr0_el1, %0" ::"r"((uint64_t)(uintptr_t)bm_level1_table));
        __asm__ __volatile__("isb\n\ttlbi vmalle1\n\tdsb nsh\n\tisb" ::: "memory");
        uint64_t sctlr;
        __asm__ __volatile__("mrs %0, sctlr_el1" : "=r"(sctlr));
        sctlr |= SCTLR_M | SCTLR_C | SCTLR_I;
        __asm__ __volatile__("msr sctlr_el1, %0\n\tisb" ::"r"(sctlr) : "memory");
}

/* ---- GICv2 -------------------------------------------------------------------------------- */

#define GICD_CTLR       0x000u
#define GICD_ISENABLER  0x100u
#define GICD_ICENABLER  0x180u
#define GICD_ICPENDR    0x280u
#define GICD_IPRIORITYR 0x400u
#define GICD_ITARGETSR  0x800u
#define GICD_ICFGR      0xc00u
#define GICC_CTLR       0x000u
#define GICC_PMR        0x004u
#define GICC_IAR        0x00cu
#define GICC_EOIR       0x010u
#define GIC_MAX_IRQ     128u
#define GIC_SPURIOUS    1023u

struct bm_irq_handler {
        void (*fn)(void *ctx);
        void *ctx;
};

static struct bm_irq_handler bm_handlers[GIC_MAX_IRQ];

void bm_gic_init(void)
{
        bm_write32(BM_GICD_BASE + GICD_CTLR, 0);
        for (unsigned i = 0; i < GIC_MAX_IRQ / 32u; i++) {
                bm_write32(BM_GICD_BASE + GICD_ICENABLER + 4u * i, 0xffffffffu);
                bm_write32(BM_GICD_BASE + GICD_ICPENDR + 4u * i, 0xffffffffu);
        }
        bm_write32(BM_GICD_BASE + GICD_CTLR, 1);
        bm_write32(BM_GICC_BASE + GICC_PMR, 0xff);
        bm_write32(BM_GICC_BASE + GICC_CTLR, 1);
}

static void gic_set_byte(uintptr_t reg_base, unsigned intid, uint8_t value)
{
        uintptr_t reg = reg_base + (intid & ~3u);
        unsigned shift = 8u * (intid & 3u);
        uint32_t v = bm_read32(reg);
        v = (v & ~(0xffu << shift)) | ((uint32_t)value << shift);
        bm_write32(reg, v);
}

void bm_gic_enable(unsigned intid, bool edge, void (*handler)(void *ctx), void *ctx)
{
        if (intid >= GIC_MAX_IRQ)
                return;
        bm_handlers[intid].fn = handler;
        bm_handlers[intid].ctx = ctx;
        gic_set_byte(BM_GICD_BASE + GICD_IPRIORITYR, intid, 0xa0);
        gic_set_byte(BM_GICD_BASE + GICD_ITARGETSR, intid, 0x01);
        /* ICFGR: two bits per id; the upper bit set means edge-triggered. */
        uintptr_t cfg = BM_GICD_BASE + GICD_ICFGR + 4u * (intid / 16u);
        uint32_t bit = 2u << (2u * (intid % 16u));
        bm_write32(cfg, edge ? (bm_read32(cfg) | bit) : (bm_read32(cfg) & ~bit));
        bm_write32(BM_GICD_BASE + GICD_ISENABLER + 4u * (intid / 32u), 1u << (intid % 32u));
}

void bm_gic_disable(unsigned intid)
{
        if (intid >= GIC_MAX_IRQ)
                return;
        bm_write32(BM_GICD_BASE + GICD_ICENABLER + 4u * (intid / 32u), 1u << (intid % 32u));
        __asm__ __volatile__("dsb sy\n\tisb" ::: "memory");
        bm_handlers[intid].fn = NULL;
}

void bm_irq_dispatch(void)
{
        for (;;) {
                uint32_t iar = bm_read32(BM_GICC_BASE + GICC_IAR);
                unsigned intid = iar & 0x3ffu;
                if (intid == GIC_SPURIOUS)
                        return;
                if (intid < GIC_MAX_IRQ && bm_handlers[intid].fn != NULL)
                        bm_handlers[intid].fn(bm_handlers[intid].ctx);
                bm_write32(BM_GICC_BASE + GICC_EOIR, iar);
        }
}

/* ---- device tree command line ------------------------------------------------------------- */

#define FDT_MAGIC      0xd00dfeedu
#define FDT_BEGIN_NODE 1u
#define FDT_END_NODE   2u
#define FDT_PROP       3u
#define FDT_NOP        4u
#define FDT_END        9u
#define FDT_MAX_SIZE   (1u << 20)

static char bm_cmdline_buf[256];
static bool bm_cmdline_done;

static uint32_t fdt32(const uint8_t *p)
{
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool str_eq(const char *a, const char *b)
{
        while (*a != '\0' && *a == *b) {
                a++;
                b++;
        }
        return *a == *b;
}

/* Walk the structure block for /chosen/bootargs, staying inside the blob's stated size. */
static void fdt_find_bootargs(const uint8_t *fdt)
{
        if (fdt32(fdt) != FDT_MAGIC)
                return;
        uint32_t total = fdt32(fdt + 4);
        uint32_t off_struct = fdt32(fdt + 8);
        uint32_t off_strings = fdt32(fdt + 12);
        if (total > FDT_MAX_SIZE || off_struct >= total || off_strings >= total)
                return;
        uint32_t pos = off_struct;
        unsigned depth = 0;
        bool in_chosen = false;
        while (pos + 4 <= total) {
                uint32_t token = fdt32(fdt + pos);
                pos += 4;
                if (token == FDT_BEGIN_NODE) {
                        const char *name = (const char *)(fdt + pos);
                        depth++;
                        if (depth == 2)
                                in_chosen = str_eq(name, "chosen");
                        pos += (uint32_t)((strlen(name) + 4u) & ~3u);
                } else if (token == FDT_END_NODE) {
                        if (depth == 2)
                                in_chosen = false;
                        depth--;
                } else if (token == FDT_PROP) {
                        uint32_t len = fdt32(fdt + pos);
                        uint32_t name_off = fdt32(fdt + pos + 4);
                        const uint8_t *value = fdt + pos + 8;
                        if (len > total || pos + 8 + len > total)
                                return;
                        if (in_chosen && depth == 2 && off_strings + name_off < total &&
                            str_eq((const char *)(fdt + off_strings + name_off), "bootargs")) {
                                size_t n =
                                    len < sizeof(bm_cmdline_buf) ? len : sizeof(bm_cmdline_buf) - 1;
                                memcpy(bm_cmdline_buf, value, n);
                                bm_cmdline_buf[n] = '\0';
                                return;
                        }
                        pos += 8 + ((len + 3u) & ~3u);
                } else if (token != FDT_NOP) {
                        return;
                }
        }
}

const char *bm_cmdline(void)
{
        if (!bm_cmdline_done) {
                fdt_find_bootargs((const uint8_t *)(uintptr_t)BM_RAM_BASE);
                bm_cmdline_done = true;
        }
        return bm_cmdline_buf;
}

/* The blank-separated token equal to `key` (want_value false) or the value after `key=`
 * (want_value true); NULL if absent. */
static const char *find_token(const char *key, size_t key_len, bool want_value)
{
        const char *p = bm_cmdline();
        while (*p != '\0') {
                while (*p == ' ')
                        p++;
                const char *start = p;
                while (*p != '\0' && *p != ' ')
                        p++;
                size_t len = (size_t)(p - start);
                if (len >= key_len && memcmp(start, key, key_len) == 0) {
                        if (!want_value && len == key_len)
                                return start;
                        if (want_value && len > key_len && start[key_len] == '=')
                                return start + key_len + 1;
                }
        }
        return NULL;
}

const char *bm_cmdline_value(const char *key, char *buf, size_t size)
{
        const char *v = find_token(key, strlen(key), true);
        if (v == NULL || size == 0)
                return NULL;
        size_t n = 0;
        while (v[n] != '\0' && v[n] != ' ' && n + 1 < size) {
                buf[n] = v[n];
                n++;
        }
        buf[n] = '\0';
        return buf;
}

bool bm_cmdline_has(const char *word)
{
        return find_token(word, strlen(word), false) != NULL;
}

/* ---- PSCI and fatal exceptions ------------------------------------------------------------ */

#define PSCI_SYSTEM_OFF 0x84000008u

_Noreturn void bm_power_off(int code)
{
        bm_printf("EXIT: %d\n", code);
        register uint64_t x0 __asm__("x0") = PSCI_SYSTEM_OFF;
        __asm__ __volatile__("hvc #0" : "+r"(x0)::"x1", "x2", "x3", "memory");
        for (;;)
                bm_wfi();
}

_Noreturn void bm_exception(uint64_t kind, uint64_t esr, uint64_t elr, uint64_t far)
{
        bm_printf("FATAL: exception vector %lu ESR=0x%lx ELR=0x%lx FAR=0x%lx\n",
                  (unsigned long)kind, (unsigned long)esr, (unsigned long)elr, (unsigned long)far);
        bm_power_off(99);
}
