# sim/systemc: the SystemC kernel backend (C++17, Accellera SystemC 2.3.4 through pkg-config).
#
# build/lib/libmosaic-systemc.a holds the backend (backend.o) and the sc_main entry (entry.o).
# The `mosaic` binary links it after libmosaic.a; its test and benchmark have their own link
# rules because the generic ones do not link SystemC. `make check` runs check-systemc, `make
# bench` runs bench-systemc.

SYSTEMC_SRCS     := $(sort $(wildcard sim/systemc/*.cpp))
SYSTEMC_LIB      := $(BUILD)/lib/libmosaic-systemc.a
SYSTEMC_LIB_ASAN := $(BUILD)/asan/lib/libmosaic-systemc.a
SYSTEMC_TEST     := $(BUILD)/tests/unit/test_sim_systemc
SYSTEMC_TEST_ASAN := $(BUILD)/asan/tests/unit/test_sim_systemc
SYSTEMC_EMBED_TEST := $(BUILD)/tests/unit/test_sim_systemc_embed
SYSTEMC_BENCH    := $(BUILD)/tests/bench/bench_systemc
SYSTEMC_FORMAT_FILES := $(sort $(wildcard sim/systemc/*.cpp sim/systemc/*.h tests/*/*.cpp))

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

$(SYSTEMC_LIB): $(call obj,$(SYSTEMC_SRCS:.cpp=.c))
$(SYSTEMC_LIB_ASAN): $(call asanobj,$(SYSTEMC_SRCS:.cpp=.c))

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

$(SYSTEMC_BENCH): $(BUILD)/obj/tests/bench/bench_systemc.o $(SYSTEMC_LIB) $(MOSAIC_LIB) \
                  $(VIRTIO_LIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CXX) $(CFLAGS) -o $@ $< $(SYSTEMC_LIB) $(MOSAIC_LIB) $(VIRTIO_LIB) $(PKG_LIBS) \
		$(SYSTEMC_LIBS)

.PHONY: check-systemc bench-systemc

# The header must compile alone as C and as C++; the C++ sources are clang-formatted too
# (the Makefile's format-check covers C files only); then the backend's unit test and the
# embedding test.
check-systemc: $(SYSTEMC_TEST) $(SYSTEMC_EMBED_TEST) $(SYSTEMC_BENCH)
	@mkdir -p $(BUILD)/headers
	$(Q)printf '#include "sim/systemc/sim_systemc.h"\n' > $(BUILD)/headers/systemc_one.c
	$(Q)$(CC) $(CPPFLAGS) -std=c11 $(WARN) -Werror -fsyntax-only $(BUILD)/headers/systemc_one.c
	$(Q)$(CXX) $(CPPFLAGS) -std=c++17 $(SYSTEMC_CXX_WARN) -Werror -fsyntax-only -x c++ \
		$(BUILD)/headers/systemc_one.c
	$(Q)clang-format --dry-run --Werror $(SYSTEMC_FORMAT_FILES)
	$(Q)set -e; for t in $(SYSTEMC_TEST) $(SYSTEMC_EMBED_TEST); do \
		echo "== $$t"; SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 CK_DEFAULT_TIMEOUT=120 $$t; done

bench-systemc: $(SYSTEMC_BENCH)
	$(Q)$(SYSTEMC_BENCH)

CHECK_TARGETS += check-systemc
BENCH_TARGETS += bench-systemc
