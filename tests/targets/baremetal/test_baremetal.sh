#!/usr/bin/env bash
# Bare-metal aarch64 target on QEMU `virt`: the virtio/ library (driver side) against QEMU's
# own virtio-mmio devices (virtio-blk-device, virtio-rng-device, virtio-serial-device with a
# virtconsole). Runs, each a few tenths of a second under TCG:
#   split   split rings (QEMU default), no cache maintenance
#   packed  packed=on on every device, with the port's cache maintenance on
#   three negative runs that must report a non-zero EXIT code:
#     wrong expectation (expect=packed on split devices)        -> EXIT: 8 (layout bit)
#     missing device (no virtio-rng-device)                      -> EXIT: 2 (rng bit)
#     legacy transports (no -global virtio-mmio.force-legacy=false) -> EXIT: 7 (all devices)
# The program's exit code is the `EXIT: <code>` line it prints on the PL011 before PSCI
# SYSTEM_OFF. The host independently checks the disk image after each positive run.
set -euo pipefail
cd "$(dirname "$0")/../../.."

scripts/install-deps.sh qemu-system-arm
elf=${BM_ELF:-build/targets/baremetal-aarch64/mosaic-baremetal.elf}
if [ -z "${BM_ELF:-}" ]; then
  make --no-print-directory baremetal-aarch64
fi
[ -f "$elf" ] || { echo "FAIL: $elf not built"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# The disk: 4 MiB of 0xa5 with a seed sector 0 ("MOSAIC-SEED\0" + 500 bytes of a SHA-256
# stream). make_disk prints the FNV-1a 64 of sector 0, which the program must report.
make_disk() {
  python3 - "$1" <<'PY'
import hashlib, sys
stream = b""
block = b"mosaic-baremetal-seed"
while len(stream) < 500:
    block = hashlib.sha256(block).digest()
    stream += block
sector0 = b"MOSAIC-SEED\0" + stream[:500]
data = bytearray(b"\xa5" * (4 * 1024 * 1024))
data[0:512] = sector0
open(sys.argv[1], "wb").write(data)
h = 0xcbf29ce484222325
for b in sector0:
    h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
print("0x%016x" % h)
PY
}

# Host-side check of the image after a run: sector 0 untouched, sectors 64..2111 hold the
# program's pattern (word j of sector s: (((s << 32) | j) * 0x9e3779b97f4a7c15) ^
# (s * 0xd6e8feb86659fd93) mod 2^64, little-endian), everything else still 0xa5.
check_disk() {
  python3 - "$1" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
seed_ok = data[0:12] == b"MOSAIC-SEED\0"
M, K, MASK = 0x9e3779b97f4a7c15, 0xd6e8feb86659fd93, (1 << 64) - 1
expected = bytearray()
for s in range(64, 64 + 2048):
    expected += struct.pack("<64Q", *[((((s << 32) | j) * M) ^ (s * K)) & MASK for j in range(64)])
region_ok = data[64 * 512:(64 + 2048) * 512] == bytes(expected)
rest_ok = set(data[512:64 * 512]) == {0xa5} and set(data[(64 + 2048) * 512:]) == {0xa5}
h = 0xcbf29ce484222325
for b in data[64 * 512:(64 + 2048) * 512]:
    h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
print("seed_ok=%d region_ok=%d rest_ok=%d fnv=0x%016x" % (seed_ok, region_ok, rest_ok, h))
sys.exit(0 if seed_ok and region_ok and rest_ok else 1)
PY
}

# run NAME APPEND PACKED(0/1) LEGACY(0/1) DEVICES... ; output in $tmp/NAME.{uart,console}
run() {
  local name=$1 append=$2 packed=$3 legacy=$4
  shift 4
  local p="" global=(-global virtio-mmio.force-legacy=false)
  [ "$packed" = 1 ] && p=",packed=on"
  [ "$legacy" = 1 ] && global=()
  local devs=()
  for d in "$@"; do
    case $d in
      blk) devs+=(-drive "if=none,id=disk0,file=$tmp/$name.img,format=raw"
                  -device "virtio-blk-device,drive=disk0$p") ;;
      rng) devs+=(-device "virtio-rng-device$p") ;;
      console) devs+=(-chardev "file,id=con0,path=$tmp/$name.console"
                      -device "virtio-serial-device$p" -device virtconsole,chardev=con0) ;;
    esac
  done
  : > "$tmp/$name.console"
  local rc=0 t0 t1
  t0=$(date +%s%N)
  timeout 60 qemu-system-aarch64 -M virt -cpu cortex-a53 -smp 1 -m 32M -display none \
    -monitor none -serial stdio -no-reboot "${global[@]}" -kernel "$elf" -append "$append" \
    "${devs[@]}" > "$tmp/$name.uart" 2> "$tmp/$name.stderr" || rc=$?
  t1=$(date +%s%N)
  tr -d '\r' < "$tmp/$name.uart" > "$tmp/$name.log"
  echo "-- run $name: qemu status $rc, $(( (t1 - t0) / 1000000 )) ms"
  sed 's/^/   | /' "$tmp/$name.log"
  [ "$rc" = 0 ] || fail "$name: qemu exited with $rc (timeout or crash): $(cat "$tmp/$name.stderr")"
}

exit_code() { sed -n 's/^EXIT: \(-\?[0-9]\+\)$/\1/p' "$tmp/$1.log" | tail -1; }
expect_line() { grep -qE "$2" "$tmp/$1.log" || fail "$1: no line matching /$2/"; }

positive() {
  local name=$1 layout=$2 packed=$3 append=$4
  local seed
  seed=$(make_disk "$tmp/$name.img")
  run "$name" "$append" "$packed" 0 blk rng console
  [ "$(exit_code "$name")" = 0 ] || fail "$name: EXIT code '$(exit_code "$name")', expected 0"
  for dev in console blk rng; do
    expect_line "$name" "^$dev: slot [0-9]+, .*ring $layout, event_idx 1, indirect 1$"
  done
  expect_line "$name" "^blk: capacity 8192 sectors$"            # 4 MiB / 512
  expect_line "$name" "^blk: seed sector fnv1a $seed$"
  # Interrupt mode: the blk write must have slept in WFI and taken device interrupts. QEMU
  # completes block I/O asynchronously, so after a kick the used ring is still empty and the
  # driver sleeps; a sleep ends only by a device interrupt or the 5 s timer, and the timer
  # would have failed the transfer. (An rng or console request may complete before the
  # driver sleeps, and the driver may then move used_event past it before the device
  # decides, so no interrupt is owed there; their irq runs are checked for success only.)
  # Polling mode: the line is masked at the GIC, so no interrupt may be counted.
  expect_line "$name" "^blk write 1 MiB: mode=irq requests=16 .* irqs=[1-9][0-9]* sleeps=[1-9][0-9]* "
  expect_line "$name" "^blk read 1 MiB: mode=poll requests=32 .* irqs=0 sleeps=0 "
  expect_line "$name" "^rng read 4 KiB: mode=irq "
  expect_line "$name" "^rng read 4 KiB: mode=poll .* irqs=0 sleeps=0 "
  expect_line "$name" "^console write: mode=irq "
  expect_line "$name" "^console write: mode=poll .* irqs=0 sleeps=0 "
  expect_line "$name" "^rng: distinct byte values (2[0-5][0-9]) and (2[0-5][0-9]), reads differ$"
  local disk
  if disk=$(check_disk "$tmp/$name.img"); then
    echo "   host image check: $disk"
    local fnv=${disk##*fnv=}
    expect_line "$name" "^blk: verified 2048 sectors from sector 64, fnv1a $fnv$"
  else
    fail "$name: host image check: $disk"
  fi
  grep -qx "mosaic bare-metal: hello over the $layout ring (irq)" "$tmp/$name.console" ||
    fail "$name: virtio-console output missing the hello line"
  grep -qx "mosaic bare-metal: result 0 (poll)" "$tmp/$name.console" ||
    fail "$name: virtio-console output missing the result line"
  echo "   virtio-console: $(tr '\n' '|' < "$tmp/$name.console")"
}

negative() {
  local name=$1 want=$2 pattern=$3 append=$4 packed=$5 legacy=$6
  shift 6
  make_disk "$tmp/$name.img" > /dev/null
  run "$name" "$append" "$packed" "$legacy" "$@"
  [ "$(exit_code "$name")" = "$want" ] ||
    fail "$name: EXIT code '$(exit_code "$name")', expected $want"
  expect_line "$name" "$pattern"
}

t_start=$(date +%s%N)
positive split split 0 "expect=split"
positive packed packed 1 "expect=packed cacheops"
negative wrong-expectation 8 "^FAIL: blk uses the split ring, expected packed$" \
  "expect=packed" 0 0 blk rng console
negative missing-rng 2 "^FAIL: rng: no such virtio-mmio device$" "expect=split" 0 0 blk console
negative legacy 7 "run QEMU with -global virtio-mmio.force-legacy=false$" "" 0 1 blk rng console
t_end=$(date +%s%N)

if [ "$failures" -ne 0 ]; then
  echo "test_baremetal: $failures check(s) FAILED"
  exit 1
fi
echo "test_baremetal: 5 QEMU runs (split, packed, 3 negative) passed in $(( (t_end - t_start) / 1000000 )) ms"
