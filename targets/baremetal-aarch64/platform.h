/*
 * platform: the QEMU `virt` board support of the bare-metal aarch64 program.
 *
 * Contract. One Cortex-A53 at EL1, single-threaded apart from the IRQ handler. Provides
 * 32-bit MMIO accessors (Device-nGnRE after bm_mmu_enable), the PL011 UART at 0x09000000
 * (polled transmit, used by bm_printf), the identity-mapped MMU (RAM 0x40000000-0x7fffffff
 * Normal write-back inner-shareable, 0x00000000-0x3fffffff Device-nGnRE), the GICv2 (distributor
 * 0x08000000, CPU interface 0x08010000) with one handler per interrupt id, the kernel command
 * line from the device tree QEMU places at the start of RAM (`-append`), and PSCI SYSTEM_OFF
 * through hvc. bm_power_off prints `EXIT: <code>` on the UART before powering off: the exit
 * status of a QEMU run is that line.
 *
 * Not provided: SMP, FP/SIMD (the program is built with -mgeneral-regs-only), cache
 * maintenance by set/way, timer services beyond reading the generic counter.
 */
#ifndef MOSAIC_BAREMETAL_AARCH64_PLATFORM_H
#define MOSAIC_BAREMETAL_AARCH64_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BM_RAM_BASE  0x40000000u
#define BM_UART_BASE 0x09000000u
#define BM_GICD_BASE 0x08000000u
#define BM_GICC_BASE 0x08010000u

/* First interrupt id of the shared peripheral interrupts (GICv2: SPI n is id 32 + n). */
#define BM_GIC_SPI_BASE 32u

static inline uint32_t bm_read32(uintptr_t addr)
{
        return *(const volatile uint32_t *)addr;
}

static inline void bm_write32(uintptr_t addr, uint32_t value)
{
        *(volatile uint32_t *)addr = value;
}

/* Console output on the PL011 (polled). bm_printf knows %s %c %d %u %x with l/ll and a
 * zero-padded width. */
void bm_uart_putc(char c);
void bm_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Format into `buf` (always terminated); returns the length written. */
size_t bm_snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Identity map and caches on (call once, first thing in bm_main). */
void bm_mmu_enable(void);

/* GICv2: distributor and CPU interface on, everything masked; then per interrupt. */
void bm_gic_init(void);
void bm_gic_enable(unsigned intid, bool edge, void (*handler)(void *ctx), void *ctx);
void bm_gic_disable(unsigned intid);

/* PSTATE.I. Sleep with IRQs masked: WFI wakes on a pending IRQ even while masked, so the
 * check-then-sleep sequence `irq_off; if (!done) wfi; irq_on` loses no wake-up. */
static inline void bm_irq_off(void)
{
        __asm__ __volatile__("msr daifset, #2" ::: "memory");
}

static inline void bm_irq_on(void)
{
        __asm__ __volatile__("msr daifclr, #2" ::: "memory");
}

static inline void bm_wfi(void)
{
        __asm__ __volatile__("dsb sy\n\twfi" ::: "memory");
}

/* Generic timer: the virtual count and its frequency. */
static inline uint64_t bm_timer_ticks(void)
{
        uint64_t v;
        __asm__ __volatile__("isb\n\tmrs %0, cntvct_el0" : "=r"(v)::"memory");
        return v;
}

static inline uint64_t bm_timer_hz(void)
{
        uint64_t v;
        __asm__ __volatile__("mrs %0, cntfrq_el0" : "=r"(v));
        return v;
}

/* Kernel command line (`-append`) from the device tree at the start of RAM; "" if none. */
const char *bm_cmdline(void);
/* Value of `key=value` on the command line, or NULL. */
const char *bm_cmdline_value(const char *key, char *buf, size_t size);
/* True if `word` appears as a whole token. */
bool bm_cmdline_has(const char *word);

/* Print `EXIT: <code>` and power off through PSCI SYSTEM_OFF. */
_Noreturn void bm_power_off(int code);

/* Entry points called from start.S. */
void bm_main(void);
void bm_irq_dispatch(void);
_Noreturn void bm_exception(uint64_t kind, uint64_t esr, uint64_t elr, uint64_t far);

/* The C library functions the compiler and virtio/ may call. */
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

#endif
