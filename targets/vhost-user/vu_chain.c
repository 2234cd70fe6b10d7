#include <string.h>

#include "targets/vhost-user/vu_device.h"

int vu_chain_for_each(const struct vq_chain *chain, const struct vq_elem *elems, bool writable,
                      uint64_t offset, uint64_t len, vu_piece_fn fn, void *ctx)
{
        uint16_t first = writable ? chain->readable_count : 0;
        uint16_t end = writable ? chain->elem_count : chain->readable_count;
        uint64_t part_off = 0; /* offset of elems[i] inside the part */
        uint64_t done = 0;
        for (uint16_t i = first; i < end && done < len; i++) {
                uint64_t piece = elems[i].len;
                uint64_t want = offset + done; /* next part offset to visit */
                if (want < part_off + piece) {
                        uint64_t skip = want - part_off;
                        uint64_t n = piece - skip;
                        if (n > len - done)
                                n = len - done;
                        int rc = fn(ctx, (uint8_t *)elems[i].host + skip, (size_t)n, want);
                        if (rc != 0)
                                return rc;
                        done += n;
                }
                part_off += piece;
        }
        return done == len ? 0 : -1;
}

struct copy_ctx {
        uint8_t *buf;
        uint64_t base;
        bool to_guest;
};

static int copy_piece(void *ctx, uint8_t *host, size_t len, uint64_t part_offset)
{
        struct copy_ctx *c = ctx;
        uint8_t *local = c->buf + (part_offset - c->base);
        if (c->to_guest)
                memcpy(host, local, len);
        else
                memcpy(local, host, len);
        return 0;
}

int vu_chain_read(const struct vq_chain *chain, const struct vq_elem *elems, uint64_t offset,
                  void *dst, size_t len)
{
        struct copy_ctx c = { .buf = dst, .base = offset, .to_guest = false };
        return vu_chain_for_each(chain, elems, false, offset, len, copy_piece, &c);
}

int vu_chain_write(const struct vq_chain *chain, const struct vq_elem *elems, uint64_t offset,
                   const void *src, size_t len)
{
        /* The buffer is only read when copying towards the guest. */
        struct copy_ctx c = { .buf = (uint8_t *)(uintptr_t)src, .base = offset, .to_guest = true };
        return vu_chain_for_each(chain, elems, true, offset, len, copy_piece, &c);
}
