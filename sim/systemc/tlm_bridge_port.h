/*
 * tlm_bridge_port: the C half of the TLM bridges (private to sim/systemc/tlm_bridge.cpp). The
 * mem_request and mem_port layouts (models/hw/mem_port.h, whose inline helpers are C only) stay
 * on this side: the C++ half holds requests and ports as opaque pointers and reads or fills
 * requests through struct tlm_bridge_access. Pure C, no allocation except where stated.
 */
#ifndef MOSAIC_SIM_SYSTEMC_TLM_BRIDGE_PORT_H
#define MOSAIC_SIM_SYSTEMC_TLM_BRIDGE_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/sim.h"

#ifdef __cplusplus
extern "C" {
#endif

struct mem_port;
struct mem_request;

struct tlm_bridge_access {
        uint64_t addr;
        uint32_t size_bytes;
        uint16_t initiator;
        bool write;
        sim_time_t issue_ps;
};

/* A zero-filled request (calloc), or NULL; freed with tlm_bridge_request_free. */
struct mem_request *tlm_bridge_request_new(void);
void tlm_bridge_request_free(struct mem_request *req);

/* Fill *req from *access (issue_ps, done and done_arg included) and submit it to *port. */
int tlm_bridge_request_submit(const struct mem_port *port, struct mem_request *req,
                              const struct tlm_bridge_access *access,
                              void (*done)(struct mem_request *req, void *arg), void *arg);
/* What a request submitted to the initiator bridge asks for. */
void tlm_bridge_request_read(const struct mem_request *req, struct tlm_bridge_access *out);
/* Run the request's completion callback. */
void tlm_bridge_request_complete(struct mem_request *req);

/* A copy of *port (malloc), or NULL; freed with tlm_bridge_port_free. */
struct mem_port *tlm_bridge_port_dup(const struct mem_port *port);
/* A port (malloc) whose submit calls tlm_bridge_initiator_submit(target, req), or NULL. */
struct mem_port *tlm_bridge_port_new(void *target);
void tlm_bridge_port_free(struct mem_port *port);

/* Defined by the C++ half: the initiator bridge's submit. */
int tlm_bridge_initiator_submit(void *target, struct mem_request *req);

#ifdef __cplusplus
}
#endif

#endif
