# tests/io: a build check that the simulator's virtio device models run the same virtqueue object
# code as the real targets.
#
# `make check-io-link` relinks, into $(BUILD)/io-link/, the unit test binary of the device
# models (test_io_vdev, whose models/io/vdev.o calls the library) and the vhost-user back-end
# target (mosaic-vhost-user) with the exact link lines of their normal rules plus GNU ld's
# --trace and --trace-symbol (-y) for the library entry points the models use. It fails unless,
# for every traced symbol,
#   - the simulator side references it from models/io/vdev.o (inside libmosaic.a),
#   - both links take its definition from the same member of $(VIRTIO_LIB) (and nothing else
#     defines it),
#   - the symbol has the same size in both linked binaries (the same object code);
# and unless no object of libmosaic.a defines any vq_* function (no second copy of the ring
# code in the simulator library).

IO_LINK_DIR  := $(BUILD)/io-link
IO_LINK_TEST := test_io_vdev
IO_LINK_SYMS := vq_drv_init vq_drv_add vq_drv_kick_prepare vq_drv_get_used vq_drv_enable_cb \
                vq_dev_init vq_dev_pop vq_dev_push vq_dev_need_interrupt vq_dev_enable_notify
IO_LINK_COMMA := ,
IO_LINK_TRACE  = -Wl,--trace $(foreach s,$(IO_LINK_SYMS),-Wl$(IO_LINK_COMMA)-y$(IO_LINK_COMMA)$(s))

.PHONY: check-io-link

check-io-link: $(BUILD)/obj/tests/unit/$(IO_LINK_TEST).o $(MOSAIC_LIB) $(VIRTIO_LIB) \
               $(BUILD)/bin/mosaic-vhost-user
	@mkdir -p $(IO_LINK_DIR)
	$(Q)$(CC) $(CFLAGS) -o $(IO_LINK_DIR)/sim.bin $(BUILD)/obj/tests/unit/$(IO_LINK_TEST).o \
		$(MOSAIC_LIB) $(VIRTIO_LIB) $(CHECK_LIBS) $(PKG_LIBS) $(IO_LINK_TRACE) 2>&1 | \
		sed 's/^[^ ]*ld: //' > $(IO_LINK_DIR)/sim.trace
	$(Q)$(CC) $(CFLAGS) -o $(IO_LINK_DIR)/target.bin $(call obj,$(VU_SRCS)) $(VIRTIO_LIB) \
		$(IO_LINK_TRACE) 2>&1 | sed 's/^[^ ]*ld: //' > $(IO_LINK_DIR)/target.trace
	$(Q)set -e; cd $(IO_LINK_DIR); fail() { echo "check-io-link: FAIL: $$*"; exit 1; }; \
	members=""; \
	for s in $(IO_LINK_SYMS); do \
		grep -qxF "$(MOSAIC_LIB)(vdev.o): reference to $$s" sim.trace || \
			fail "models/io/vdev.o does not reference $$s"; \
		for side in sim target; do \
			defs=$$(grep -E ": definition of $$s$$" $$side.trace | sed 's/: definition of .*//'); \
			[ "$$(echo "$$defs" | wc -l)" = 1 ] || fail "$$side: $$s defined more than once: $$defs"; \
			case "$$defs" in "$(VIRTIO_LIB)("*")") ;; \
				*) fail "$$side: $$s defined in $$defs, not $(VIRTIO_LIB)";; esac; \
			eval "def_$$side=\$$defs"; \
		done; \
		[ "$$def_sim" = "$$def_target" ] || fail "$$s: simulator $$def_sim, target $$def_target"; \
		size_sim=$$(nm -S --defined-only sim.bin | awk -v s=$$s '$$4 == s {print $$2}'); \
		size_target=$$(nm -S --defined-only target.bin | awk -v s=$$s '$$4 == s {print $$2}'); \
		[ -n "$$size_sim" ] && [ "$$size_sim" = "$$size_target" ] || \
			fail "$$s: size $$size_sim in the simulator, $$size_target in the target"; \
		members="$$members $${def_sim#$(VIRTIO_LIB)}"; \
	done; \
	own=$$(nm --defined-only -A $(CURDIR)/$(MOSAIC_LIB) 2>/dev/null | \
		awk '$$2 ~ /^[TW]$$/ && $$3 ~ /^vq_(drv|dev|split|packed|port)_/ {print $$1 $$3}'); \
	[ -z "$$own" ] || fail "libmosaic.a defines ring functions itself: $$own"; \
	members=$$(echo $$members | tr ' ' '\n' | sort -u | xargs); \
	echo "check-io-link: $(words $(IO_LINK_SYMS)) virtqueue entry points called by" \
		"models/io/vdev.o link from $(VIRTIO_LIB)$$members in both $(IO_LINK_TEST)" \
		"and mosaic-vhost-user, same sizes"

CHECK_TARGETS += check-io-link

# `make bench` runs bench-io: simulated-to-wall-clock speed of the virtio-blk device model
# (tests/io/bench_io_vdev.c), printing `name: value` lines.
IO_BENCH := $(BUILD)/tests/io/bench_io_vdev

$(IO_BENCH): $(BUILD)/obj/tests/io/bench_io_vdev.o $(MOSAIC_LIB) $(VIRTIO_LIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(MOSAIC_LIB) $(VIRTIO_LIB) $(PKG_LIBS)

.PHONY: bench-io
bench-io: $(IO_BENCH)
	$(Q)$(IO_BENCH)

BENCH_TARGETS += bench-io

# ... and bench-io-platform: the same device in a scenario through the full platform
# (tests/io/bench_platform_devices.c over tests/io/bench_virtio_blk.json), which prints
# virtio_blk_sim_to_wall_ratio (issue 6's figure: 1 s at 10,000 requests per second, detailed).
IO_PLATFORM_BENCH := $(BUILD)/tests/io/bench_platform_devices

$(IO_PLATFORM_BENCH): $(BUILD)/obj/tests/io/bench_platform_devices.o $(MOSAIC_LIB) $(VIRTIO_LIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(MOSAIC_LIB) $(VIRTIO_LIB) $(PKG_LIBS)

.PHONY: bench-io-platform
bench-io-platform: $(IO_PLATFORM_BENCH)
	$(Q)$(IO_PLATFORM_BENCH)

BENCH_TARGETS += bench-io-platform
