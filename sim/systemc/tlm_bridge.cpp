/*
 * tlm_bridge: TLM-2.0 blocking transport in and out of mosaic's memory ports (tlm_bridge.h).
 *
 * Target direction: b_transport (in the initiator's SC_THREAD) consumes the annotated delay,
 * syncs the kernel to SystemC time, submits a mem_request (or one per piece, with a maximum
 * request size) held in a pooled slot and waits on the slot's sc_event until the done callback (a
 * mosaic event, dispatched by the backend's SC_METHOD at the completion time) notifies it; the
 * pieces of one transaction are chained through their slots, so nothing is allocated per call.
 *
 * Initiator direction: submit hands the request to an idle worker thread (spawned when none is
 * idle) through a delta notification, so b_transport runs at SystemC's time of the submission;
 * the worker then schedules the completion as a kernel event at return time + annotated delay.
 * The worker stays reserved until that event has run.
 */
#define SC_INCLUDE_DYNAMIC_PROCESSES
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <algorithm>
#include <cerrno>
#include <limits>
#include <memory>
#include <new>
#include <vector>

#include "sim/systemc/sim_systemc.h"
#include "sim/systemc/tlm_bridge.h"
#include "sim/systemc/tlm_bridge_port.h"
#include "sim/systemc/tlm_bridge_sc.h"

namespace
{

/* Kernel time of SystemC time `t` for a kernel whose time 0 is SystemC's `origin_ps`. */
sim_time_t kernel_time(struct sim *sim, const sc_core::sc_time &t)
{
        return t.value() - sim_systemc_origin_ps(sim);
}

void account(struct tlm_bridge_stats *stats, uint32_t bytes, sim_time_t latency, bool error)
{
        stats->transactions++;
        stats->errors += error ? 1 : 0;
        stats->bytes += bytes;
        stats->latency_ps += latency;
        if (latency > stats->max_latency_ps)
                stats->max_latency_ps = latency;
}

} // namespace

/* ---- SystemC initiator -> mosaic port ---- */

struct tlm_bridge_target : sc_core::sc_module {
        struct slot {
                struct mem_request *req = nullptr; /* layout known only to the C half */
                sc_core::sc_event done_event;
                tlm_bridge_target *owner = nullptr;
                slot *next = nullptr; /* the next piece of the same transaction */
                bool done = false;
                ~slot()
                {
                        tlm_bridge_request_free(req);
                }
        };

        tlm_utils::simple_target_socket<tlm_bridge_target, 32> socket;
        struct sim *sim;
        struct mem_port *port; /* a copy, owned */
        uint16_t initiator;
        uint32_t max_request = 0; /* split transactions into pieces of at most this; 0: not */
        std::vector<std::unique_ptr<slot>> slots;
        std::vector<slot *> idle;
        uint64_t outstanding = 0;
        sc_core::sc_event any_done; /* for -EBUSY retries */
        struct tlm_bridge_stats stats = {};

        tlm_bridge_target(sc_core::sc_module_name name, struct sim *kernel, struct mem_port *p,
                          uint16_t input)
            : sc_core::sc_module(name), socket("socket"), sim(kernel), port(p), initiator(input)
        {
                socket.register_b_transport(this, &tlm_bridge_target::b_transport);
        }

        ~tlm_bridge_target() override
        {
                tlm_bridge_port_free(port);
        }

        static void on_done(struct mem_request *req, void *arg)
        {
                auto *s = static_cast<slot *>(arg);
                (void)req;
                s->done = true;
                s->owner->outstanding--;
                /* Immediate: the waiting thread resumes in this evaluation phase, at this time. */
                s->done_event.notify();
                s->owner->any_done.notify();
        }

        slot *take_slot()
        {
                if (!idle.empty()) {
                        slot *s = idle.back();
                        idle.pop_back();
                        return s;
                }
                auto s = std::make_unique<slot>();
                s->req = tlm_bridge_request_new();
                if (!s->req)
                        return nullptr;
                s->owner = this;
                idle.reserve(slots.size() + 1); /* returning a slot never allocates */
                slots.push_back(std::move(s));
                return slots.back().get();
        }

        void b_transport(tlm::tlm_generic_payload &gp, sc_core::sc_time &delay)
        {
                if (delay > sc_core::SC_ZERO_TIME) {
                        wait(delay);
                        delay = sc_core::SC_ZERO_TIME;
                }
                tlm::tlm_command cmd = gp.get_command();
                if (cmd == tlm::TLM_IGNORE_COMMAND) {
                        gp.set_response_status(tlm::TLM_OK_RESPONSE);
                        return;
                }
                unsigned int length = gp.get_data_length();
                if (length == 0) {
                        gp.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
                        account(&stats, 0, 0, true);
                        return;
                }
                sim_systemc_sync(sim);
                /* Latency counts from here, for every piece, retries included. */
                sim_time_t issue_ps = sim_now(sim);
                slot *first = nullptr;
                slot **tail = &first;
                bool error = false;
                for (uint64_t offset = 0; offset < length && !error;) {
                        uint64_t addr = gp.get_address() + offset;
                        uint64_t piece = length - offset;
                        if (max_request != 0 && piece > max_request - addr % max_request)
                                piece = max_request - addr % max_request;
                        slot *s = submit_piece(addr, static_cast<uint32_t>(piece),
                                               cmd == tlm::TLM_WRITE_COMMAND, issue_ps);
                        if (s) {
                                *tail = s;
                                tail = &s->next;
                        }
                        error = !s;
                        offset += piece;
                }
                /* Pieces already submitted complete even when a later one failed. */
                for (slot *s = first; s; s = s->next) {
                        while (!s->done)
                                wait(s->done_event);
                }
                while (first) {
                        slot *s = first;
                        first = s->next;
                        s->next = nullptr;
                        idle.push_back(s);
                }
                sim_time_t latency = kernel_time(sim, sc_core::sc_time_stamp()) - issue_ps;
                gp.set_response_status(error ? tlm::TLM_GENERIC_ERROR_RESPONSE
                                             : tlm::TLM_OK_RESPONSE);
                account(&stats, length, latency, error);
        }

        /* Submit one request (retrying on -EBUSY); its slot, or nullptr on failure. */
        slot *submit_piece(uint64_t addr, uint32_t size, bool write, sim_time_t issue_ps)
        {
                slot *s = nullptr;
                try {
                        s = take_slot();
                } catch (const std::bad_alloc &) {
                }
                if (!s)
                        return nullptr;
                struct tlm_bridge_access access = {};
                access.addr = addr;
                access.size_bytes = size;
                access.initiator = initiator;
                access.write = write;
                access.issue_ps = issue_ps;
                s->done = false;
                int rc;
                for (;;) {
                        rc = tlm_bridge_request_submit(port, s->req, &access, on_done, s);
                        if (rc != -EBUSY || outstanding == 0)
                                break;
                        wait(any_done); /* our own completion frees the input queue */
                        sim_systemc_sync(sim);
                }
                if (rc != 0) {
                        idle.push_back(s);
                        return nullptr;
                }
                outstanding++;
                return s;
        }
};

/* ---- mosaic port -> SystemC target ---- */

struct tlm_bridge_initiator : sc_core::sc_module {
        struct worker {
                tlm_bridge_initiator *owner = nullptr;
                sc_core::sc_event go;
                struct mem_request *req = nullptr;
                struct tlm_bridge_access access = {};
                sim_time_t submitted_ps = 0;
                tlm::tlm_generic_payload gp;
                std::vector<unsigned char> data;
                bool error = false;
        };

        tlm_utils::simple_initiator_socket<tlm_bridge_initiator, 32> socket;
        struct sim *sim;
        struct mem_port *port = nullptr; /* ours: submit comes back to this object */
        std::vector<std::unique_ptr<worker>> workers;
        std::vector<worker *> idle;
        struct tlm_bridge_stats stats = {};

        tlm_bridge_initiator(sc_core::sc_module_name name, struct sim *kernel)
            : sc_core::sc_module(name), socket("socket"), sim(kernel)
        {
        }

        ~tlm_bridge_initiator() override
        {
                tlm_bridge_port_free(port);
        }

        int submit(struct mem_request *req)
        {
                tlm_bridge_initiator *self = this;
                try {
                        worker *w;
                        if (!self->idle.empty()) {
                                w = self->idle.back();
                                self->idle.pop_back();
                        } else {
                                self->workers.push_back(std::make_unique<worker>());
                                w = self->workers.back().get();
                                w->owner = self;
                                sc_core::sc_spawn_options options;
                                options.dont_initialize();
                                options.set_sensitivity(&w->go);
                                sc_core::sc_spawn([w] { w->owner->serve(w); },
                                                  sc_core::sc_gen_unique_name("worker"), &options);
                        }
                        w->req = req;
                        tlm_bridge_request_read(req, &w->access);
                        w->submitted_ps = sim_now(self->sim);
                        /* A delta notification works from a callback, a process or sc_main. */
                        w->go.notify(sc_core::SC_ZERO_TIME);
                        return 0;
                } catch (const std::bad_alloc &) {
                        return -ENOMEM;
                }
        }

        static void complete(struct sim *kernel, void *arg)
        {
                auto *w = static_cast<worker *>(arg);
                tlm_bridge_initiator *self = w->owner;
                struct mem_request *req = w->req;
                account(&self->stats, w->access.size_bytes, sim_now(kernel) - w->submitted_ps,
                        w->error);
                w->req = nullptr;
                self->idle.push_back(w);
                tlm_bridge_request_complete(req);
        }

        /* A worker thread: one transaction per wake-up. */
        void serve(worker *w)
        {
                for (;;) {
                        const struct tlm_bridge_access &a = w->access;
                        if (w->data.size() < a.size_bytes)
                                w->data.resize(a.size_bytes);
                        std::fill_n(w->data.data(), a.size_bytes, 0);
                        tlm::tlm_generic_payload &gp = w->gp;
                        gp.set_command(a.write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
                        gp.set_address(a.addr);
                        gp.set_data_ptr(w->data.data());
                        gp.set_data_length(a.size_bytes);
                        gp.set_streaming_width(a.size_bytes);
                        gp.set_byte_enable_ptr(nullptr);
                        gp.set_byte_enable_length(0);
                        gp.set_dmi_allowed(false);
                        gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
                        sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
                        socket->b_transport(gp, delay);
                        w->error = gp.is_response_error();
                        sim_systemc_sync(sim);
                        sim_time_t when = kernel_time(sim, sc_core::sc_time_stamp() + delay);
                        if (when < sim_now(sim))
                                when = sim_now(sim);
                        sim_schedule_prio(sim, when, SIM_PRIO_HIGH, complete, w);
                        wait(); /* static sensitivity: the next go */
                }
        }
};

extern "C" {

int tlm_bridge_initiator_submit(void *target, struct mem_request *req)
{
        return static_cast<tlm_bridge_initiator *>(target)->submit(req);
}

struct tlm_bridge_target *tlm_bridge_target_create(const char *name, struct sim *sim,
                                                   const struct mem_port *port, uint16_t initiator)
{
        if (!sim || !sim_backend_state(sim, &sim_backend_systemc) || !port)
                return nullptr;
        struct mem_port *copy = tlm_bridge_port_dup(port);
        if (!copy)
                return nullptr;
        try {
                return new tlm_bridge_target(name, sim, copy, initiator);
        } catch (const std::bad_alloc &) {
                tlm_bridge_port_free(copy);
                return nullptr;
        }
}

void tlm_bridge_target_destroy(struct tlm_bridge_target *bridge)
{
        delete bridge;
}

void tlm_bridge_target_set_max_request(struct tlm_bridge_target *bridge, uint32_t bytes)
{
        bridge->max_request = bytes;
}

const struct tlm_bridge_stats *tlm_bridge_target_stats(const struct tlm_bridge_target *bridge)
{
        return &bridge->stats;
}

struct tlm_bridge_initiator *tlm_bridge_initiator_create(const char *name, struct sim *sim)
{
        if (!sim || !sim_backend_state(sim, &sim_backend_systemc))
                return nullptr;
        tlm_bridge_initiator *bridge;
        try {
                bridge = new tlm_bridge_initiator(name, sim);
        } catch (const std::bad_alloc &) {
                return nullptr;
        }
        bridge->port = tlm_bridge_port_new(bridge);
        if (!bridge->port) {
                delete bridge;
                return nullptr;
        }
        return bridge;
}

void tlm_bridge_initiator_destroy(struct tlm_bridge_initiator *bridge)
{
        delete bridge;
}

const struct mem_port *tlm_bridge_initiator_mem_port(const struct tlm_bridge_initiator *bridge)
{
        return bridge->port;
}

const struct tlm_bridge_stats *tlm_bridge_initiator_stats(const struct tlm_bridge_initiator *bridge)
{
        return &bridge->stats;
}

} // extern "C"

tlm::tlm_target_socket<32> &tlm_bridge_target_socket(struct tlm_bridge_target *bridge)
{
        return bridge->socket;
}

tlm::tlm_initiator_socket<32> &tlm_bridge_initiator_socket(struct tlm_bridge_initiator *bridge)
{
        return bridge->socket;
}
