#!/bin/busybox sh
# /init of the test initramfs: load the virtio modules, exercise the vhost-user blk and rng
# devices served by mosaic-vhost-user, print one MOSAIC-VU-RESULT line, power off.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# No modprobe in the initramfs: insmod in dependency order (virtio_ring before virtio, the
# PCI helpers before virtio_pci, the bus before the drivers).
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk \
         virtio-rng; do
        insmod /lib/modules/$m.ko || echo "guest: insmod $m failed"
done

wait_for() { i=0; while [ ! -e "$1" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done; }
wait_for /dev/vda
wait_for /dev/hwrng

# The ring layout each device negotiated: bit 34 (VIRTIO_F_RING_PACKED) of the feature string.
ring_of() {
        for d in /sys/bus/virtio/devices/*; do
                if [ "$(cat $d/device)" = "$1" ]; then
                        [ "$(cut -c35 $d/features)" = 1 ] && echo packed || echo split
                fi
        done
}

# 1 MiB pattern: 32768 lines of exactly 32 bytes ("mosaic-vu NNNNNNNN abcdefghijkl\n"), written
# at byte offset 1 MiB (sector 2048), then read back after dropping the page cache.
awk 'BEGIN { for (i = 0; i < 32768; i++) printf "mosaic-vu %08d abcdefghijkl\n", i }' > /tmp/pat
want=$(sha256sum /tmp/pat | cut -d' ' -f1)
blk=fail
if [ -b /dev/vda ] && dd if=/tmp/pat of=/dev/vda bs=65536 seek=16 conv=fsync 2>/dev/null; then
        sync
        echo 3 > /proc/sys/vm/drop_caches
        got=$(dd if=/dev/vda bs=65536 skip=16 count=16 2>/dev/null | sha256sum | cut -d' ' -f1)
        [ "$got" = "$want" ] && blk=ok
fi
serial=$(cat /sys/block/vda/serial 2>/dev/null)
sectors=$(cat /sys/block/vda/size 2>/dev/null)

rng=fail
bytes=$(timeout 30 head -c 64 /dev/hwrng | od -An -v -tx1 | tr -d ' \n')
[ ${#bytes} -eq 128 ] && [ "$bytes" != "$(printf '%0128d' 0)" ] && rng=ok
current=$(cat /sys/class/misc/hw_random/rng_current 2>/dev/null)

echo "MOSAIC-VU-RESULT blk=$blk rng=$rng serial=$serial sectors=$sectors sha=$want" \
     "blkring=$(ring_of 0x0002) rngring=$(ring_of 0x0004) rngdev=$current rngbytes=$((${#bytes} / 2))"
poweroff -f
