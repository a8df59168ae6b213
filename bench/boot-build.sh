# bench/boot-build.sh: the build side of bench/boot, sourced by it (after
# qemu/lab.sh and qemu/boot.sh). Nothing here touches the host's /etc, its
# /lib/modules or its initramfs:
#
#   bb_kernel ARCH          the kernel of ARCH in $LAB_CACHE/ARCH (arm64: the
#                           lab's, fetched by scripts/install-deps; amd64:
#                           linux-image-amd64's current ABI, resolved with
#                           apt-cache depends, apt-get download + dpkg-deb -x,
#                           depmod -b) plus a static busybox and e2fsck of
#                           ARCH; sets BB_KVER
#   bb_binfmt_up            arm64 programs run through qemu-aarch64-static:
#                           registered (flag F) under our own name unless an
#                           aarch64 handler exists; bb_binfmt_down removes
#                           only what bb_binfmt_up registered
#   bb_buildroot ARCH       a Debian bookworm root (debootstrap minbase) in
#                           $BB_CACHE/buildroot-ARCH with initramfs-tools,
#                           dracut-core + dracut-network, open-iscsi,
#                           nfs-common, busybox, klibc-utils, and the ARCH
#                           kernel's modules; sets BB_ROOT
#   bb_in_root ARCH CMD...  CMD chrooted into it, inside a private mount +
#                           PID namespace (its own /proc, /sys, /dev bound):
#                           every mount and every process goes with it
#   bb_itools ARCH KVER nfs|iscsi OUT   mkinitramfs -d CONFDIR -o OUT KVER
#   bb_dracut ARCH KVER nfs|iscsi OUT   dracut --no-hostonly -a "nfs network
#                                       network-legacy" [iscsi] ...
# Images are cached in $BB_CACHE/img keyed by kernel version and tool
# version, so a second run builds nothing.

BB_CACHE=$LAB_CACHE/bench-boot
BB_BINFMT=""                     # the name we registered, if any
BB_SUITE=bookworm
BB_MIRROR=http://deb.debian.org/debian

bb_log() { echo "boot: $*" >&2; }

bb_kver_file() { echo "$LAB_CACHE/$1/kernel-version"; }

# bb_fetch_into ARCH DIR PKG: PKG (of ARCH) downloaded once, unpacked into DIR.
bb_fetch_into() {
    local arch=$1 dir=$2 pkg=$3 deb
    [ -e "$dir/.done-$pkg" ] && return 0
    mkdir -p "$LAB_CACHE/debs" "$dir"
    (cd "$LAB_CACHE/debs" && apt-get download -qq "$pkg:$arch" 2> /dev/null) || return 1
    deb=$(ls -t "$LAB_CACHE/debs/${pkg}_"*"_$arch.deb" | head -n1)
    [ -n "$deb" ] && dpkg-deb -x "$deb" "$dir" && touch "$dir/.done-$pkg"
}

bb_kernel() {
    local arch=$1 kpkg
    if [ "$arch" = arm64 ]; then
        BB_KVER=$(cat "$(bb_kver_file arm64)" 2> /dev/null) ||
            { bb_log "no arm64 kernel in $LAB_CACHE (scripts/install-deps all)"; return 1; }
        BB_KPKG=linux-image-$BB_KVER
    else
        kpkg=$(apt-cache depends "linux-image-$arch:$arch" 2> /dev/null |
               sed -n 's/^ *Depends: \(linux-image-[0-9][^:]*\).*/\1/p' | head -n1)
        [ -n "$kpkg" ] || { bb_log "cannot resolve linux-image-$arch"; return 1; }
        bb_fetch_into "$arch" "$LAB_CACHE/$arch" "$kpkg" || { bb_log "cannot fetch $kpkg"; return 1; }
        BB_KVER=${kpkg#linux-image-}
        BB_KPKG=$kpkg
        echo "$BB_KVER" > "$(bb_kver_file "$arch")"
        bb_fetch_into "$arch" "$LAB_CACHE/$arch" busybox-static || return 1
        bb_fetch_into "$arch" "$LAB_CACHE/$arch" e2fsck-static || return 1
    fi
    BB_KPKGVER=$(dpkg-deb -f "$(ls -t "$LAB_CACHE/debs/${BB_KPKG}_"*"_$arch.deb" | head -n1)" Version 2> /dev/null)
}

bb_binfmt_up() {
    local m=/proc/sys/fs/binfmt_misc qemu
    [ -e $m/register ] || mount -t binfmt_misc binfmt_misc $m || return 1
    # An aarch64 handler someone else registered: use it, leave it.
    if grep -lqs '^interpreter .*aarch64' $m/* 2> /dev/null; then return 0; fi
    qemu=$(command -v qemu-aarch64-static) || { bb_log "no qemu-aarch64-static"; return 1; }
    BB_BINFMT=netroot-bench-aarch64-$$
    # The ELF header of an aarch64 executable (e_machine 0xb7), written as
    # the text escapes binfmt_misc decodes itself; flag F: the kernel opens
    # the interpreter now, so it works inside a chroot too.
    local magic='\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00'
    local mask='\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff'
    printf '%s\n' ":$BB_BINFMT:M::$magic:$mask:$qemu:F" > $m/register || { BB_BINFMT=""; return 1; }
    # Never leave a handler that catches the host's own programs.
    if ! /bin/true || ! grep -q '^magic 7f454c460201010000000000000000000200b700' "$m/$BB_BINFMT"; then
        echo -1 > "$m/$BB_BINFMT"
        BB_BINFMT=""
        bb_log "the aarch64 binfmt handler did not register as meant: removed"
        return 1
    fi
}

bb_binfmt_down() {
    [ -n "$BB_BINFMT" ] || return 0
    [ -e "/proc/sys/fs/binfmt_misc/$BB_BINFMT" ] && echo -1 > "/proc/sys/fs/binfmt_misc/$BB_BINFMT"
    BB_BINFMT=""
}

# bb_in_root ARCH [--net] CMD...: CMD in the build root, private mounts and
# PIDs; no network unless --net (only apt-get needs it).
bb_in_root() {
    local arch=$1 r=$BB_CACHE/buildroot-$1 net=--net
    shift
    [ "${1:-}" = --net ] && { net=""; shift; }
    # Bounded (BB_TIMEOUT, default 1800 s: an arm64 build under emulation
    # takes minutes); --kill-child ends the namespace's first process, and
    # with it every process of the namespace, when unshare is ended.
    # shellcheck disable=SC2086
    timeout --kill-after=10 "${BB_TIMEOUT:-1800}" \
    unshare --mount --propagation private --pid --fork --kill-child $net -- sh -c '
        r=$1; shift
        mount -t proc proc "$r/proc" &&
        mount -t sysfs sysfs "$r/sys" &&
        mount --rbind /dev "$r/dev" &&
        mount -t tmpfs tmpfs "$r/tmp" &&
        mount -t tmpfs tmpfs "$r/run" || exit 1
        [ -n "${BB_BIND:-}" ] && for b in $BB_BIND; do
            mkdir -p "$r${b#*:}" && mount --bind "${b%%:*}" "$r${b#*:}" || exit 1
        done
        exec chroot "$r" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"' sh "$r" "$@"
}

bb_buildroot() {
    local arch=$1 r=$BB_CACHE/buildroot-$1 pkgs
    BB_ROOT=$r
    # procps: dracut's network-legacy needs pgrep; netbase: /etc/protocols and
    # /etc/services, without which mount.nfs fails ("Protocol not supported").
    pkgs="initramfs-tools dracut-core dracut-network busybox klibc-utils open-iscsi nfs-common zstd kmod udev cpio procps netbase"
    local mark
    mark=$r/.done-packages-$(echo "$pkgs" | cksum | cut -d' ' -f1)
    if [ ! -e "$mark" ]; then
        bb_log "making the $arch build root in $r (debootstrap $BB_SUITE, once)"
        mkdir -p "$BB_CACHE"
        if [ ! -e "$r/.done-debootstrap" ]; then
            rm -rf "$r"
            debootstrap --arch="$arch" --variant=minbase "$BB_SUITE" "$r" "$BB_MIRROR" \
                > "$BB_CACHE/debootstrap-$arch.log" 2>&1 ||
                { bb_log "debootstrap failed: $BB_CACHE/debootstrap-$arch.log"; tail -n 5 "$BB_CACHE/debootstrap-$arch.log" >&2; return 1; }
            touch "$r/.done-debootstrap"
        fi
        # The host's suites (updates, security): the same versions as the host.
        printf 'deb %s %s main\ndeb %s %s-updates main\ndeb http://deb.debian.org/debian-security %s-security main\n' \
            "$BB_MIRROR" "$BB_SUITE" "$BB_MIRROR" "$BB_SUITE" "$BB_SUITE" > "$r/etc/apt/sources.list"
        cp /etc/resolv.conf "$r/etc/resolv.conf"
        # No service of the root's packages may start (and the PID namespace
        # ends whatever would).
        printf '#!/bin/sh\nexit 101\n' > "$r/usr/sbin/policy-rc.d"
        chmod 0755 "$r/usr/sbin/policy-rc.d"
        # shellcheck disable=SC2086
        bb_in_root "$arch" --net sh -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $pkgs" \
            > "$BB_CACHE/apt-$arch.log" 2>&1 ||
            { bb_log "apt-get in the $arch build root failed: $BB_CACHE/apt-$arch.log"; tail -n 5 "$BB_CACHE/apt-$arch.log" >&2; return 1; }
        touch "$mark"
    fi
    # The kernel's modules and config (mkinitramfs and dracut read
    # /lib/modules/KVER and /boot/config-KVER), hard links where possible.
    if [ ! -s "$r/lib/modules/$BB_KVER/modules.dep" ]; then
        mkdir -p "$r/lib/modules" "$r/boot"
        cp -al "$LAB_CACHE/$arch/lib/modules/$BB_KVER" "$r/lib/modules/" 2> /dev/null ||
            cp -a "$LAB_CACHE/$arch/lib/modules/$BB_KVER" "$r/lib/modules/" || return 1
        cp "$LAB_CACHE/$arch/boot/config-$BB_KVER" "$r/boot/" 2> /dev/null || true
        cp "$LAB_CACHE/$arch/boot/System.map-$BB_KVER" "$r/boot/" 2> /dev/null || true
        # The package ships no modules.dep (its postinst makes it): made in
        # the build root's copy only (new files; the links stay untouched).
        depmod -b "$r" "$BB_KVER" || return 1
    fi
}

# bb_pkgver ARCH PKG: PKG's version in the ARCH build root.
bb_pkgver() {
    sed -n "/^Package: $2\$/,/^\$/s/^Version: //p" "$BB_CACHE/buildroot-$1/var/lib/dpkg/status"
}
