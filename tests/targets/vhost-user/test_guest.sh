#!/usr/bin/env bash
# A Debian Linux guest (cloud kernel, busybox initramfs) under QEMU TCG uses mosaic-vhost-user
# as vhost-user-blk-pci and vhost-user-rng-pci, once with split rings and once with packed=on.
# The guest writes a 1 MiB pattern at byte offset 1 MiB, reads it back after dropping its page
# cache, reads the serial (VIRTIO_BLK_T_GET_ID) and 64 bytes of /dev/hwrng, prints one
# MOSAIC-VU-RESULT line and powers off. The host then checks the backing file independently.
source "$(dirname "$0")/lib.sh"

vu_need_deps qemu-system-x86 busybox-static cpio
vu_fetch_kernel
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; [ -n "${VU_KEEP:-}" ] && cp -r "$work" "$VU_KEEP"; rm -rf "$work"' EXIT
vu_build_initramfs "$work/initrd.gz"
echo "vhost-user guest: kernel $VU_KERNEL_NAME"

# The pattern the guest writes, generated here independently (32-byte lines, 1 MiB), and the
# expected image: 8 MiB of zeros with the pattern at [1 MiB, 2 MiB).
python3 - "$work" <<'PY'
import hashlib, sys
pat = b"".join(b"mosaic-vu %08d abcdefghijkl\n" % i for i in range(32768))
assert len(pat) == 1 << 20
img = bytes(1 << 20) + pat + bytes(6 << 20)
open(sys.argv[1] + "/pattern.sha", "w").write(hashlib.sha256(pat).hexdigest())
open(sys.argv[1] + "/image.sha", "w").write(hashlib.sha256(img).hexdigest())
PY

fail=0
run_mode() {
        local mode=$1 packed=$2 t0 out line
        t0=$(vu_now)
        rm -f "$work"/*.sock
        truncate -s 0 "$work/disk.img" && truncate -s 8M "$work/disk.img"
        vu_start_backend blk "$work/blk-$mode.log" --socket "$work/blk.sock" --blk "$work/disk.img"
        vu_start_backend rng "$work/rng-$mode.log" --socket "$work/rng.sock" --rng
        out="$work/console-$mode.txt"
        timeout 60 qemu-system-x86_64 -machine q35,accel=tcg,memory-backend=mem -cpu max -m 512M \
                -smp 1 -nographic -no-reboot \
                -object memory-backend-memfd,id=mem,size=512M,share=on \
                -chardev socket,id=c0,path="$work/blk.sock" \
                -device vhost-user-blk-pci,chardev=c0,num-queues=1,packed=$packed \
                -chardev socket,id=r0,path="$work/rng.sock" \
                -device vhost-user-rng-pci,chardev=r0,packed=$packed \
                -kernel "$VU_VMLINUZ" -initrd "$work/initrd.gz" \
                -append "console=ttyS0 quiet panic=-1" </dev/null >"$out" 2>&1 || true
        local blk_rc=0 rng_rc=0
        vu_stop_backend "$VU_PID_blk" || blk_rc=$?
        vu_stop_backend "$VU_PID_rng" || rng_rc=$?
        line=$(grep -a MOSAIC-VU-RESULT "$out" | tr -d '\r' | sed 's/.*MOSAIC-VU-RESULT/MOSAIC-VU-RESULT/' |
                tail -1 || true)
        local ring=split; [ "$packed" = on ] && ring=packed
        local want_sha img_sha problems=""
        want_sha=$(cat "$work/pattern.sha")
        img_sha=$(sha256sum "$work/disk.img" | cut -d' ' -f1)
        [[ "$line" == *"blk=ok"* ]] || problems+=" guest-blk"
        [[ "$line" == *"rng=ok"* ]] || problems+=" guest-rng"
        [[ "$line" == *"serial=mosaic-vu-blk "* ]] || problems+=" serial"
        # 8 MiB / 512 = 16384 sectors: the capacity from our GET_CONFIG reply.
        [[ "$line" == *"sectors=16384 "* ]] || problems+=" capacity"
        [[ "$line" == *"sha=$want_sha"* ]] || problems+=" guest-pattern"
        [[ "$line" == *"blkring=$ring rngring=$ring "* ]] || problems+=" ring-layout"
        [[ "$line" == *"rngdev=virtio_rng.0"* ]] || problems+=" rng-current"
        [ "$img_sha" = "$(cat "$work/image.sha")" ] || problems+=" backing-file"
        [ $blk_rc -eq 0 ] && [ $rng_rc -eq 0 ] || problems+=" backend-exit($blk_rc,$rng_rc)"
        if grep -qE "rejected|broken" "$work/blk-$mode.log" "$work/rng-$mode.log"; then
                problems+=" backend-errors"
        fi
        local blk_n rng_n
        blk_n=$(awk '/requests served$/ { n = $2 } END { print n + 0 }' "$work/blk-$mode.log")
        rng_n=$(awk '/requests served$/ { n = $2 } END { print n + 0 }' "$work/rng-$mode.log")
        if [ -z "$problems" ]; then
                echo "vhost-user guest $mode: PASS ($(vu_elapsed "$t0") s; blk requests $blk_n, rng requests $rng_n; $line)"
        else
                echo "vhost-user guest $mode: FAIL:$problems ($(vu_elapsed "$t0") s)"
                echo "--- guest console (tail)"; tail -25 "$out"
                echo "--- blk back-end"; tail -15 "$work/blk-$mode.log"
                echo "--- rng back-end"; tail -15 "$work/rng-$mode.log"
                fail=1
        fi
}

run_mode split off
run_mode packed on
exit $fail
