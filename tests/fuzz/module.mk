# tests/fuzz: libFuzzer targets for the virtqueue library (clang, ASan+UBSan).
#   make fuzz-short   each target for FUZZ_SHORT_SECONDS (20 s) from the committed corpus; part
#                     of `make check`, fails on any crash, sanitizer report or invariant.
#   make fuzz         long run: FUZZ_SECONDS (default 3600) per target, FUZZ_JOBS parallel jobs,
#                     new inputs kept in $(BUILD)/fuzz/corpus/<target>/ (not in the tree).
#   make fuzz-seeds   regenerate the committed seeds in tests/fuzz/corpus/ with gen_seeds.
# See docs/verification.md.

FUZZ_OUT            := $(BUILD)/fuzz
FUZZ_CC             ?= clang
FUZZ_CFLAGS         := -std=c11 -g -O1 -I. $(WARN) -fno-omit-frame-pointer \
                       -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_NAMES          := fuzz_vq_device fuzz_vq_driver
FUZZ_BINS           := $(addprefix $(FUZZ_OUT)/,$(FUZZ_NAMES))
FUZZ_SHORT_SECONDS  ?= 20
FUZZ_SECONDS        ?= 3600
FUZZ_JOBS           ?= 1
FUZZ_DEPS           := tests/fuzz/fuzz_common.h $(VIRTIO_SRCS) $(wildcard virtio/*.h)

.PHONY: fuzz fuzz-short fuzz-seeds

$(FUZZ_OUT)/fuzz_vq_%: tests/fuzz/fuzz_vq_%.c $(FUZZ_DEPS)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  FUZZCC  $@")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(VIRTIO_SRCS)

$(FUZZ_OUT)/gen_seeds: tests/fuzz/gen_seeds.c $(FUZZ_DEPS)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(BASE_CFLAGS) -D_DEFAULT_SOURCE -o $@ $< $(VIRTIO_SRCS)

# Each run reads the committed seeds and writes new units to a scratch directory, so the
# tree is never modified. The last libFuzzer status line gives executions and coverage.
fuzz-short: $(FUZZ_BINS)
	$(Q)set -e; for t in $(FUZZ_NAMES); do \
		rm -rf $(FUZZ_OUT)/short/$$t; mkdir -p $(FUZZ_OUT)/short/$$t; \
		$(FUZZ_OUT)/$$t $(FUZZ_OUT)/short/$$t tests/fuzz/corpus/$$t \
			-max_total_time=$(FUZZ_SHORT_SECONDS) -timeout=10 -print_final_stats=1 \
			-artifact_prefix=$(FUZZ_OUT)/short/$$t- >$(FUZZ_OUT)/short/$$t.log 2>&1 || { \
			tail -40 $(FUZZ_OUT)/short/$$t.log; echo "fuzz-short: $$t FAILED"; exit 1; }; \
		done_line=$$(grep -E '^#[0-9]+[[:space:]]+DONE' $(FUZZ_OUT)/short/$$t.log | tail -1 | \
			sed 's/[[:space:]]*lim:.*//; s/[[:space:]][[:space:]]*/ /g'); \
		seeds=$$(ls tests/fuzz/corpus/$$t | wc -l); \
		echo "fuzz-short: $$t: $$done_line ($$seeds seeds, $(FUZZ_SHORT_SECONDS) s, no crash)"; \
	done

# Long run. With FUZZ_JOBS > 1 libFuzzer runs parallel jobs and writes their output to
# fuzz-<n>.log, hence the cd into $(FUZZ_OUT).
fuzz: $(FUZZ_BINS)
	$(Q)set -e; for t in $(FUZZ_NAMES); do \
		mkdir -p $(FUZZ_OUT)/corpus/$$t; \
		(cd $(FUZZ_OUT) && ./$$t corpus/$$t $(CURDIR)/tests/fuzz/corpus/$$t \
			-max_total_time=$(FUZZ_SECONDS) -timeout=10 -print_final_stats=1 -artifact_prefix=$$t- \
			$(if $(filter-out 1,$(FUZZ_JOBS)),-jobs=$(FUZZ_JOBS) -workers=$(FUZZ_JOBS))); \
	done

fuzz-seeds: $(FUZZ_OUT)/gen_seeds
	$(Q)rm -rf tests/fuzz/corpus && $(FUZZ_OUT)/gen_seeds tests/fuzz/corpus && \
		du -sh tests/fuzz/corpus

CHECK_TARGETS += fuzz-short
