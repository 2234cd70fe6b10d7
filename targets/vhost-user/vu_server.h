/*
 * vu_server: the vhost-user back-end server: one UNIX socket, one front-end connection at a
 * time, an epoll loop over the listening socket, the connection, a signalfd (SIGINT/SIGTERM)
 * and the kick eventfds of running rings.
 *
 * Contract. Every message from the front-end is validated before it changes any state: header
 * version, payload size against the request type, number of descriptors, queue index, queue
 * size (power of 2 for split rings), feature bits against what was offered, memory table
 * (vu_mem.h), ring addresses (user addresses translated through the memory table, whole areas
 * inside one region, alignment), configuration ranges. A bad message is reported on stderr
 * (one line naming the request and the reason), answered with a failed REPLY_ACK when the
 * front-end asked for one, and the connection is closed; the server keeps listening and the
 * next connection starts from a clean state. Rings follow the vhost-user ring states: a ring
 * is set up when its kick descriptor arrives, starts upon the first kick, processes only while
 * enabled (SET_VRING_ENABLE when
 * protocol features were negotiated, otherwise at once), and stops on GET_VRING_BASE, which
 * returns the next available index (packed: position | wrap counter << 15). Buffers are served
 * synchronously, so no buffer is in flight when a ring stops. A ring whose driver breaks the
 * virtqueue rules is marked broken (the reason goes to stderr and the error eventfd) without
 * closing the connection.
 */
#ifndef MOSAIC_TARGETS_VHOST_USER_VU_SERVER_H
#define MOSAIC_TARGETS_VHOST_USER_VU_SERVER_H

#include <stdbool.h>

#include "targets/vhost-user/vu_device.h"

struct vu_server_options {
        const char *socket_path;
        bool verbose; /* one stderr line per message */
};

/* Serve `dev` until SIGINT or SIGTERM. Returns 0 on a clean shutdown, -1 if the socket or the
 * event loop could not be set up. */
int vu_server_run(const struct vu_server_options *opt, struct vu_device *dev);

#endif
