#include "targets/vhost-user/vu_server.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "targets/vhost-user/vu_mem.h"
#include "targets/vhost-user/vu_proto.h"
#include "virtio/virtqueue.h"

#define VU_MAX_QUEUES 8u
/* epoll tags: fixed sources, then one per queue kick. */
#define TAG_LISTEN 1u
#define TAG_SIGNAL 2u
#define TAG_CONN   3u
#define TAG_KICK   16u
/* A front-end that stops half-way through a message is dropped after this long. */
#define VU_RECV_TIMEOUT_S 5

struct vu_queue {
        uint16_t num; /* 0 until SET_VRING_NUM */
        bool addr_set;
        struct vq_layout layout; /* guest-physical, from the user addresses */
        uint32_t base;           /* SET_VRING_BASE value, used at the next start */
        int kick_fd;
        int call_fd;
        int err_fd;
        bool started; /* kick descriptor installed, library queue built */
        bool kicked;  /* first kick seen: the ring runs (vhost-user "ring states") */
        bool enabled;
        bool broken_reported;
        struct vq_device vq;
        struct vq_dev_slot *slots;
        struct vq_elem *elems;
};

struct vu_server {
        const struct vu_server_options *opt;
        struct vu_device *dev;
        int listen_fd;
        int conn_fd;
        int epoll_fd;
        int signal_fd;
        struct vu_mem mem;
        uint64_t features;
        uint64_t protocol_features;
        struct vu_queue queues[VU_MAX_QUEUES];
        char err[256];
};

static const char *request_name(uint32_t request)
{
        switch (request) {
        case VU_GET_FEATURES:
                return "GET_FEATURES";
        case VU_SET_FEATURES:
                return "SET_FEATURES";
        case VU_SET_OWNER:
                return "SET_OWNER";
        case VU_RESET_OWNER:
                return "RESET_OWNER";
        case VU_SET_MEM_TABLE:
                return "SET_MEM_TABLE";
        case VU_SET_VRING_NUM:
                return "SET_VRING_NUM";
        case VU_SET_VRING_ADDR:
                return "SET_VRING_ADDR";
        case VU_SET_VRING_BASE:
                return "SET_VRING_BASE";
        case VU_GET_VRING_BASE:
                return "GET_VRING_BASE";
        case VU_SET_VRING_KICK:
                return "SET_VRING_KICK";
        case VU_SET_VRING_CALL:
                return "SET_VRING_CALL";
        case VU_SET_VRING_ERR:
                return "SET_VRING_ERR";
        case VU_GET_PROTOCOL_FEATURES:
                return "GET_PROTOCOL_FEATURES";
        case VU_SET_PROTOCOL_FEATURES:
                return "SET_PROTOCOL_FEATURES";
        case VU_GET_QUEUE_NUM:
                return "GET_QUEUE_NUM";
        case VU_SET_VRING_ENABLE:
                return "SET_VRING_ENABLE";
        case VU_GET_CONFIG:
                return "GET_CONFIG";
        case VU_SET_CONFIG:
                return "SET_CONFIG";
        default:
                return "unknown request";
        }
}

__attribute__((format(printf, 2, 3))) static int fail(struct vu_server *s, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(s->err, sizeof(s->err), fmt, ap);
        va_end(ap);
        return -1;
}

static void close_fd(int *fd)
{
        if (*fd >= 0)
                close(*fd);
        *fd = -1;
}

static int epoll_tag(struct vu_server *s, int op, int fd, uint64_t tag)
{
        struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };
        return epoll_ctl(s->epoll_fd, op, fd, op == EPOLL_CTL_DEL ? NULL : &ev);
}

/* ---- queues ------------------------------------------------------------------------------ */

static bool packed_negotiated(const struct vu_server *s)
{
        return (s->features & VQ_F_RING_PACKED) != 0;
}

/*
 * Ring position <-> vhost-user "base". Split: the 16-bit next available index (the used index
 * equals it: buffers are served synchronously, so none is in flight at a stop). Packed (QEMU
 * 7.2 and the current spec): bits 0-14 next available position, bit 15 its wrap counter,
 * bits 16-30 next used position, bit 31 its wrap counter.
 */
static int queue_set_position(struct vq_device *vq, bool packed, uint32_t base)
{
        struct vq_dev_position pos = { (uint16_t)base, (uint16_t)base };
        if (packed)
                pos.used = (uint16_t)(base >> 16);
        return vq_dev_set_position(vq, &pos);
}

static uint32_t queue_position(const struct vq_device *vq, bool packed)
{
        struct vq_dev_position pos;
        vq_dev_position(vq, &pos);
        return packed ? (uint32_t)pos.avail | (uint32_t)pos.used << 16 : pos.avail;
}

static void queue_stop(struct vu_server *s, struct vu_queue *q)
{
        if (q->kick_fd >= 0)
                epoll_tag(s, EPOLL_CTL_DEL, q->kick_fd, 0);
        close_fd(&q->kick_fd);
        q->started = false;
        q->kicked = false;
}

static void queue_clear(struct vu_server *s, struct vu_queue *q)
{
        queue_stop(s, q);
        close_fd(&q->call_fd);
        close_fd(&q->err_fd);
        free(q->slots);
        free(q->elems);
        memset(q, 0, sizeof(*q));
        q->kick_fd = q->call_fd = q->err_fd = -1;
}

static void signal_fd_value(int fd)
{
        uint64_t one = 1;
        if (fd >= 0 && write(fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
                fprintf(stderr, "mosaic-vhost-user: eventfd write: %s\n", strerror(errno));
}

/* (Re)build the library queue over the current memory table at `position`. */
static int queue_init_at(struct vu_server *s, struct vu_queue *q, uint16_t index, uint32_t position)
{
        bool packed = packed_negotiated(s);
        /* A packed base without the used half (older front-ends) means used = avail. */
        if (packed && (position >> 16) == 0)
                position |= position << 16;
        if (packed && ((position & 0x7fffu) >= q->num || (position >> 16 & 0x7fffu) >= q->num))
                return fail(s, "queue %u: base 0x%x beyond packed ring of %u", index, position,
                            q->num);
        if (packed && (position >> 16) != (position & 0xffffu))
                return fail(s, "queue %u: base 0x%x has buffers in flight (used != avail)", index,
                            position);
        if (!packed && position > 0xffffu)
                return fail(s, "queue %u: split base 0x%x over 16 bits", index, position);
        struct vq_dev_slot *slots = calloc(q->num, sizeof(*slots));
        struct vq_elem *elems = calloc(s->dev->max_chain, sizeof(*elems));
        if (slots == NULL || elems == NULL) {
                free(slots);
                free(elems);
                return fail(s, "out of memory");
        }
        struct vq_config cfg = { .size = q->num,
                                 .index = index,
                                 .features = s->features,
                                 .layout = q->layout,
                                 .port = &s->mem.port };
        int rc = vq_dev_init(&q->vq, &cfg, slots);
        if (rc != 0) {
                free(slots);
                free(elems);
                return fail(s, "queue %u: rings not usable: %s", index, vq_strerror(rc));
        }
        rc = queue_set_position(&q->vq, packed, position);
        if (rc != 0) {
                free(slots);
                free(elems);
                return fail(s, "queue %u: base 0x%x: %s", index, position, vq_strerror(rc));
        }
        free(q->slots);
        free(q->elems);
        q->slots = slots;
        q->elems = elems;
        q->broken_reported = false;
        return 0;
}

static void queue_report_broken(struct vu_queue *q, uint16_t index, int rc)
{
        if (q->broken_reported)
                return;
        q->broken_reported = true;
        fprintf(stderr, "mosaic-vhost-user: queue %u broken by the driver: %s\n", index,
                vq_strerror(vq_dev_broken(&q->vq) != 0 ? vq_dev_broken(&q->vq) : rc));
        signal_fd_value(q->err_fd);
}

/* Serve everything available, interrupt if the driver wants one, re-arm notifications. */
static void queue_process(struct vu_server *s, struct vu_queue *q, uint16_t index)
{
        if (!q->started || !q->kicked || !q->enabled || q->slots == NULL)
                return;
        for (;;) {
                struct vq_chain chain;
                int rc;
                while ((rc = vq_dev_pop(&q->vq, &chain, q->elems, s->dev->max_chain)) == 1) {
                        uint32_t written = s->dev->handle(s->dev->ctx, index, &chain, q->elems);
                        s->dev->requests++;
                        rc = vq_dev_push(&q->vq, chain.id, written);
                        if (rc != 0)
                                break;
                }
                if (rc < 0) {
                        queue_report_broken(q, index, rc);
                        return;
                }
                if (vq_dev_need_interrupt(&q->vq) == 1)
                        signal_fd_value(q->call_fd);
                rc = vq_dev_enable_notify(&q->vq);
                if (rc < 0) {
                        queue_report_broken(q, index, rc);
                        return;
                }
                if (rc == 0)
                        return;
        }
}

/* ---- connection state -------------------------------------------------------------------- */

static void connection_reset(struct vu_server *s)
{
        for (unsigned i = 0; i < VU_MAX_QUEUES; i++)
                queue_clear(s, &s->queues[i]);
        vu_mem_unmap(&s->mem);
        s->features = 0;
        s->protocol_features = 0;
}

static void connection_close(struct vu_server *s)
{
        if (s->conn_fd < 0)
                return;
        epoll_tag(s, EPOLL_CTL_DEL, s->conn_fd, 0);
        close_fd(&s->conn_fd);
        connection_reset(s);
        fprintf(stderr, "mosaic-vhost-user: connection closed (%llu requests served so far)\n",
                (unsigned long long)s->dev->requests);
        epoll_tag(s, EPOLL_CTL_ADD, s->listen_fd, TAG_LISTEN);
}

static int send_reply(struct vu_server *s, uint32_t request, const void *payload, uint32_t size)
{
        uint8_t buf[VU_HDR_SIZE + sizeof(struct vu_config_msg)];
        uint32_t hdr[3] = { request, VU_VERSION | VU_FLAG_REPLY, size };
        memcpy(buf, hdr, VU_HDR_SIZE);
        memcpy(buf + VU_HDR_SIZE, payload, size);
        size_t total = VU_HDR_SIZE + size;
        size_t done = 0;
        while (done < total) {
                ssize_t n = send(s->conn_fd, buf + done, total - done, MSG_NOSIGNAL);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return fail(s, "reply not sent: %s", strerror(errno));
                done += (size_t)n;
        }
        return 0;
}

static int reply_u64(struct vu_server *s, uint32_t request, uint64_t value)
{
        return send_reply(s, request, &value, sizeof(value));
}

/* ---- message reception --------------------------------------------------------------------- */

static void close_msg_fds(struct vu_msg *m)
{
        for (unsigned i = 0; i < m->fd_count; i++)
                if (m->fds[i] >= 0)
                        close(m->fds[i]);
        m->fd_count = 0;
}

/* Read exactly len bytes; the first read also collects SCM_RIGHTS descriptors.
 * Returns 1 = done, 0 = orderly EOF before any byte, -1 = error (message in s->err). */
static int recv_exact(struct vu_server *s, void *buf, size_t len, struct vu_msg *m, bool with_fds)
{
        size_t done = 0;
        while (done < len) {
                union {
                        char buf[CMSG_SPACE(VU_MAX_FDS * sizeof(int))];
                        struct cmsghdr align;
                } control;
                struct iovec iov = { .iov_base = (uint8_t *)buf + done, .iov_len = len - done };
                struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
                if (with_fds && done == 0) {
                        mh.msg_control = control.buf;
                        mh.msg_controllen = sizeof(control.buf);
                }
                ssize_t n = recvmsg(s->conn_fd, &mh, MSG_CMSG_CLOEXEC);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n == 0 && done == 0 && with_fds)
                        return 0;
                if (n <= 0)
                        return fail(s, "connection lost in the middle of a message (%s)",
                                    n == 0 ? "end of stream" : strerror(errno));
                for (struct cmsghdr *c = mh.msg_controllen ? CMSG_FIRSTHDR(&mh) : NULL; c != NULL;
                     c = CMSG_NXTHDR(&mh, c)) {
                        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
                                continue;
                        size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                        for (size_t i = 0; i < count; i++) {
                                int fd;
                                memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
                                if (m->fd_count < VU_MAX_FDS)
                                        m->fds[m->fd_count++] = fd;
                                else
                                        close(fd);
                        }
                }
                if (mh.msg_flags & MSG_CTRUNC)
                        return fail(s, "more than %u file descriptors with one message",
                                    VU_MAX_FDS);
                done += (size_t)n;
        }
        return 1;
}

static int recv_msg(struct vu_server *s, struct vu_msg *m)
{
        uint32_t hdr[3];
        memset(m, 0, sizeof(*m));
        int rc = recv_exact(s, hdr, sizeof(hdr), m, true);
        if (rc <= 0)
                return rc;
        m->request = hdr[0];
        m->flags = hdr[1];
        m->size = hdr[2];
        if ((m->flags & VU_VERSION_MASK) != VU_VERSION || (m->flags & VU_FLAG_REPLY))
                return fail(s, "%s: header flags 0x%x (version 1 request expected)",
                            request_name(m->request), m->flags);
        if (m->size > sizeof(m->payload))
                return fail(s, "%s: payload of %u bytes (at most %zu)", request_name(m->request),
                            m->size, sizeof(m->payload));
        if (m->size > 0 && recv_exact(s, m->payload.bytes, m->size, m, false) < 0)
                return -1;
        return 1;
}

/* Payload size and descriptor count the request type demands. */
static int check_shape(struct vu_server *s, const struct vu_msg *m)
{
        uint32_t want_size = 0;
        unsigned want_fds = 0;
        switch (m->request) {
        case VU_GET_FEATURES:
        case VU_GET_PROTOCOL_FEATURES:
        case VU_GET_QUEUE_NUM:
        case VU_SET_OWNER:
        case VU_RESET_OWNER:
                break;
        case VU_SET_FEATURES:
        case VU_SET_PROTOCOL_FEATURES:
                want_size = sizeof(uint64_t);
                break;
        case VU_SET_VRING_KICK:
        case VU_SET_VRING_CALL:
        case VU_SET_VRING_ERR:
                want_size = sizeof(uint64_t);
                if (m->size == want_size)
                        want_fds = (m->payload.u64 & VU_VRING_NOFD_MASK) ? 0u : 1u;
                break;
        case VU_SET_VRING_NUM:
        case VU_SET_VRING_BASE:
        case VU_GET_VRING_BASE:
        case VU_SET_VRING_ENABLE:
                want_size = sizeof(struct vu_vring_state);
                break;
        case VU_SET_VRING_ADDR:
                want_size = sizeof(struct vu_vring_addr);
                break;
        case VU_SET_MEM_TABLE:
                if (m->size < 8u)
                        return fail(s, "SET_MEM_TABLE: payload of %u bytes", m->size);
                if (m->payload.mem.nregions == 0 || m->payload.mem.nregions > VU_MAX_MEM_REGIONS)
                        return fail(s, "SET_MEM_TABLE: %u regions (1..%u allowed)",
                                    m->payload.mem.nregions, VU_MAX_MEM_REGIONS);
                want_size =
                    8u + m->payload.mem.nregions * (uint32_t)sizeof(struct vu_mem_region_msg);
                want_fds = m->payload.mem.nregions;
                break;
        case VU_GET_CONFIG:
        case VU_SET_CONFIG:
                if (m->size < VU_CONFIG_HDR_SIZE || m->payload.config.size > VU_CONFIG_SPACE)
                        return fail(s, "%s: malformed (payload %u bytes)", request_name(m->request),
                                    m->size);
                want_size = VU_CONFIG_HDR_SIZE + m->payload.config.size;
                break;
        default:
                return fail(s, "request %u not supported", m->request);
        }
        if (m->size != want_size)
                return fail(s, "%s: payload of %u bytes, expected %u", request_name(m->request),
                            m->size, want_size);
        if (m->fd_count != want_fds)
                return fail(s, "%s: %u file descriptors, expected %u", request_name(m->request),
                            m->fd_count, want_fds);
        return 0;
}

/* ---- request handlers ---------------------------------------------------------------------- */

static int queue_index(struct vu_server *s, const struct vu_msg *m, uint64_t raw,
                       struct vu_queue **q)
{
        if (raw >= s->dev->queue_count)
                return fail(s, "%s: queue index %llu (device has %u)", request_name(m->request),
                            (unsigned long long)raw, s->dev->queue_count);
        *q = &s->queues[raw];
        return 0;
}

static int any_queue_started(const struct vu_server *s)
{
        for (unsigned i = 0; i < s->dev->queue_count; i++)
                if (s->queues[i].started)
                        return (int)i;
        return -1;
}

static int handle_set_features(struct vu_server *s, uint64_t f)
{
        /* QEMU's vhost-user-rng passes the guest's acknowledged transport bits through without
         * masking them with GET_FEATURES (seen with 7.2: INDIRECT_DESC and EVENT_IDX); we offer
         * both, so an exact subset check holds for blk and rng alike. */
        uint64_t offered = s->dev->features | VU_F_PROTOCOL_FEATURES;
        if (f & ~offered)
                return fail(s, "SET_FEATURES 0x%llx: bits 0x%llx were not offered",
                            (unsigned long long)f, (unsigned long long)(f & ~offered));
        if ((f & VQ_F_RING_PACKED) && !(f & VQ_F_VERSION_1))
                return fail(s, "SET_FEATURES: RING_PACKED without VERSION_1");
        int running = any_queue_started(s);
        if (running >= 0 && f != s->features)
                return fail(s, "SET_FEATURES: features changed while queue %d runs", running);
        s->features = f;
        if (s->dev->set_features != NULL)
                s->dev->set_features(s->dev->ctx, f);
        return 0;
}

static int handle_mem_table(struct vu_server *s, const struct vu_msg *m)
{
        uint32_t positions[VU_MAX_QUEUES];
        for (unsigned i = 0; i < s->dev->queue_count; i++)
                if (s->queues[i].started)
                        positions[i] = queue_position(&s->queues[i].vq, packed_negotiated(s));
        char err[200];
        if (vu_mem_map(&s->mem, &m->payload.mem, m->fds, m->fd_count, err, sizeof(err)) != 0)
                return fail(s, "SET_MEM_TABLE: %s", err);
        /* Running rings now point into the old mappings: rebuild them at their position. */
        for (unsigned i = 0; i < s->dev->queue_count; i++) {
                struct vu_queue *q = &s->queues[i];
                if (q->started && queue_init_at(s, q, (uint16_t)i, positions[i]) != 0)
                        return -1;
        }
        return 0;
}

static int handle_vring_num(struct vu_server *s, const struct vu_msg *m, struct vu_queue *q)
{
        uint32_t num = m->payload.state.num;
        if (q->started)
                return fail(s, "SET_VRING_NUM: queue %u is running", m->payload.state.index);
        if (num == 0 || num > VQ_MAX_SIZE)
                return fail(s, "SET_VRING_NUM: size %u (1..%u allowed)", num, VQ_MAX_SIZE);
        if (!packed_negotiated(s) && (num & (num - 1u)) != 0)
                return fail(s, "SET_VRING_NUM: split ring size %u is not a power of 2", num);
        q->num = (uint16_t)num;
        q->addr_set = false; /* the areas' sizes depend on num */
        return 0;
}

static int translate_area(struct vu_server *s, const char *what, uint64_t uva, size_t bytes,
                          uint64_t *gpa)
{
        if (vu_mem_uva_to_gpa(&s->mem, uva, bytes, gpa) != 0)
                return fail(s,
                            "SET_VRING_ADDR: %s at user address 0x%llx (+%zu bytes) is outside "
                            "the memory table",
                            what, (unsigned long long)uva, bytes);
        return 0;
}

static int handle_vring_addr(struct vu_server *s, const struct vu_vring_addr *a, struct vu_queue *q)
{
        if (q->started)
                return fail(s, "SET_VRING_ADDR: queue %u is running", a->index);
        if (a->flags & ~(uint32_t)VU_VRING_F_LOG)
                return fail(s, "SET_VRING_ADDR: unknown flags 0x%x", a->flags);
        if (a->flags & VU_VRING_F_LOG)
                return fail(s, "SET_VRING_ADDR: logging requested but LOG_ALL not offered");
        if (q->num == 0)
                return fail(s, "SET_VRING_ADDR: queue %u has no size yet", a->index);
        if (s->mem.count == 0)
                return fail(s, "SET_VRING_ADDR: no memory table yet");
        bool packed = packed_negotiated(s);
        struct vq_layout l;
        /* Split: desc, avail (driver area), used (device area); packed: desc ring, driver and
         * device event suppression areas, in the same three fields. */
        if (translate_area(s, "descriptor area", a->desc_user_addr, vq_desc_bytes(q->num),
                           &l.desc_gpa) != 0 ||
            translate_area(s, "driver area", a->avail_user_addr,
                           vq_driver_area_bytes(packed, q->num), &l.driver_gpa) != 0 ||
            translate_area(s, "device area", a->used_user_addr,
                           vq_device_area_bytes(packed, q->num), &l.device_gpa) != 0)
                return -1;
        /* Let the library check alignment and translation now, not at the first kick. */
        struct vq_config cfg = { .size = q->num,
                                 .index = (uint16_t)a->index,
                                 .features = s->features,
                                 .layout = l,
                                 .port = &s->mem.port };
        struct vq_dev_slot *probe_slots = calloc(q->num, sizeof(*probe_slots));
        if (probe_slots == NULL)
                return fail(s, "out of memory");
        struct vq_device probe;
        int rc = vq_dev_init(&probe, &cfg, probe_slots);
        free(probe_slots);
        if (rc != 0)
                return fail(s, "SET_VRING_ADDR: queue %u rings rejected: %s", a->index,
                            vq_strerror(rc));
        q->layout = l;
        q->addr_set = true;
        return 0;
}

static int handle_vring_kick(struct vu_server *s, struct vu_msg *m, struct vu_queue *q,
                             uint16_t index)
{
        if (m->fd_count == 0)
                return fail(s, "SET_VRING_KICK: polling mode (no descriptor) not supported");
        if (!q->addr_set || q->num == 0 || s->mem.count == 0)
                return fail(s, "SET_VRING_KICK: queue %u not configured (size, addresses, memory)",
                            index);
        queue_stop(s, q);
        if (queue_init_at(s, q, index, q->base) != 0)
                return -1;
        q->kick_fd = m->fds[0];
        m->fds[0] = -1; /* owned by the queue now */
        int fl = fcntl(q->kick_fd, F_GETFL);
        if (fl >= 0)
                fcntl(q->kick_fd, F_SETFL, fl | O_NONBLOCK);
        if (epoll_tag(s, EPOLL_CTL_ADD, q->kick_fd, TAG_KICK + index) != 0)
                return fail(s, "SET_VRING_KICK: epoll: %s", strerror(errno));
        q->started = true;
        /* Without protocol features a ring runs as soon as it starts (vhost-user ring states). */
        if (!(s->features & VU_F_PROTOCOL_FEATURES))
                q->enabled = true;
        return 0;
}

static int handle_get_config(struct vu_server *s, const struct vu_config_msg *c)
{
        if (!(s->protocol_features & VU_PROTOCOL_F_CONFIG))
                return fail(s, "GET_CONFIG without the CONFIG protocol feature");
        if (c->offset > VU_CONFIG_SPACE || c->size > VU_CONFIG_SPACE - c->offset)
                return fail(s, "GET_CONFIG: offset %u + size %u beyond %u", c->offset, c->size,
                            VU_CONFIG_SPACE);
        /* Bytes past the device's fields read as 0 (QEMU asks for its own struct size). */
        uint8_t space[VU_CONFIG_SPACE] = { 0 };
        s->dev->read_config(s->dev->ctx, space);
        struct vu_config_msg out = { .offset = c->offset, .size = c->size, .flags = c->flags };
        memcpy(out.region, space + c->offset, c->size);
        return send_reply(s, VU_GET_CONFIG, &out, VU_CONFIG_HDR_SIZE + c->size);
}

static int handle_set_config(struct vu_server *s, const struct vu_config_msg *c)
{
        if (!(s->protocol_features & VU_PROTOCOL_F_CONFIG))
                return fail(s, "SET_CONFIG without the CONFIG protocol feature");
        if (c->offset > s->dev->config_size || c->size > s->dev->config_size - c->offset)
                return fail(s, "SET_CONFIG: offset %u + size %u beyond %u", c->offset, c->size,
                            s->dev->config_size);
        char err[160];
        if (s->dev->write_config(s->dev->ctx, c->offset, c->region, c->size, err, sizeof(err)))
                return fail(s, "SET_CONFIG: %s", err);
        return 0;
}

static int handle_vring_fd(struct vu_server *s, const struct vu_msg *m, struct vu_queue **q)
{
        if (m->payload.u64 & ~(VU_VRING_IDX_MASK | VU_VRING_NOFD_MASK))
                return fail(s, "%s: reserved bits in 0x%llx", request_name(m->request),
                            (unsigned long long)m->payload.u64);
        return queue_index(s, m, m->payload.u64 & VU_VRING_IDX_MASK, q);
}

/* Handle one well-shaped message. Returns 0 (done, *replied says whether a reply was sent) or
 * -1 with s->err set. */
static int dispatch(struct vu_server *s, struct vu_msg *m, bool *replied)
{
        struct vu_queue *q = NULL;
        uint64_t v = m->payload.u64;
        *replied = false;
        switch (m->request) {
        case VU_GET_FEATURES:
                *replied = true;
                return reply_u64(s, m->request, s->dev->features | VU_F_PROTOCOL_FEATURES);
        case VU_SET_FEATURES:
                return handle_set_features(s, v);
        case VU_GET_PROTOCOL_FEATURES:
                *replied = true;
                return reply_u64(s, m->request, s->dev->protocol_features);
        case VU_SET_PROTOCOL_FEATURES:
                if (v & ~s->dev->protocol_features)
                        return fail(s, "SET_PROTOCOL_FEATURES: bits 0x%llx were not offered",
                                    (unsigned long long)(v & ~s->dev->protocol_features));
                s->protocol_features = v;
                return 0;
        case VU_SET_OWNER:
                return 0;
        case VU_RESET_OWNER:
                connection_reset(s);
                return 0;
        case VU_GET_QUEUE_NUM:
                *replied = true;
                return reply_u64(s, m->request, s->dev->queue_count);
        case VU_SET_MEM_TABLE:
                return handle_mem_table(s, m);
        case VU_SET_VRING_NUM:
                if (queue_index(s, m, m->payload.state.index, &q) != 0)
                        return -1;
                return handle_vring_num(s, m, q);
        case VU_SET_VRING_ADDR:
                if (queue_index(s, m, m->payload.addr.index, &q) != 0)
                        return -1;
                return handle_vring_addr(s, &m->payload.addr, q);
        case VU_SET_VRING_BASE:
                if (queue_index(s, m, m->payload.state.index, &q) != 0)
                        return -1;
                if (q->started)
                        return fail(s, "SET_VRING_BASE: queue %u is running",
                                    m->payload.state.index);
                if (!packed_negotiated(s) && m->payload.state.num > 0xffffu)
                        return fail(s, "SET_VRING_BASE: split base 0x%x over 16 bits",
                                    m->payload.state.num);
                q->base = m->payload.state.num;
                return 0;
        case VU_GET_VRING_BASE: {
                if (queue_index(s, m, m->payload.state.index, &q) != 0)
                        return -1;
                struct vu_vring_state st = { .index = m->payload.state.index, .num = q->base };
                if (q->started) {
                        st.num = queue_position(&q->vq, packed_negotiated(s));
                        q->base = st.num;
                }
                queue_stop(s, q); /* GET_VRING_BASE stops the ring */
                *replied = true;
                return send_reply(s, m->request, &st, sizeof(st));
        }
        case VU_SET_VRING_KICK:
                if (handle_vring_fd(s, m, &q) != 0)
                        return -1;
                return handle_vring_kick(s, m, q, (uint16_t)(v & VU_VRING_IDX_MASK));
        case VU_SET_VRING_CALL:
        case VU_SET_VRING_ERR:
                if (handle_vring_fd(s, m, &q) != 0)
                        return -1;
                {
                        /* May be re-sent while the ring runs (QEMU swaps masked notifiers). */
                        int *slot = m->request == VU_SET_VRING_CALL ? &q->call_fd : &q->err_fd;
                        close_fd(slot);
                        if (m->fd_count == 1) {
                                *slot = m->fds[0];
                                m->fds[0] = -1; /* owned by the queue now */
                        }
                }
                return 0;
        case VU_SET_VRING_ENABLE:
                if (queue_index(s, m, m->payload.state.index, &q) != 0)
                        return -1;
                if (!(s->features & VU_F_PROTOCOL_FEATURES))
                        return fail(s, "SET_VRING_ENABLE without VHOST_USER_F_PROTOCOL_FEATURES");
                if (m->payload.state.num > 1)
                        return fail(s, "SET_VRING_ENABLE: value %u", m->payload.state.num);
                q->enabled = m->payload.state.num == 1;
                return 0;
        case VU_GET_CONFIG:
                *replied = true;
                return handle_get_config(s, &m->payload.config);
        case VU_SET_CONFIG:
                return handle_set_config(s, &m->payload.config);
        default:
                return fail(s, "request %u not supported", m->request);
        }
}

static void reject(struct vu_server *s, const struct vu_msg *m, bool have_msg)
{
        fprintf(stderr,
                "mosaic-vhost-user: rejected %s (size %u, %u fds): %s; closing connection\n",
                have_msg ? request_name(m->request) : "message", have_msg ? m->size : 0,
                have_msg ? m->fd_count : 0, s->err);
        if (have_msg && (m->flags & VU_FLAG_NEED_REPLY) &&
            (s->protocol_features & VU_PROTOCOL_F_REPLY_ACK))
                reply_u64(s, m->request, 1);
}

static void connection_readable(struct vu_server *s)
{
        struct vu_msg m;
        int rc = recv_msg(s, &m);
        if (rc == 0) {
                close_msg_fds(&m);
                connection_close(s);
                return;
        }
        if (rc < 0 || check_shape(s, &m) != 0) {
                reject(s, &m, rc > 0);
                close_msg_fds(&m);
                connection_close(s);
                return;
        }
        if (s->opt->verbose)
                fprintf(stderr, "mosaic-vhost-user: %s flags 0x%x size %u fds %u payload0 0x%llx\n",
                        request_name(m.request), m.flags, m.size, m.fd_count,
                        (unsigned long long)m.payload.u64);
        bool replied = false;
        if (dispatch(s, &m, &replied) != 0) {
                reject(s, &m, true);
                close_msg_fds(&m);
                connection_close(s);
                return;
        }
        close_msg_fds(&m); /* those a handler kept are -1 */
        if (!replied && (m.flags & VU_FLAG_NEED_REPLY) &&
            (s->protocol_features & VU_PROTOCOL_F_REPLY_ACK) && reply_u64(s, m.request, 0) != 0) {
                reject(s, &m, true);
                connection_close(s);
                return;
        }
        /* An enabled ring that already ran may hold buffers that arrived while disabled. */
        if (m.request == VU_SET_VRING_ENABLE)
                queue_process(s, &s->queues[m.payload.state.index],
                              (uint16_t)m.payload.state.index);
}

/* ---- event loop ---------------------------------------------------------------------------- */

static void accept_connection(struct vu_server *s)
{
        int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
                fprintf(stderr, "mosaic-vhost-user: accept: %s\n", strerror(errno));
                return;
        }
        struct timeval tv = { .tv_sec = VU_RECV_TIMEOUT_S };
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        s->conn_fd = fd;
        connection_reset(s);
        /* One front-end at a time: further connections wait in the backlog. */
        epoll_tag(s, EPOLL_CTL_DEL, s->listen_fd, 0);
        epoll_tag(s, EPOLL_CTL_ADD, fd, TAG_CONN);
        fprintf(stderr, "mosaic-vhost-user: front-end connected\n");
}

static void kick_readable(struct vu_server *s, uint16_t index)
{
        struct vu_queue *q = &s->queues[index];
        uint64_t count;
        if (q->kick_fd < 0)
                return;
        while (read(q->kick_fd, &count, sizeof(count)) == (ssize_t)sizeof(count))
                ;
        q->kicked = true; /* the back-end starts a ring upon its first kick */
        queue_process(s, q, index);
}

/* The socket appears at `path` only once it listens: it is bound under a temporary name and
 * renamed, so a front-end that waits for the path never meets a bound socket that still
 * refuses connections. */
static int open_listener(struct vu_server *s, const char *path)
{
        struct sockaddr_un addr = { .sun_family = AF_UNIX };
        int n = snprintf(addr.sun_path, sizeof(addr.sun_path), "%s.%ld.tmp", path, (long)getpid());
        if (n < 0 || (size_t)n >= sizeof(addr.sun_path)) {
                fprintf(stderr, "mosaic-vhost-user: socket path too long: %s\n", path);
                return -1;
        }
        s->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        unlink(addr.sun_path);
        if (s->listen_fd < 0 || bind(s->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
            listen(s->listen_fd, 4) != 0 || rename(addr.sun_path, path) != 0) {
                fprintf(stderr, "mosaic-vhost-user: cannot listen on %s: %s\n", path,
                        strerror(errno));
                unlink(addr.sun_path);
                return -1;
        }
        return 0;
}

static int open_signals(struct vu_server *s)
{
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGTERM);
        if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
                return -1;
        s->signal_fd = signalfd(-1, &set, SFD_CLOEXEC);
        return s->signal_fd < 0 ? -1 : 0;
}

int vu_server_run(const struct vu_server_options *opt, struct vu_device *dev)
{
        struct vu_server *s = calloc(1, sizeof(*s));
        if (s == NULL)
                return -1;
        s->opt = opt;
        s->dev = dev;
        s->conn_fd = s->listen_fd = s->signal_fd = -1;
        vu_mem_init(&s->mem);
        for (unsigned i = 0; i < VU_MAX_QUEUES; i++)
                s->queues[i].kick_fd = s->queues[i].call_fd = s->queues[i].err_fd = -1;
        int rc = -1;
        s->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
        if (dev->queue_count == 0 || dev->queue_count > VU_MAX_QUEUES || s->epoll_fd < 0 ||
            open_signals(s) != 0 || open_listener(s, opt->socket_path) != 0 ||
            epoll_tag(s, EPOLL_CTL_ADD, s->signal_fd, TAG_SIGNAL) != 0 ||
            epoll_tag(s, EPOLL_CTL_ADD, s->listen_fd, TAG_LISTEN) != 0)
                goto out;
        fprintf(stderr, "mosaic-vhost-user: %s listening on %s\n", dev->name, opt->socket_path);
        for (bool running = true; running;) {
                struct epoll_event ev[8];
                int n = epoll_wait(s->epoll_fd, ev, 8, -1);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        fprintf(stderr, "mosaic-vhost-user: epoll_wait: %s\n", strerror(errno));
                        goto out;
                }
                for (int i = 0; i < n && running; i++) {
                        uint64_t tag = ev[i].data.u64;
                        if (tag == TAG_SIGNAL) {
                                struct signalfd_siginfo si;
                                if (read(s->signal_fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
                                        fprintf(stderr,
                                                "mosaic-vhost-user: signal %u, "
                                                "shutting down\n",
                                                si.ssi_signo);
                                running = false;
                        } else if (tag == TAG_LISTEN && s->conn_fd < 0) {
                                accept_connection(s);
                        } else if (tag == TAG_CONN && s->conn_fd >= 0) {
                                connection_readable(s);
                        } else if (tag >= TAG_KICK && tag < TAG_KICK + VU_MAX_QUEUES) {
                                kick_readable(s, (uint16_t)(tag - TAG_KICK));
                        }
                }
        }
        rc = 0;
out:
        connection_close(s);
        connection_reset(s);
        if (s->listen_fd >= 0) {
                close(s->listen_fd);
                unlink(opt->socket_path);
        }
        close_fd(&s->signal_fd);
        close_fd(&s->epoll_fd);
        fprintf(stderr, "mosaic-vhost-user: %llu requests served\n",
                (unsigned long long)dev->requests);
        free(s);
        return rc;
}
