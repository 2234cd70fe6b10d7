/*
 * vu_proto: the vhost-user wire format spoken by mosaic-vhost-user (back-end side).
 *
 * Contract. Message numbers, flags and payload layouts as described by QEMU's
 * docs/interop/vhost-user.rst for the front-end → back-end channel (the version QEMU 7.2
 * speaks). Every message is a 12-byte header (request, flags, payload size) followed by `size`
 * payload bytes; file descriptors travel as SCM_RIGHTS ancillary data with the header. All
 * fields are in host byte order (the protocol is local to one machine). Only the requests this
 * back-end understands are named; anything else is rejected by the server.
 */
#ifndef MOSAIC_TARGETS_VHOST_USER_VU_PROTO_H
#define MOSAIC_TARGETS_VHOST_USER_VU_PROTO_H

#include <stdint.h>

enum vu_request {
        VU_GET_FEATURES = 1,
        VU_SET_FEATURES = 2,
        VU_SET_OWNER = 3,
        VU_RESET_OWNER = 4,
        VU_SET_MEM_TABLE = 5,
        VU_SET_VRING_NUM = 8,
        VU_SET_VRING_ADDR = 9,
        VU_SET_VRING_BASE = 10,
        VU_GET_VRING_BASE = 11,
        VU_SET_VRING_KICK = 12,
        VU_SET_VRING_CALL = 13,
        VU_SET_VRING_ERR = 14,
        VU_GET_PROTOCOL_FEATURES = 15,
        VU_SET_PROTOCOL_FEATURES = 16,
        VU_GET_QUEUE_NUM = 17,
        VU_SET_VRING_ENABLE = 18,
        VU_GET_CONFIG = 24,
        VU_SET_CONFIG = 25,
};

/* Header flags: bits 0-1 version (1), bit 2 reply, bit 3 need_reply. */
#define VU_VERSION         0x1u
#define VU_VERSION_MASK    0x3u
#define VU_FLAG_REPLY      (1u << 2)
#define VU_FLAG_NEED_REPLY (1u << 3)

/* Feature bit 30 of GET_FEATURES / SET_FEATURES: the protocol-feature handshake exists. */
#define VU_F_PROTOCOL_FEATURES (1ull << 30)

/* Protocol feature bits (GET/SET_PROTOCOL_FEATURES). */
#define VU_PROTOCOL_F_MQ        (1ull << 0)
#define VU_PROTOCOL_F_REPLY_ACK (1ull << 3)
#define VU_PROTOCOL_F_CONFIG    (1ull << 9)

/* SET_VRING_KICK/CALL/ERR payload: bits 0-7 queue index, bit 8 "no file descriptor". */
#define VU_VRING_IDX_MASK  0xffull
#define VU_VRING_NOFD_MASK (1ull << 8)
/* SET_VRING_ADDR flags: bit 0 asks for used-ring logging (needs VHOST_F_LOG_ALL). */
#define VU_VRING_F_LOG 1u

#define VU_HDR_SIZE        12u
#define VU_MAX_MEM_REGIONS 8u
#define VU_MAX_FDS         8u
#define VU_CONFIG_SPACE    256u /* largest device configuration space we serve */

struct vu_vring_state {
        uint32_t index;
        uint32_t num;
};

struct vu_vring_addr {
        uint32_t index;
        uint32_t flags;
        uint64_t desc_user_addr;
        uint64_t used_user_addr;
        uint64_t avail_user_addr;
        uint64_t log_guest_addr;
};

struct vu_mem_region_msg {
        uint64_t guest_phys_addr;
        uint64_t memory_size;
        uint64_t userspace_addr;
        uint64_t mmap_offset;
};

struct vu_mem_table_msg {
        uint32_t nregions;
        uint32_t padding;
        struct vu_mem_region_msg regions[VU_MAX_MEM_REGIONS];
};

/* GET_CONFIG / SET_CONFIG: offset, size, flags, then `size` bytes of configuration space. */
struct vu_config_msg {
        uint32_t offset;
        uint32_t size;
        uint32_t flags;
        uint8_t region[VU_CONFIG_SPACE];
};
#define VU_CONFIG_HDR_SIZE 12u

/* A received message: header fields, payload and the descriptors that came with it. */
struct vu_msg {
        uint32_t request;
        uint32_t flags;
        uint32_t size;
        union {
                uint64_t u64;
                struct vu_vring_state state;
                struct vu_vring_addr addr;
                struct vu_mem_table_msg mem;
                struct vu_config_msg config;
                uint8_t bytes[sizeof(struct vu_config_msg)];
        } payload;
        int fds[VU_MAX_FDS];
        unsigned fd_count;
};

#endif
