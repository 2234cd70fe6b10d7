/*
 * vq_error: the error codes of the virtqueue library.
 *
 * Contract: every fallible function of virtio/ returns 0 (or a documented non-negative count)
 * on success and one of the negative VQ_E* codes below on failure. The codes come from one
 * X-macro table, VQ_ERROR_TABLE, which also generates vq_strerror(), so a code and its text can
 * never drift apart. Codes marked "peer" are validation failures caused by the other side of
 * the queue (a buggy or hostile driver or device): they put the queue into the broken state,
 * the code is kept as the broken reason, and every later call on that queue returns
 * VQ_EBROKEN until the queue is reset. Codes marked "caller" report a misuse by the local
 * caller and leave the queue state untouched. Values are stable (they may be recorded in
 * traces); new codes are only ever appended.
 */
#ifndef MOSAIC_VIRTIO_VQ_ERROR_H
#define MOSAIC_VIRTIO_VQ_ERROR_H

/* X(name, value, text). */
#define VQ_ERROR_TABLE                                                                             \
        X(VQ_EINVAL, -1, "invalid argument or configuration (caller)")                             \
        X(VQ_ENOSPC, -2, "not enough free descriptors (caller)")                                   \
        X(VQ_EBROKEN, -3, "queue is broken; reset it")                                             \
        X(VQ_ETRANSLATE, -4, "address outside the registered memory (peer)")                       \
        X(VQ_EHEAD, -5, "head index out of range (peer)")                                          \
        X(VQ_ENEXT, -6, "next index out of range (peer)")                                          \
        X(VQ_ELOOP, -7, "descriptor chain longer than the queue size: loop (peer)")                \
        X(VQ_ECHAINCAP, -8, "descriptor chain longer than the device's element limit (peer)")      \
        X(VQ_EORDER, -9, "device-readable descriptor after a device-writable one (peer)")          \
        X(VQ_ETOTALLEN, -10, "descriptor chain longer than 2^32-1 bytes (peer)")                   \
        X(VQ_ENOINDIRECT, -11, "INDIRECT flag without VIRTIO_F_INDIRECT_DESC (peer)")              \
        X(VQ_EINDSIZE, -12, "indirect table length zero, not a multiple of 16 or too big (peer)")  \
        X(VQ_EINDNESTED, -13, "INDIRECT flag inside an indirect table (peer)")                     \
        X(VQ_EINDNEXT, -14, "INDIRECT and NEXT set on the same descriptor (peer)")                 \
        X(VQ_EAVAILJUMP, -15, "available index moved by more than the queue size (peer)")          \
        X(VQ_EINUSE, -16, "head or buffer id made available while still in flight (peer)")         \
        X(VQ_EBUFID, -17, "packed buffer id out of range (peer)")                                  \
        X(VQ_EWRAP, -18, "packed chain continues into a descriptor that is not available (peer)")  \
        X(VQ_EINFLIGHT, -19, "more descriptors in flight than the queue size (peer)")              \
        X(VQ_EEVENTFLAGS, -20, "reserved or unnegotiated event suppression flags (peer)")          \
        X(VQ_EUSEDID, -21, "used id out of range (peer)")                                          \
        X(VQ_ENOTHEAD, -22, "used id is not an outstanding buffer head (peer)")                    \
        X(VQ_EUSEDLEN, -23, "used length larger than the buffer's writable bytes (peer)")          \
        X(VQ_EUSEDJUMP, -24, "used index moved by more than the buffers in flight (peer)")         \
        X(VQ_ENOTIFY, -25, "notification data out of range (peer)")                                \
        X(VQ_EINDCHAIN, -26, "packed INDIRECT descriptor inside a NEXT-linked list (peer)")

enum vq_error {
#define X(name, value, text) name = (value),
        VQ_ERROR_TABLE
#undef X
};

/* The most negative code in the table (codes are -1 .. VQ_ERROR_LAST, no gaps). */
#define VQ_ERROR_LAST VQ_EINDCHAIN

/* The text of a VQ_E* code; "success" for 0, "unknown error" for any other value. Never NULL. */
const char *vq_strerror(int code);

/* True for the codes that mean "the peer broke the protocol" (they make a queue broken):
 * VQ_ETRANSLATE and every code after it. */
int vq_error_is_peer(int code);

#endif
