# sim/systemc: the SystemC kernel backend (C++17, Accellera SystemC 2.3.4 through pkg-config).
#
# build/lib/libmosaic-systemc.a holds the backend (backend.o), the sc_main entry (entry.o), the
# TLM-2.0 bridges (tlm_bridge.o and its C half tlm_bridge_port.o) and the scenario runner for
# SystemC masters (tlm_scenario.o, C). The `mosaic` binary links
# it after libmosaic.a; its tests, example and benchmark have their own link rules because the
# generic ones do not link SystemC. `make check` runs check-systemc, `make bench` runs
# bench-systemc.

SYSTEMC_SRCS     := $(sort $(wildcard sim/systemc/*.cpp))
SYSTEMC_C_SRCS   := $(sort $(wildcard sim/systemc/*.c)) # C halves (mem_port.h is C only)
SYSTEMC_LIB      := $(BUILD)/lib/libmosaic-systemc.a
SYSTEMC_LIB_ASAN := $(BUILD)/asan/lib/libmosaic-systemc.a
SYSTEMC_TEST     := $(BUILD)/tests/unit/test_sim_systemc
SYSTEMC_TEST_ASAN := $(BUILD)/asan/tests/unit/test_sim_systemc
SYSTEMC_EMBED_TEST := $(BUILD)/tests/unit/test_sim_systemc_embed
SYSTEMC_BENCH    := $(BUILD)/tests/bench/bench_systemc
SYSTEMC_TLM_TEST := $(BUILD)/tests/unit/test_tlm_bridge
SYSTEMC_SCENARIO_TEST := $(BUILD)/tests/unit/test_tlm_scenario
SYSTEMC_FORMAT_FILES := $(sort $(wildcard sim/systemc/*.cpp sim/systemc/*.[ch] tests/*/*.cpp \
                          sim/systemc/examples/*.[ch] sim/systemc/examples/*.cpp))

SYSTEMC_CXX_WARN := -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wformat=2 \
            -Wundef -Wpointer-arith -Wcast-qual -Wnull-dereference -Wdouble-promotion \
            -Wmissing-declarations -Wold-style-cast
SYSTEMC_CFLAGS = $(shell pkg-config --cflags systemc 2>/dev/null)
SYSTEMC_LIBS   = $(shell pkg-config --libs systemc 2>/dev/null) -lstdc++
SYSTEMC_CXXFLAGS = -std=c++17 $(SYSTEMC_CXX_WARN) $(WERROR_FLAG) $(CFLAGS) -MMD -MP

$(BUILD)/obj/%.o: %.cpp
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CXX     $<")
	$(Q)$(CXX) $(CPPFLAGS) $(SYSTEMC_CFLAGS) $(SYSTEMC_CXXFLAGS) -c $< -o $@

$(BUILD)/asan/%.o: %.cpp
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CXX-SAN $<")
	$(Q)$(CXX) $(CPPFLAGS) $(SYSTEMC_CFLAGS) $(SYSTEMC_CXXFLAGS) -O1 $(SAN_FLAGS) -c $< -o $@

$(SYSTEMC_LIB): $(call obj,$(SYSTEMC_SRCS:.cpp=.c) $(SYSTEMC_C_SRCS))
$(SYSTEMC_LIB_ASAN): $(call asanobj,$(SYSTEMC_SRCS:.cpp=.c) $(SYSTEMC_C_SRCS))

# The mosaic binary: `--kernel systemc` needs the backend, linked before libmosaic.a.
MOSAIC_EXTRA_LIBS += $(SYSTEMC_LIB)
MOSAIC_EXTRA_LDLIBS += $(SYSTEMC_LIBS)

# tests/unit/test_sim_systemc.c is picked up by the generic unit-test rules; these explicit
# rules take precedence and add SystemC.
$(SYSTEMC_TEST): $(BUILD)/obj/tests/unit/test_sim_systemc.o $(SYSTEMC_LIB) $(MOSAIC_LIB) \
                 $(VIRTIO_LIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(SYSTEMC_LIB) $(MOSAIC_LIB) $(VIRTIO_LIB) $(CHECK_LIBS) \
		$(PKG_LIBS) $(SYSTEMC_LIBS)

$(SYSTEMC_TEST_ASAN): $(BUILD)/asan/tests/unit/test_sim_systemc.o $(SYSTEMC_LIB_ASAN) \
                      $(MOSAIC_LIB_ASAN) $(VIRTIO_LIB_ASAN)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD-SAN  $@")
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) -o $@ $< $(SYSTEMC_LIB_ASAN) $(MOSAIC_LIB_ASAN) \
		$(VIRTIO_LIB_ASAN) $(CHECK_LIBS) $(PKG_LIBS) $(SYSTEMC_LIBS)

# Embedding: the program has its own sc_main, so the backend's entry object must stay out.
$(SYSTEMC_EMBED_TEST): $(BUILD)/obj/tests/unit/test_sim_systemc_embed.o $(SYSTEMC_LIB) \
                       $(MOSAIC_LIB) $(VIRTIO_LIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CXX) $(CFLAGS) -o $@ $< $(SYSTEMC_LIB) $(MOSAIC_LIB) $(VIRTIO_LIB) $(CHECK_LIBS) \
		$(PKG_LIBS) $(SYSTEMC_LIBS)

# The TLM bridges: also its own sc_main (not built with the sanitizers, like the embedding test).
# Its mosaic side (memory systems, the victim driver) is C: tests/unit/tlm_bridge_fixture.c.
$(SYSTEMC_TLM_TEST): $(BUILD)/obj/tests/unit/test_tlm_bridge.o \
                     $(BUILD)/obj/tests/unit/tlm_bridge_fixture.o $(SYSTEMC_LIB) $(MOSAIC_LIB) \
                     $(VIRTIO_LIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CXX) $(CFLAGS) -o $@ $< $(BUILD)/obj/tests/unit/tlm_bridge_fixture.o $(SYSTEMC_LIB) $(MOSAIC_LIB) $(VIRTIO_LIB) $(CHECK_LIBS) \
		$(PKG_LIBS) $(SYSTEMC_LIBS)

# The example (sim/systemc/examples/): a SystemC DMA engine interfering with a mosaic victim.
SYSTEMC_EXAMPLE := $(BUILD)/examples/tlm_dma
$(SYSTEMC_EXAMPLE): $(BUILD)/obj/sim/systemc/examples/tlm_dma.o \
                    $(BUILD)/obj/sim/systemc/examples/dma_memory.o $(SYSTEMC_LIB) $(MOSAIC_LIB) \
                    $(VIRTIO_LIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CXX) $(CFLAGS) -o $@ $(filter %.o,$^) $(SYSTEMC_LIB) $(MOSAIC_LIB) $(VIRTIO_LIB) $(PKG_LIBS) \
		$(SYSTEMC_LIBS)

# The scenario example: a SystemC traffic generator joins a scenario (tlm_scenario.h).
SYSTEMC_SCENARIO_EXAMPLE := $(BUILD)/examples/scenario_dma
$(SYSTEMC_SCENARIO_EXAMPLE): $(BUILD)/obj/sim/systemc/examples/scenario_dma.o $(SYSTEMC_LIB) \
                             $(MOSAIC_LIB) $(VIRTIO_LIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CXX) $(CFLAGS) -o $@ $(filter %.o,$^) $(SYSTEMC_LIB) $(MOSAIC_LIB) $(VIRTIO_LIB) $(PKG_LIBS) \
		$(SYSTEMC_LIBS)

# Its test (own sc_main, no sanitizers); the registry comparison is in tlm_bridge_fixture.c.
$(SYSTEMC_SCENARIO_TEST): $(BUILD)/obj/tests/unit/test_tlm_scenario.o \
                          $(BUILD)/obj/tests/unit/tlm_bridge_fixture.o $(SYSTEMC_LIB) \
                          $(MOSAIC_LIB) $(VIRTIO_LIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CXX) $(CFLAGS) -o $@ $(filter %.o,$^) $(SYSTEMC_LIB) $(MOSAIC_LIB) $(VIRTIO_LIB) $(CHECK_LIBS) \
		$(PKG_LIBS) $(SYSTEMC_LIBS)

$(SYSTEMC_BENCH): $(BUILD)/obj/tests/bench/bench_systemc.o $(SYSTEMC_LIB) $(MOSAIC_LIB) \
                  $(VIRTIO_LIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CXX) $(CFLAGS) -o $@ $< $(SYSTEMC_LIB) $(MOSAIC_LIB) $(VIRTIO_LIB) $(PKG_LIBS) \
		$(SYSTEMC_LIBS)

.PHONY: check-systemc bench-systemc

# The headers must compile alone (the C ones as C and as C++, the C++ ones as C++); the C++
# sources are clang-formatted too (the Makefile's format-check covers C files only); then the
# backend's unit test and the embedding test, the TLM bridge and scenario tests, and the examples
# (tlm_dma fails if the victim does not finish or an idle DMA changes its latency; scenario_dma
# fails if its run fails).
check-systemc: $(SYSTEMC_TEST) $(SYSTEMC_EMBED_TEST) $(SYSTEMC_TLM_TEST) $(SYSTEMC_BENCH) \
               $(SYSTEMC_EXAMPLE) $(SYSTEMC_SCENARIO_TEST) $(SYSTEMC_SCENARIO_EXAMPLE)
	@mkdir -p $(BUILD)/headers
	$(Q)set -e; for h in sim_systemc.h tlm_bridge.h tlm_bridge_port.h tlm_scenario.h; do \
		printf '#include "sim/systemc/%s"\n' $$h > $(BUILD)/headers/systemc_one.c; \
		$(CC) $(CPPFLAGS) -std=c11 $(WARN) -Werror -fsyntax-only $(BUILD)/headers/systemc_one.c; \
		$(CXX) $(CPPFLAGS) -std=c++17 $(SYSTEMC_CXX_WARN) -Werror -fsyntax-only -x c++ \
			$(BUILD)/headers/systemc_one.c; done
	$(Q)set -e; for h in tlm_bridge_sc.h examples/traffic_generator.h; do \
		printf '#include "sim/systemc/%s"\n' $$h > $(BUILD)/headers/systemc_sc_one.cpp; \
		$(CXX) $(CPPFLAGS) $(SYSTEMC_CFLAGS) -std=c++17 $(SYSTEMC_CXX_WARN) -Werror \
			-fsyntax-only $(BUILD)/headers/systemc_sc_one.cpp; done
	$(Q)clang-format --dry-run --Werror $(SYSTEMC_FORMAT_FILES)
	$(Q)set -e; for t in $(SYSTEMC_TEST) $(SYSTEMC_EMBED_TEST) $(SYSTEMC_TLM_TEST) \
		$(SYSTEMC_SCENARIO_TEST); do \
		echo "== $$t"; SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 CK_DEFAULT_TIMEOUT=120 $$t; done
	@echo "== $(SYSTEMC_EXAMPLE)"
	$(Q)SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 $(SYSTEMC_EXAMPLE)
	@echo "== $(SYSTEMC_SCENARIO_EXAMPLE) (a SystemC DMA joins interference-solo.json)"
	$(Q)set -o pipefail; SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 $(SYSTEMC_SCENARIO_EXAMPLE) \
		scenarios/examples/interference-solo.json | grep -E '^(master_mb_per_s|slowdown):'

bench-systemc: $(SYSTEMC_BENCH)
	$(Q)$(SYSTEMC_BENCH)

CHECK_TARGETS += check-systemc
BENCH_TARGETS += bench-systemc
