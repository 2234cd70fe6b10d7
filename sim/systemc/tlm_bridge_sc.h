/*
 * tlm_bridge_sc: the SystemC side of the TLM bridges (tlm_bridge.h), C++ only. Gives the sockets
 * of a bridge so SystemC code can bind them:
 *
 *     my_dma.socket.bind(tlm_bridge_target_socket(target_bridge));      // SystemC -> mosaic
 *     tlm_bridge_initiator_socket(initiator_bridge).bind(my_mem.socket); // mosaic -> SystemC
 *
 * Both are 32-bit-wide sockets of the base protocol (tlm::tlm_base_protocol_types), bound once,
 * during elaboration.
 */
#ifndef MOSAIC_SIM_SYSTEMC_TLM_BRIDGE_SC_H
#define MOSAIC_SIM_SYSTEMC_TLM_BRIDGE_SC_H

#ifndef __cplusplus
#error "tlm_bridge_sc.h is C++; C code uses tlm_bridge.h"
#endif

#include <tlm>

#include "sim/systemc/tlm_bridge.h"

tlm::tlm_target_socket<32> &tlm_bridge_target_socket(struct tlm_bridge_target *bridge);
tlm::tlm_initiator_socket<32> &tlm_bridge_initiator_socket(struct tlm_bridge_initiator *bridge);

#endif
