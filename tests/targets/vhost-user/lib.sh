# Shared helpers of the vhost-user target tests (sourced). Installs what is missing, fetches
# the Debian cloud kernel once into a cache outside git, builds the busybox initramfs.
set -euo pipefail

VU_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
VU_BIN=${VU_BIN:-$VU_ROOT/build/bin/mosaic-vhost-user}
VU_CACHE=${VU_CACHE:-$VU_ROOT/.cache/mosaic-vhost-user}
VU_KERNEL_PKG=${VU_KERNEL_PKG:-}
VU_MODULES="virtio virtio_ring virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk virtio-rng"

vu_now() { date +%s.%N; }
vu_elapsed() { awk -v a="$1" -v b="$(vu_now)" 'BEGIN { printf "%.1f", b - a }'; }

vu_need_deps() {
        "$VU_ROOT/scripts/install-deps.sh" "$@"
}

# The current Debian cloud kernel package: what the linux-image-cloud-amd64 meta-package
# depends on (e.g. linux-image-6.1.0-56-cloud-amd64).
vu_kernel_pkg() {
        if [ -n "$VU_KERNEL_PKG" ]; then echo "$VU_KERNEL_PKG"; return; fi
        apt-cache depends linux-image-cloud-amd64 2>/dev/null |
                awk '/Depends: linux-image-[0-9].*-cloud-amd64$/ { print $2; exit }'
}

# Sets VU_VMLINUZ and VU_MODDIR (the .ko files of $VU_MODULES, uncompressed).
vu_fetch_kernel() {
        local pkg dir
        pkg=$(vu_kernel_pkg)
        [ -n "$pkg" ] || { echo "vhost-user tests: no linux-image-*-cloud-amd64 in apt" >&2; return 1; }
        dir="$VU_CACHE/$pkg"
        if [ ! -f "$dir/ok" ]; then
                rm -rf "$dir"; mkdir -p "$dir/deb" "$dir/modules"
                (cd "$dir/deb" && apt-get download "$pkg" >/dev/null 2>&1) ||
                        { echo "vhost-user tests: apt-get download $pkg failed" >&2; return 1; }
                dpkg-deb -x "$dir"/deb/*.deb "$dir/x"
                cp "$dir"/x/boot/vmlinuz-* "$dir/vmlinuz"
                for m in $VU_MODULES; do
                        f=$(find "$dir/x/lib/modules" -name "$m.ko" | head -1)
                        [ -n "$f" ] || { echo "vhost-user tests: $m.ko not in $pkg" >&2; return 1; }
                        cp "$f" "$dir/modules/"
                done
                rm -rf "$dir/x" "$dir/deb"
                echo "$pkg" > "$dir/ok"
        fi
        VU_KERNEL_NAME=$pkg
        VU_VMLINUZ=$dir/vmlinuz
        VU_MODDIR=$dir/modules
}

# Build the busybox initramfs with the guest init script into $1.
vu_build_initramfs() {
        local out=$1 root
        root=$(mktemp -d)
        mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/tmp" "$root/lib/modules"
        cp /bin/busybox "$root/bin/busybox"
        cp "$VU_ROOT/tests/targets/vhost-user/guest-init.sh" "$root/init"
        chmod 755 "$root/init"
        cp "$VU_MODDIR"/*.ko "$root/lib/modules/"
        (cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$out"
        rm -rf "$root"
}

# Start a back-end: vu_start_backend NAME LOG args...; sets VU_PID_<NAME>; waits for the socket.
vu_start_backend() {
        local name=$1 log=$2 sock=$4
        shift 2
        "$VU_BIN" "$@" ${VU_VERBOSE:+--verbose} 2>"$log" &
        eval "VU_PID_$name=$!"
        for _ in $(seq 100); do [ -S "$sock" ] && return 0; sleep 0.05; done
        echo "vhost-user tests: back-end $name did not create $sock" >&2
        cat "$log" >&2
        return 1
}

# Stop a back-end with SIGTERM and require a clean exit (signalfd shutdown path).
vu_stop_backend() {
        local pid=$1 rc=0
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" || rc=$?
        return $rc
}
