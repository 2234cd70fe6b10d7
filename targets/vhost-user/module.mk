# targets/vhost-user: mosaic-vhost-user, a Linux vhost-user device back-end (virtio-blk on a
# file, virtio-rng) on the device side of the virtio/ library, linked against the same
# build/lib/libmosaic-virtio.a as everything else.
#   make vhost-user           build $(BUILD)/bin/mosaic-vhost-user
#   make check-vhost-user     hostile front-end test + Linux guest under QEMU (split, packed)
# check-targets is a double-colon target: other target fragments add their own recipes.

VU_SRCS := $(sort $(wildcard targets/vhost-user/*.c))
VU_BIN  := $(BUILD)/bin/mosaic-vhost-user

# _GNU_SOURCE for accept4, signalfd flags, getrandom, MSG_CMSG_CLOEXEC.
$(BUILD)/obj/targets/vhost-user/%.o: CPPFLAGS += -D_GNU_SOURCE

$(VU_BIN): $(call obj,$(VU_SRCS)) $(VIRTIO_LIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $(call obj,$(VU_SRCS)) $(VIRTIO_LIB)

.PHONY: vhost-user check-vhost-user check-targets
vhost-user: $(VU_BIN)

all: $(VU_BIN)

check-vhost-user: $(VU_BIN)
	$(Q)set -e; for t in $(sort $(wildcard tests/targets/vhost-user/test_*.sh)); do \
		echo "== $$t"; VU_BIN=$(VU_BIN) bash $$t; done

check-targets:: check-vhost-user

CHECK_TARGETS += $(if $(filter check-targets,$(CHECK_TARGETS)),,check-targets)
