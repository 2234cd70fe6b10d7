# mosaic: one non-recursive Makefile.
#
# Sources are found by folder (sim/, models/*/, analysis/, virtio/, cli/); module fragments
# (*/module.mk, tests/*/module.mk, targets/*/module.mk) add special targets and append to
# CHECK_TARGETS and BENCH_TARGETS. Objects and binaries go under $(BUILD); `V=1` shows commands.
# With CI=true (or WERROR=1) warnings are errors.

.DEFAULT_GOAL := all
SHELL := /bin/bash

BUILD   ?= build
PREFIX  ?= /usr/local
V       ?= 0
Q       := $(if $(filter 1,$(V)),,@)
NPROC   := $(shell nproc 2>/dev/null || echo 2)
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

ifeq ($(CI),true)
WERROR ?= 1
endif
WERROR_FLAG := $(if $(filter 1,$(WERROR)),-Werror,)

WARN := -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wmissing-prototypes \
        -Wstrict-prototypes -Wformat=2 -Wundef -Wpointer-arith -Wwrite-strings -Wvla \
        -Wcast-qual -Wnull-dereference -Wdouble-promotion
CFLAGS   ?= -O2 -g
CPPFLAGS += -I. -DMOSAIC_VERSION='"$(VERSION)"' -D_POSIX_C_SOURCE=200809L
BASE_CFLAGS = -std=c11 $(WARN) $(WERROR_FLAG) $(CFLAGS) -MMD -MP
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

# Libraries with a pkg-config file; libcsv has none. Deferred (=) so a fresh machine can run
# scripts/install-deps.sh before these are first evaluated.
PKG_CFLAGS = $(shell pkg-config --cflags jansson 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs jansson 2>/dev/null) -lcsv -lm -pthread
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null)

# ---- sources --------------------------------------------------------------------------------
VIRTIO_SRCS   := $(sort $(wildcard virtio/*.c))
SIM_SRCS      := $(sort $(wildcard sim/*.c))
MODELS_SRCS   := $(sort $(wildcard models/*.c models/*/*.c))
ANALYSIS_SRCS := $(sort $(wildcard analysis/*.c))
CLI_SRCS      := $(sort $(wildcard cli/*.c))
LIB_SRCS      := $(SIM_SRCS) $(MODELS_SRCS) $(ANALYSIS_SRCS)
UNIT_SRCS     := $(sort $(wildcard tests/unit/test_*.c))
BENCH_SRCS    := $(sort $(wildcard tests/bench/bench_*.c))
PUBLIC_HDRS   := $(filter-out %_priv.h,$(sort $(wildcard sim/*.h models/*.h models/*/*.h \
                   analysis/*.h virtio/*.h cli/*.h)))
FORMAT_FILES   = $(sort $(wildcard sim/*.[ch] models/*.[ch] models/*/*.[ch] analysis/*.[ch] \
                   virtio/*.[ch] cli/*.[ch] tests/*/*.[ch] targets/*/*.[ch]))

obj     = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
asanobj = $(patsubst %.c,$(BUILD)/asan/%.o,$(1))

VIRTIO_LIB      := $(BUILD)/lib/libmosaic-virtio.a
MOSAIC_LIB      := $(BUILD)/lib/libmosaic.a
VIRTIO_LIB_ASAN := $(BUILD)/asan/lib/libmosaic-virtio.a
MOSAIC_LIB_ASAN := $(BUILD)/asan/lib/libmosaic.a
MOSAIC_BIN      := $(BUILD)/bin/mosaic
UNIT_BINS       := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(UNIT_SRCS))
UNIT_BINS_ASAN  := $(patsubst tests/unit/%.c,$(BUILD)/asan/tests/unit/%,$(UNIT_SRCS))
BENCH_BINS      := $(patsubst tests/bench/%.c,$(BUILD)/tests/bench/%,$(BENCH_SRCS))

CHECK_TARGETS :=
BENCH_TARGETS :=
# Archives and linker flags a fragment adds to the mosaic binary (the SystemC backend).
MOSAIC_EXTRA_LIBS :=
MOSAIC_EXTRA_LDLIBS :=

# ---- module fragments: read before the link rules, whose prerequisites they extend ---------
include $(sort $(wildcard */module.mk sim/*/module.mk tests/*/module.mk targets/*/module.mk))

# ---- compile rules --------------------------------------------------------------------------
$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(BASE_CFLAGS) -c $< -o $@

$(BUILD)/asan/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC-SAN  $<")
	$(Q)$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(BASE_CFLAGS) -O1 $(SAN_FLAGS) -c $< -o $@

# Two rules, not one with two targets: a multi-target pattern rule would claim both archives
# from one run of the recipe.
define archive_recipe
	@mkdir -p $(@D)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && $(AR) rcs $@ $^
endef
$(BUILD)/lib/%.a:
	$(archive_recipe)
$(BUILD)/asan/lib/%.a:
	$(archive_recipe)

$(VIRTIO_LIB): $(call obj,$(VIRTIO_SRCS))
$(MOSAIC_LIB): $(call obj,$(LIB_SRCS))
$(VIRTIO_LIB_ASAN): $(call asanobj,$(VIRTIO_SRCS))
$(MOSAIC_LIB_ASAN): $(call asanobj,$(LIB_SRCS))

$(MOSAIC_BIN): $(call obj,$(CLI_SRCS)) $(MOSAIC_EXTRA_LIBS) $(MOSAIC_LIB) $(VIRTIO_LIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $(call obj,$(CLI_SRCS)) $(MOSAIC_EXTRA_LIBS) $(MOSAIC_LIB) \
		$(VIRTIO_LIB) $(PKG_LIBS) $(MOSAIC_EXTRA_LDLIBS)

$(BUILD)/tests/unit/%: $(BUILD)/obj/tests/unit/%.o $(MOSAIC_LIB) $(VIRTIO_LIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(MOSAIC_LIB) $(VIRTIO_LIB) $(CHECK_LIBS) $(PKG_LIBS)

$(BUILD)/asan/tests/unit/%: $(BUILD)/asan/tests/unit/%.o $(MOSAIC_LIB_ASAN) $(VIRTIO_LIB_ASAN)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD-SAN  $@")
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) -o $@ $< $(MOSAIC_LIB_ASAN) $(VIRTIO_LIB_ASAN) \
		$(CHECK_LIBS) $(PKG_LIBS)

$(BUILD)/tests/bench/%: $(BUILD)/obj/tests/bench/%.o $(MOSAIC_LIB) $(VIRTIO_LIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(MOSAIC_LIB) $(VIRTIO_LIB) $(PKG_LIBS)

.SECONDARY:


# ---- top-level targets ----------------------------------------------------------------------
.PHONY: all deps demo check check-all check-unit check-asan check-integration check-headers \
        format format-check bench install clean unit-bins

all: $(MOSAIC_BIN) $(VIRTIO_LIB)

deps:
	$(Q)scripts/install-deps.sh

DEMO_SCENARIO ?= scenarios/examples/amp-4core.json
DEMO_OUT      ?= results/demo
demo: deps
	$(Q)$(MAKE) --no-print-directory -j$(NPROC) all
	$(Q)$(MOSAIC_BIN) run $(DEMO_SCENARIO) -o $(DEMO_OUT)
	@echo "demo: results in $(DEMO_OUT)/ (summary.json, tasks.csv, figures/response_times.svg)"

# `make check` first installs what is missing, then builds in parallel and runs every test.
check: deps
	$(Q)$(MAKE) --no-print-directory -j$(NPROC) all unit-bins
	$(Q)$(MAKE) --no-print-directory check-all

check-all: check-headers format-check check-unit check-asan check-integration $(CHECK_TARGETS)
	@echo "check: all passed (headers, format, unit, asan, integration, $(CHECK_TARGETS))"

unit-bins: $(UNIT_BINS) $(UNIT_BINS_ASAN) $(BENCH_BINS)

# Check's default 4 s per test is too short under the sanitizers.
check-unit: $(UNIT_BINS)
	$(Q)set -e; for t in $(UNIT_BINS); do echo "== $$t"; CK_DEFAULT_TIMEOUT=120 $$t; done; \
		echo "check-unit: $(words $(UNIT_BINS)) unit test programs passed"

check-asan: $(UNIT_BINS_ASAN)
	$(Q)set -e; for t in $(UNIT_BINS_ASAN); do echo "== $$t (ASan+UBSan)"; \
		CK_DEFAULT_TIMEOUT=600 ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 $$t; done; \
		echo "check-asan: $(words $(UNIT_BINS_ASAN)) unit test programs passed under ASan+UBSan"

check-integration: $(MOSAIC_BIN)
	$(Q)set -e; for t in $(sort $(wildcard tests/integration/test_*.sh)); do \
		echo "== $$t"; MOSAIC=$(MOSAIC_BIN) bash $$t; done; \
		echo "check-integration: $(words $(wildcard tests/integration/test_*.sh)) scripts passed"

# Each header is fed on stdin, so concurrent runs share no temporary file.
check-headers:
	$(Q)set -e; for h in $(PUBLIC_HDRS); do \
		printf '#include "%s"\n' $$h | $(CC) $(CPPFLAGS) $(PKG_CFLAGS) -std=c11 $(WARN) \
			-Werror -fsyntax-only -x c - || { echo "check-headers: $$h does not compile alone"; exit 1; }; \
	done; echo "check-headers: $(words $(PUBLIC_HDRS)) headers compile alone"

format:
	$(Q)clang-format -i $(FORMAT_FILES)

format-check:
	$(Q)clang-format --dry-run --Werror $(FORMAT_FILES) && \
		echo "format-check: $(words $(FORMAT_FILES)) files formatted"

bench: $(BENCH_BINS) $(BENCH_TARGETS)
	$(Q)set -e; for b in $(BENCH_BINS); do $$b; done

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/mosaic
	install -m 755 $(MOSAIC_BIN) $(DESTDIR)$(PREFIX)/bin/mosaic
	cp -r scenarios $(DESTDIR)$(PREFIX)/share/mosaic/

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
