# virtio/: freestanding build check of the virtqueue library.
#
# `make check-freestanding` compiles every virtio/*.c with -ffreestanding -nostdlib and no libc
# headers (-nostdinc plus the compiler's own freestanding header directory) for x86-64 (gcc)
# and aarch64 (aarch64-linux-gnu-gcc), links each set into one relocatable object and fails if
# any undefined symbol other than memcpy/memset remains, or if a source includes a header
# outside <stdint.h>, <stddef.h>, <stdbool.h>, <stdatomic.h> and virtio/.

FREESTANDING_DIR   := $(BUILD)/freestanding
FREESTANDING_FLAGS := -std=c11 -O2 -ffreestanding -nostdlib -nostdinc $(WARN) -Werror -I.
FREESTANDING_CCS   := x86_64:gcc aarch64:aarch64-linux-gnu-gcc

.PHONY: check-freestanding

check-freestanding: $(VIRTIO_SRCS) $(wildcard virtio/*.h)
	$(Q)set -e; \
	bad=$$(grep -hE '^[[:space:]]*#[[:space:]]*include' virtio/*.c virtio/*.h | \
		grep -vE '<(stdint|stddef|stdbool|stdatomic)\.h>|"virtio/[a-z_]+\.h"' || true); \
	if [ -n "$$bad" ]; then echo "check-freestanding: FAIL, foreign include: $$bad"; exit 1; fi; \
	summary=""; \
	for pair in $(FREESTANDING_CCS); do \
		arch=$${pair%%:*}; cc=$${pair#*:}; out=$(FREESTANDING_DIR)/$$arch; \
		mkdir -p $$out; rm -f $$out/*.o; \
		inc=$$($$cc -print-file-name=include); \
		for src in $(VIRTIO_SRCS); do \
			$$cc $(FREESTANDING_FLAGS) -isystem $$inc -c $$src \
				-o $$out/$$(basename $$src .c).o; \
		done; \
		$$cc -nostdlib -r -o $(FREESTANDING_DIR)/virtio-$$arch.o $$out/*.o; \
		undef=$$(nm -u $(FREESTANDING_DIR)/virtio-$$arch.o | awk '{print $$NF}' | grep -vxE 'memcpy|memset' || true); \
		if [ -n "$$undef" ]; then \
			echo "check-freestanding: FAIL ($$arch): undefined symbols:" $$undef; exit 1; fi; \
		summary="$$summary $$arch"; \
	done; \
	echo "check-freestanding: $(words $(VIRTIO_SRCS)) sources, no undefined symbols beyond memcpy/memset on$$summary"

CHECK_TARGETS += check-freestanding
