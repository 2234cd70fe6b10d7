/*
 * tlm_bridge_port: the C half of the TLM bridges; see tlm_bridge_port.h.
 */
#include "sim/systemc/tlm_bridge_port.h"

#include <stdlib.h>

#include "models/hw/mem_port.h"

struct mem_request *tlm_bridge_request_new(void)
{
        return calloc(1, sizeof(struct mem_request));
}

void tlm_bridge_request_free(struct mem_request *req)
{
        free(req);
}

int tlm_bridge_request_submit(const struct mem_port *port, struct mem_request *req,
                              const struct tlm_bridge_access *access,
                              void (*done)(struct mem_request *req, void *arg), void *arg)
{
        *req = (struct mem_request){
                .addr = access->addr,
                .size_bytes = access->size_bytes,
                .initiator = access->initiator,
                .op = access->write ? MEM_WRITE : MEM_READ,
                .issue_ps = access->issue_ps,
                .done = done,
                .done_arg = arg,
        };
        return mem_port_submit(port, req);
}

void tlm_bridge_request_read(const struct mem_request *req, struct tlm_bridge_access *out)
{
        *out = (struct tlm_bridge_access){
                .addr = req->addr,
                .size_bytes = req->size_bytes,
                .initiator = req->initiator,
                .write = req->op == MEM_WRITE,
                .issue_ps = req->issue_ps,
        };
}

void tlm_bridge_request_complete(struct mem_request *req)
{
        req->done(req, req->done_arg);
}

struct mem_port *tlm_bridge_port_dup(const struct mem_port *port)
{
        struct mem_port *copy = malloc(sizeof(*copy));

        if (copy != NULL)
                *copy = *port;
        return copy;
}

static const struct mem_port_ops tlm_bridge_initiator_ops = {
        .submit = tlm_bridge_initiator_submit,
};

struct mem_port *tlm_bridge_port_new(void *target)
{
        struct mem_port *port = malloc(sizeof(*port));

        if (port != NULL)
                *port = (struct mem_port){ .ops = &tlm_bridge_initiator_ops, .target = target };
        return port;
}

void tlm_bridge_port_free(struct mem_port *port)
{
        free(port);
}
