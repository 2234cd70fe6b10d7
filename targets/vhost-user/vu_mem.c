#include "targets/vhost-user/vu_mem.h"

#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

void vu_mem_init(struct vu_mem *mem)
{
        memset(mem, 0, sizeof(*mem));
        vq_port_init_default(&mem->port, mem->regions, 0);
}

void vu_mem_unmap(struct vu_mem *mem)
{
        for (size_t i = 0; i < mem->count; i++)
                munmap(mem->maps[i].mapping, mem->maps[i].mapping_len);
        vu_mem_init(mem);
}

/* [a, a+alen) and [b, b+blen) intersect; both are known not to wrap. */
static int ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
        return a < b + blen && b < a + alen;
}

static int check_table(const struct vu_mem_table_msg *table, const int *fds, unsigned fd_count,
                       char *err, size_t errlen)
{
        if (table->nregions == 0 || table->nregions > VU_MAX_MEM_REGIONS) {
                snprintf(err, errlen, "memory table with %u regions (1..%u allowed)",
                         table->nregions, VU_MAX_MEM_REGIONS);
                return -1;
        }
        if (fd_count != table->nregions) {
                snprintf(err, errlen, "memory table with %u regions but %u descriptors",
                         table->nregions, fd_count);
                return -1;
        }
        for (uint32_t i = 0; i < table->nregions; i++) {
                const struct vu_mem_region_msg *r = &table->regions[i];
                if (r->memory_size == 0 ||
                    r->guest_phys_addr + r->memory_size < r->guest_phys_addr ||
                    r->userspace_addr + r->memory_size < r->userspace_addr ||
                    r->mmap_offset + r->memory_size < r->mmap_offset) {
                        snprintf(err, errlen, "region %u: size 0x%llx empty or wraps around", i,
                                 (unsigned long long)r->memory_size);
                        return -1;
                }
                struct stat st;
                if (fstat(fds[i], &st) != 0 || st.st_size < 0) {
                        snprintf(err, errlen, "region %u: descriptor cannot be examined", i);
                        return -1;
                }
                /* An access beyond the end of the file would raise SIGBUS in the back-end. */
                if (r->mmap_offset + r->memory_size > (uint64_t)st.st_size) {
                        snprintf(err, errlen,
                                 "region %u: offset 0x%llx + size 0x%llx beyond the file "
                                 "(0x%llx bytes)",
                                 i, (unsigned long long)r->mmap_offset,
                                 (unsigned long long)r->memory_size,
                                 (unsigned long long)st.st_size);
                        return -1;
                }
                for (uint32_t j = 0; j < i; j++) {
                        const struct vu_mem_region_msg *o = &table->regions[j];
                        if (ranges_overlap(r->guest_phys_addr, r->memory_size, o->guest_phys_addr,
                                           o->memory_size) ||
                            ranges_overlap(r->userspace_addr, r->memory_size, o->userspace_addr,
                                           o->memory_size)) {
                                snprintf(err, errlen, "regions %u and %u overlap", j, i);
                                return -1;
                        }
                }
        }
        return 0;
}

int vu_mem_map(struct vu_mem *mem, const struct vu_mem_table_msg *table, const int *fds,
               unsigned fd_count, char *err, size_t errlen)
{
        if (check_table(table, fds, fd_count, err, errlen) != 0)
                return -1;
        long page_size = sysconf(_SC_PAGESIZE);
        uint64_t page = page_size > 0 ? (uint64_t)page_size : 4096u;
        struct vu_mem fresh;
        vu_mem_init(&fresh);
        for (uint32_t i = 0; i < table->nregions; i++) {
                const struct vu_mem_region_msg *r = &table->regions[i];
                uint64_t start = r->mmap_offset & ~(page - 1u);
                uint64_t len = r->mmap_offset - start + r->memory_size;
                if (len > SIZE_MAX || start > (uint64_t)INT64_MAX) {
                        snprintf(err, errlen, "region %u: too large to map", i);
                        vu_mem_unmap(&fresh);
                        return -1;
                }
                void *p = mmap(NULL, (size_t)len, PROT_READ | PROT_WRITE, MAP_SHARED, fds[i],
                               (off_t)start);
                if (p == MAP_FAILED) {
                        snprintf(err, errlen, "region %u: mmap of 0x%llx bytes failed", i,
                                 (unsigned long long)len);
                        vu_mem_unmap(&fresh);
                        return -1;
                }
                fresh.maps[i].mapping = p;
                fresh.maps[i].mapping_len = (size_t)len;
                fresh.maps[i].uva = r->userspace_addr;
                fresh.regions[i].gpa = r->guest_phys_addr;
                fresh.regions[i].size_bytes = r->memory_size;
                fresh.regions[i].host = (uint8_t *)p + (r->mmap_offset - start);
                fresh.count = i + 1u;
        }
        vu_mem_unmap(mem);
        *mem = fresh;
        /* The port points into *mem, not into the local copy. */
        vq_port_init_default(&mem->port, mem->regions, mem->count);
        return 0;
}

int vu_mem_uva_to_gpa(const struct vu_mem *mem, uint64_t uva, uint64_t size, uint64_t *gpa)
{
        for (size_t i = 0; i < mem->count; i++) {
                uint64_t base = mem->maps[i].uva;
                uint64_t len = mem->regions[i].size_bytes;
                if (uva >= base && uva - base <= len && size <= len - (uva - base)) {
                        *gpa = mem->regions[i].gpa + (uva - base);
                        return 0;
                }
        }
        return -1;
}
