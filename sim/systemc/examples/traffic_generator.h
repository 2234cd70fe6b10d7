/*
 * traffic_generator: a DMA-like master written in plain SystemC/TLM-2.0 (no mosaic code), for
 * the examples and tests that make it join a mosaic scenario (tlm_scenario.h). C++ only.
 *
 * One SC_THREAD issues blocking transactions (b_transport) of `bytes` bytes, one at a time, on a
 * simple_initiator_socket, from `start` (SystemC time) until `stop`: no transaction begins at or
 * after `stop`; one in flight then completes. Pattern: copy (alternately a read of the source
 * buffer and a write of the same offset of the destination buffer, like a memory-to-memory DMA),
 * read or write only. The offset advances by `bytes` after each read-and-write pair (copy) or
 * transaction, wrapping at `buffer_bytes`, so transactions stay `bytes`-aligned when the buffers
 * are. Rate: with transfers_per_us > 0, transaction k begins at start + k * interval
 * (interval = 10^6 / transfers_per_us ps, rounded) or when transaction k - 1 returns, whichever is
 * later; with 0, back to back. The generator stops at its first error response (so a target that
 * fails at once cannot spin it at one instant). Inactive (`active` false): bound, issuing nothing.
 *
 * The payload's data pointer is a buffer of the generator's (mosaic's bridge times transactions
 * and moves no data). Counts what completed: transactions, bytes, errors, the sum and maximum of
 * the time each b_transport took.
 */
#ifndef MOSAIC_SIM_SYSTEMC_EXAMPLES_TRAFFIC_GENERATOR_H
#define MOSAIC_SIM_SYSTEMC_EXAMPLES_TRAFFIC_GENERATOR_H

#ifndef __cplusplus
#error "traffic_generator.h is C++"
#endif

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include <cmath>
#include <cstdint>
#include <vector>

enum class traffic_pattern { copy, read, write };

struct traffic_config {
        bool active = true;
        uint32_t bytes = 64;           /* per transaction, > 0 */
        double transfers_per_us = 0.0; /* transactions per microsecond; 0: back to back */
        traffic_pattern pattern = traffic_pattern::copy;
        sc_core::sc_time start = sc_core::SC_ZERO_TIME;
        sc_core::sc_time stop = sc_core::sc_max_time();
        uint64_t source = 1ULL << 30;                        /* 1 GiB */
        uint64_t destination = (1ULL << 30) + (64ULL << 20); /* 1 GiB + 64 MiB */
        uint64_t buffer_bytes = 1ULL << 20;                  /* a multiple of bytes */
};

struct traffic_stats {
        uint64_t transactions = 0; /* completed, errors included */
        uint64_t reads = 0, writes = 0;
        uint64_t bytes = 0; /* of successful transactions */
        uint64_t errors = 0;
        uint64_t latency_ps = 0; /* sum of the b_transport times */
        uint64_t max_latency_ps = 0;
};

class traffic_generator : public sc_core::sc_module
{
      public:
        tlm_utils::simple_initiator_socket<traffic_generator> socket;

        SC_HAS_PROCESS(traffic_generator);

        traffic_generator(sc_core::sc_module_name name, const traffic_config &config)
            : sc_core::sc_module(name), socket("socket"), config_(config),
              data_(config.bytes > 0 ? config.bytes : 1),
              interval_ps_(config.transfers_per_us > 0.0
                               ? static_cast<uint64_t>(std::llround(1e6 / config.transfers_per_us))
                               : 0)
        {
                SC_THREAD(run);
        }

        const traffic_config &config() const
        {
                return config_;
        }
        const traffic_stats &stats() const
        {
                return stats_;
        }

      private:
        traffic_config config_;
        traffic_stats stats_;
        std::vector<unsigned char> data_;
        uint64_t interval_ps_; /* 0: back to back */

        /* One blocking transaction; false on an error response. */
        bool transfer(tlm::tlm_command command, uint64_t address)
        {
                tlm::tlm_generic_payload payload;
                sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
                sc_core::sc_time began = sc_core::sc_time_stamp();

                payload.set_command(command);
                payload.set_address(address);
                payload.set_data_ptr(data_.data());
                payload.set_data_length(config_.bytes);
                payload.set_streaming_width(config_.bytes);
                payload.set_byte_enable_ptr(nullptr);
                payload.set_dmi_allowed(false);
                payload.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
                socket->b_transport(payload, delay);
                if (delay > sc_core::SC_ZERO_TIME)
                        wait(delay); /* an LT target's annotation: the transaction ends then */
                uint64_t latency = (sc_core::sc_time_stamp() - began).value();
                stats_.transactions++;
                stats_.latency_ps += latency;
                stats_.max_latency_ps =
                    latency > stats_.max_latency_ps ? latency : stats_.max_latency_ps;
                if (payload.is_response_error()) {
                        stats_.errors++;
                        return false;
                }
                stats_.bytes += config_.bytes;
                (command == tlm::TLM_READ_COMMAND ? stats_.reads : stats_.writes)++;
                return true;
        }

        /* Wait for transaction k's slot (rate-limited) and say whether it may begin. */
        bool slot(uint64_t k)
        {
                if (interval_ps_ > 0) {
                        sc_core::sc_time at =
                            config_.start + sc_core::sc_time::from_value(interval_ps_ * k);
                        if (at >= config_.stop)
                                return false;
                        if (at > sc_core::sc_time_stamp())
                                wait(at - sc_core::sc_time_stamp());
                }
                return sc_core::sc_time_stamp() < config_.stop;
        }

        void run()
        {
                if (!config_.active || config_.bytes == 0 || config_.buffer_bytes < config_.bytes)
                        return;
                if (config_.start > sc_core::sc_time_stamp())
                        wait(config_.start - sc_core::sc_time_stamp());
                uint64_t offset = 0;
                for (uint64_t k = 0; slot(k); k++) {
                        bool ok;
                        if (config_.pattern == traffic_pattern::write) {
                                ok = transfer(tlm::TLM_WRITE_COMMAND, config_.destination + offset);
                        } else if (config_.pattern == traffic_pattern::read || k % 2 == 0) {
                                ok = transfer(tlm::TLM_READ_COMMAND, config_.source + offset);
                        } else {
                                ok = transfer(tlm::TLM_WRITE_COMMAND, config_.destination + offset);
                        }
                        if (!ok)
                                return;
                        /* copy: advance after the write of each pair */
                        if (config_.pattern != traffic_pattern::copy || k % 2 == 1)
                                offset = (offset + config_.bytes) % config_.buffer_bytes;
                }
        }
};

#endif
