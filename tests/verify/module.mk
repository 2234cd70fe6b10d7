# tests/verify: model checking of the notification protocol (Spin, part of `make check`) and
# Frama-C EVA on the device-side chain walker (`make verify-framac`, not part of `make check`).
# See tests/verify/README.md and docs/verification.md.

VERIFY_OUT := $(BUILD)/verify

.PHONY: verify verify-framac

# 4 layouts x (full barriers + each of the 4 C/D barriers weakened): full must report 0
# errors, every weakened run must report the lost wake-up. One line per run.
verify: tests/verify/vq_notify.pml tests/verify/run_spin.sh
	$(Q)tests/verify/run_spin.sh $(VERIFY_OUT)/spin

verify-framac: tests/verify/framac_walk.c tests/verify/run_framac.sh
	$(Q)tests/verify/run_framac.sh $(VERIFY_OUT)/framac

CHECK_TARGETS += verify
