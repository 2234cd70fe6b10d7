/*
 * vu_mem: the guest memory table of a vhost-user connection (SET_MEM_TABLE), mapped into the
 * back-end, and the vq_port the virtqueue library uses on it.
 *
 * Contract. vu_mem_map() validates a whole table before touching the current one: 1..8
 * regions, exactly one descriptor per region, non-zero sizes, no 64-bit wrap-around of any
 * range, no two regions overlapping in guest-physical or in front-end user address space, and
 * each region inside its file (mmap_offset + size <= the file size reported by fstat, so an
 * access can never fault past the end of the file). Each region is mapped MAP_SHARED
 * read-write; the descriptors are closed once mapped. On failure nothing is mapped, the old
 * table stays in place and a message is written to `err` (size errlen). The port translates
 * guest-physical addresses through the table with bounds (vq_port_translate): a range must lie
 * wholly inside one region. vu_mem_uva_to_gpa() does the same for front-end user virtual
 * addresses (ring addresses in SET_VRING_ADDR are user addresses). Not thread-safe.
 */
#ifndef MOSAIC_TARGETS_VHOST_USER_VU_MEM_H
#define MOSAIC_TARGETS_VHOST_USER_VU_MEM_H

#include <stddef.h>
#include <stdint.h>

#include "targets/vhost-user/vu_proto.h"
#include "virtio/vq_port.h"

struct vu_mem_map_entry {
        uint64_t uva;       /* front-end user virtual address of the region */
        void *mapping;      /* what mmap returned */
        size_t mapping_len; /* bytes mapped (from the page-aligned offset) */
};

struct vu_mem {
        struct vq_region regions[VU_MAX_MEM_REGIONS]; /* gpa, size, host (the port's table) */
        struct vu_mem_map_entry maps[VU_MAX_MEM_REGIONS];
        size_t count;
        struct vq_port port;
};

void vu_mem_init(struct vu_mem *mem);

/* Validate and map `table` with `fds` (one per region; closed by the caller in every case).
 * Replaces the current table on success. Returns 0 or -1 with a message in err. */
int vu_mem_map(struct vu_mem *mem, const struct vu_mem_table_msg *table, const int *fds,
               unsigned fd_count, char *err, size_t errlen);

/* Unmap everything; the table becomes empty. */
void vu_mem_unmap(struct vu_mem *mem);

/* Translate [uva, uva+size) to a guest-physical address; -1 if not inside one region. */
int vu_mem_uva_to_gpa(const struct vu_mem *mem, uint64_t uva, uint64_t size, uint64_t *gpa);

#endif
