/* The bare-metal aarch64 vq_port: outer-shareable barriers, optional cache maintenance. */
#include "targets/baremetal-aarch64/port.h"

#include "virtio/virtqueue.h"

extern char __image_start[];
extern char __image_end[];

static struct vq_region bm_regions[1];
static struct vq_port_ops bm_ops;
static struct vq_port bm_port_state;
static bool bm_cache_ops;
static uintptr_t bm_line_bytes = 64;

static void port_barrier(void *ctx, enum vq_barrier kind, bool platform)
{
        (void)ctx;
        (void)platform; /* the device is a bus master either way; see port.h */
        if (kind == VQ_BARRIER_ACQUIRE)
                __asm__ __volatile__("dmb oshld" ::: "memory");
        else
                __asm__ __volatile__("dmb osh" ::: "memory");
}

static void cache_clean(const volatile void *addr, size_t size)
{
        uintptr_t a = (uintptr_t)addr & ~(bm_line_bytes - 1u);
        for (; a < (uintptr_t)addr + size; a += bm_line_bytes)
                __asm__ __volatile__("dc cvac, %0" ::"r"(a) : "memory");
        __asm__ __volatile__("dsb osh" ::: "memory");
}

static void cache_clean_invalidate(const volatile void *addr, size_t size)
{
        uintptr_t a = (uintptr_t)addr & ~(bm_line_bytes - 1u);
        for (; a < (uintptr_t)addr + size; a += bm_line_bytes)
                __asm__ __volatile__("dc civac, %0" ::"r"(a) : "memory");
        __asm__ __volatile__("dsb osh" ::: "memory");
}

static void port_publish(void *ctx, const volatile void *addr, size_t size)
{
        (void)ctx;
        cache_clean(addr, size);
}

static void port_observe(void *ctx, const volatile void *addr, size_t size)
{
        (void)ctx;
        cache_clean_invalidate(addr, size);
}

void bm_port_init(bool cache_maintenance)
{
        uint64_t ctr;
        __asm__ __volatile__("mrs %0, ctr_el0" : "=r"(ctr));
        bm_line_bytes = (uintptr_t)4u << ((ctr >> 16) & 0xfu); /* DminLine: log2 words */
        bm_regions[0].gpa = (uint64_t)(uintptr_t)__image_start;
        bm_regions[0].size_bytes = (uint64_t)(__image_end - __image_start);
        bm_regions[0].host = __image_start;
        vq_port_init_default(&bm_port_state, bm_regions, 1);
        bm_ops.barrier = port_barrier;
        bm_cache_ops = cache_maintenance;
        if (cache_maintenance) {
                bm_ops.publish = port_publish;
                bm_ops.observe = port_observe;
        }
        bm_port_state.ops = &bm_ops;
}

const struct vq_port *bm_port(void)
{
        return &bm_port_state;
}

bool bm_port_cache_maintenance(void)
{
        return bm_cache_ops;
}

void bm_dma_clean(const volatile void *addr, size_t size)
{
        if (bm_cache_ops)
                cache_clean(addr, size);
}

void bm_dma_invalidate(volatile void *addr, size_t size)
{
        if (bm_cache_ops)
                cache_clean_invalidate(addr, size);
}
