#!/bin/bash
# Builds the appliance's disk image from Debian 12 and the appliance package (as root).
#
#   firmware/image/build-image.sh DEB OUTDIR
#
# Writes OUTDIR/mailsec-appliance.img, a raw disk with an MBR partition table:
#   1  msboot   ext2,  32 MiB   GRUB (BIOS; core image in the gap after the MBR), grub.cfg, grubenv
#   2  msrootA  ext4,  ROOT_MIB the root file system, mounted read-only
#   3  msrootB  ext4,  ROOT_MIB the second root slot, for updates (empty at first)
#   4  msdata   ext4,  DATA_MIB configuration and state (/etc/mailsec, /var/lib/mailsec, …)
# and OUTDIR/mailsec-rootfs.ext4 (+ .sha256), the root slot alone: what `firmware update URL`
# installs on a running appliance.
#
# The Debian base (mmdebstrap, Debian's archive only) is kept in OUTDIR/cache/ (a directory) keyed by its
# package list, so rebuilding after a package change takes seconds; IMAGE_NO_CACHE=1 ignores it.
#
#   firmware/image/build-image.sh --base OUTDIR
#
# makes only that cached base (it needs no package: `make test` builds it while Swift compiles).
set -euo pipefail

base_only=0
if [ "${1:-}" = --base ]; then
    base_only=1
    shift
    [ $# -eq 1 ] || { echo "usage: $0 --base OUTDIR" >&2; exit 2; }
    set -- "" "$1"
fi
[ $# -eq 2 ] || { echo "usage: $0 DEB OUTDIR | --base OUTDIR" >&2; exit 2; }
deb=$1 out=$2
here=$(cd "$(dirname "$0")" && pwd)
[ "$(id -u)" = 0 ] || { echo "$0: must run as root (mmdebstrap, chroot)" >&2; exit 1; }
if [ "$base_only" = 0 ]; then
    deb=$(readlink -f "$deb")
    [ -f "$deb" ] || { echo "$deb: no such package" >&2; exit 1; }
fi
ROOT_MIB=${ROOT_MIB:-1024}
DATA_MIB=${DATA_MIB:-256}
BOOT_MIB=32
SUITE=bookworm
PACKAGES=linux-image-amd64,systemd-sysv,udev,kmod,initramfs-tools,iproute2,nftables,openssl,curl,libcurl4,libpcap0.8,libssl3,e2fsprogs,util-linux,procps
mkdir -p "$out/cache"
out=$(cd "$out" && pwd)
work=$(mktemp -d "$out/image.XXXXXX")
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
started=$(date +%s)
log() { echo "image: [$(( $(date +%s) - started ))s] $*"; }

# 1. The Debian base: kernel, systemd, the package's dependencies; no documentation.
key=$(echo "$SUITE $PACKAGES" | sha256sum | cut -c1-16)
base="$out/cache/base-$key"
if [ ! -d "$base" ] || [ "${IMAGE_NO_CACHE:-0}" = 1 ]; then
    rm -rf "$base" "$base.tmp"
    log "mmdebstrap $SUITE (Debian's archive)"
    mmdebstrap --quiet --mode=root --variant=minbase --include="$PACKAGES" \
        --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
        --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
        --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
        --dpkgopt='path-exclude=/usr/share/lintian/*' \
        "$SUITE" "$base.tmp"
    mv "$base.tmp" "$base"
fi
if [ "$base_only" = 1 ]; then
    log "Debian base ready: $base"
    exit 0
fi

# 2. The root slot: the base, the package, the appliance's own files.
log "root file system"
root="$work/root" data="$work/data"
mkdir -p "$data"
cp -a "$base" "$root"
cp "$deb" "$root/tmp/mailsec-appliance.deb"
chroot "$root" dpkg -i /tmp/mailsec-appliance.deb >/dev/null
rm -f "$root/tmp/mailsec-appliance.deb"
"$here/customize.sh" "$root" "$data"
du_root=$(du -sm "$root" | cut -f1)
log "root uses ${du_root} MiB of the ${ROOT_MIB} MiB slot"
[ "$du_root" -lt $((ROOT_MIB * 9 / 10)) ] || { echo "root file system too large for the slot (ROOT_MIB)" >&2; exit 1; }

# 3. File systems, made from directories (nothing mounted, no loop device).
# The root slot is read-only: a file system sized to what it holds (a tenth more, for the
# file system's own tables) is that much less to download and check in an update; the partition
# stays ROOT_MIB, the file system simply ends earlier.
root_fs_mib=$((du_root * 11 / 10 + 48))
[ "$root_fs_mib" -le "$ROOT_MIB" ] || root_fs_mib=$ROOT_MIB
mkfs.ext4 -q -F -L msrootA -d "$root" -O ^has_journal -m 0 "$work/rootA.ext4" "${root_fs_mib}M"
log "root file system: ${root_fs_mib} MiB"
mkfs.ext4 -q -F -L msrootB -O ^has_journal -m 0 "$work/rootB.ext4" "${ROOT_MIB}M"
mkfs.ext4 -q -F -L msdata -d "$data" "$work/data.ext4" "${DATA_MIB}M"
# The boot partition: GRUB's modules, grub.cfg and the environment block with slot A good.
log "boot loader"
grubdir="$work/boot/grub"
mkdir -p "$grubdir/i386-pc"
cp /usr/lib/grub/i386-pc/*.mod /usr/lib/grub/i386-pc/*.lst "$grubdir/i386-pc/"
install -m 0644 "$here/grub.cfg" "$grubdir/grub.cfg"
grub-editenv "$grubdir/grubenv" create
grub-editenv "$grubdir/grubenv" set slot=A try_slot=
mkfs.ext2 -q -F -L msboot -d "$work/boot" "$work/boot.ext2" "${BOOT_MIB}M"
# GRUB's core image: enough to read grub.cfg from partition 1; the rest is loaded from there.
grub-mkimage -O i386-pc -o "$work/core.img" -p '(hd0,msdos1)/grub' biosdisk part_msdos ext2
[ "$(stat -c %s "$work/core.img")" -lt $((2047 * 512)) ] || { echo "GRUB core image too large for the gap" >&2; exit 1; }

# 4. The disk: MBR with GRUB's boot sector (the partition table kept), the core image in the
#    gap after it (sector 1 on: where boot.img and the core image's first sector expect it),
#    the file systems at their partitions' offsets (sparse).
img="$work/disk.img"
total=$((1 + BOOT_MIB + 2 * ROOT_MIB + DATA_MIB + 1))
truncate -s "${total}M" "$img"
sfdisk --quiet "$img" <<SFDISK
label: dos
unit: sectors
start=2048, size=$((BOOT_MIB * 2048)), type=83, bootable
size=$((ROOT_MIB * 2048)), type=83
size=$((ROOT_MIB * 2048)), type=83
size=$((DATA_MIB * 2048)), type=83
SFDISK
dd if=/usr/lib/grub/i386-pc/boot.img of="$img" bs=440 count=1 conv=notrunc status=none
dd if="$work/core.img" of="$img" bs=512 seek=1 conv=notrunc status=none
offset=1
for part in boot.ext2:$BOOT_MIB rootA.ext4:$ROOT_MIB rootB.ext4:$ROOT_MIB data.ext4:$DATA_MIB; do
    dd if="$work/${part%%:*}" of="$img" bs=1M seek="$offset" conv=notrunc,sparse status=none
    offset=$((offset + ${part##*:}))
done

# 6. Results, in place only when complete.
mv "$work/rootA.ext4" "$out/mailsec-rootfs.ext4"
(cd "$out" && sha256sum mailsec-rootfs.ext4 > mailsec-rootfs.ext4.sha256)
mv "$img" "$out/mailsec-appliance.img"
log "$out/mailsec-appliance.img ($(du -m "$out/mailsec-appliance.img" | cut -f1) MiB used of ${total} MiB)"
