# targets/baremetal-aarch64: the virtqueue library on bare metal (QEMU `virt`, Cortex-A53).
#
# `make baremetal-aarch64` compiles the unmodified virtio/*.c and this folder's start-up code,
# board support, virtio-mmio transport, port and drivers with aarch64-linux-gnu-gcc
# -ffreestanding -nostdlib into $(BUILD)/targets/baremetal-aarch64/ and links
# mosaic-baremetal.elf (load with qemu-system-aarch64 -M virt -kernel). `make check-targets`
# runs tests/targets/baremetal/test_*.sh against it (they install qemu-system-arm if missing).

BM_DIR    := targets/baremetal-aarch64
BM_OUT    := $(BUILD)/targets/baremetal-aarch64
BM_ELF    := $(BM_OUT)/mosaic-baremetal.elf
BM_CC     ?= aarch64-linux-gnu-gcc
BM_CCINC  := $(shell $(BM_CC) -print-file-name=include 2>/dev/null)
# -mgeneral-regs-only: no FP/SIMD state to enable or save in the IRQ handler.
# -fno-tree-loop-distribute-patterns: memset/memcpy must not turn into calls to themselves.
BM_CFLAGS := -std=c11 -O2 -g -ffreestanding -nostdlib -nostdinc -isystem $(BM_CCINC) \
             -mcpu=cortex-a53 -mgeneral-regs-only -mstrict-align -fno-stack-protector -fno-pie \
             -fno-tree-loop-distribute-patterns $(WARN) $(WERROR_FLAG) -I. -MMD -MP
BM_LDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none -Wl,--no-warn-rwx-segments -Wl,-T,$(BM_DIR)/link.ld
BM_OBJS   := $(patsubst virtio/%.c,$(BM_OUT)/virtio/%.o,$(VIRTIO_SRCS)) \
             $(patsubst $(BM_DIR)/%.S,$(BM_OUT)/target/%.o,$(wildcard $(BM_DIR)/*.S)) \
             $(patsubst $(BM_DIR)/%.c,$(BM_OUT)/target/%.o,$(wildcard $(BM_DIR)/*.c))

$(BM_OUT)/virtio/%.o: virtio/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC-A64  $<")
	$(Q)$(BM_CC) $(BM_CFLAGS) -c $< -o $@

$(BM_OUT)/target/%.o: $(BM_DIR)/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC-A64  $<")
	$(Q)$(BM_CC) $(BM_CFLAGS) -c $< -o $@

$(BM_OUT)/target/%.o: $(BM_DIR)/%.S
	@mkdir -p $(@D)
	@$(if $(Q),echo "  AS-A64  $<")
	$(Q)$(BM_CC) $(BM_CFLAGS) -c $< -o $@

$(BM_ELF): $(BM_OBJS) $(BM_DIR)/link.ld
	@$(if $(Q),echo "  LD-A64  $@")
	$(Q)$(BM_CC) $(BM_LDFLAGS) -o $@ $(BM_OBJS) -lgcc

.PHONY: baremetal-aarch64 check-targets
baremetal-aarch64: $(BM_ELF)

check-targets:: $(BM_ELF)
	$(Q)set -e; for t in $(sort $(wildcard tests/targets/baremetal/test_*.sh)); do \
		echo "== $$t"; BM_ELF=$(BM_ELF) bash $$t; done

CHECK_TARGETS += $(filter-out $(CHECK_TARGETS),check-targets)
