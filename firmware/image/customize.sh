#!/bin/bash
# Turns a Debian root file system with the mailsec-appliance package installed into the
# appliance's root slot: read-only root, configuration and state bound from the data
# partition, the appliance console on the serial port instead of a login, no other login.
#
#   firmware/image/customize.sh ROOTDIR DATADIR
#
# Moves the factory /etc/mailsec (the package's conffiles, plus the image's port map: bridge
# mode, eth0 = LAN1, eth1 = LAN2) to DATADIR/etc/mailsec, the data partition's initial content.
set -euo pipefail
root=$1 data=$2
here=$(cd "$(dirname "$0")" && pwd)
firmware=$(dirname "$here")

echo mailsec > "$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tmailsec\n::1\tlocalhost ip6-localhost ip6-loopback\n' > "$root/etc/hosts"
install -m 0644 "$here/fstab" "$root/etc/fstab"
# An empty machine-id on a read-only root: systemd makes a transient one at every boot.
: > "$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id"

install -d -m 0755 "$root/usr/lib/mailsec-image" "$root/data"
install -m 0755 "$here/mailsec-network" "$here/wait-for-daemon" "$root/usr/lib/mailsec-image/"
install -m 0755 "$firmware/update/mailsec-slot" "$firmware/update/mailsec-update" "$root/usr/lib/mailsec-image/"
install -m 0644 "$firmware/update/bootenv.sh" "$root/usr/lib/mailsec-image/"
install -m 0644 "$here/mailsec-network.service" "$here/mailsec-console.service" \
    "$firmware/update/mailsec-slot.service" "$firmware/update/mailsec-update.service" "$root/etc/systemd/system/"
install -m 0644 "$here/modules-load.conf" "$root/etc/modules-load.d/mailsec.conf"
install -d "$root/etc/systemd/system/mailsecd.service.d"
install -m 0644 "$here/mailsecd-image.conf" "$root/etc/systemd/system/mailsecd.service.d/image.conf"
for unit in mailsec-network.service mailsec-console.service mailsec-slot.service; do
    chroot "$root" systemctl enable "$unit" >/dev/null 2>&1
done
# No Linux login anywhere: the serial port is the appliance console, the screen shows nothing.
# No maintenance a read-only root without LVM has no use for (e2scrub_reap alone took 12 s of
# an emulated boot: docs/firmware.md, Figures).
for unit in serial-getty@ttyS0.service getty@tty1.service console-getty.service getty.target \
            systemd-timesyncd.service apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer \
            fstrim.timer systemd-networkd-wait-online.service e2scrub_reap.service; do
    chroot "$root" systemctl mask "$unit" >/dev/null 2>&1
done
chroot "$root" passwd -l root >/dev/null
# The journal in RAM (the root is read-only; the data partition keeps only configuration
# and state), bounded.
install -d "$root/etc/systemd/journald.conf.d"
printf '[Journal]\nStorage=volatile\nRuntimeMaxUse=16M\n' > "$root/etc/systemd/journald.conf.d/mailsec.conf"

# Configuration and state on the data partition; their mount points stay in the root.
install -d -m 0755 "$data/etc"
rm -rf "$data/etc/mailsec"
cp -a "$root/etc/mailsec" "$data/etc/mailsec"
# The image's factory setting beside the package's: the web console answers hosts on LAN1
# (docs/web-console.md); a plain Debian install leaves it off until the administrator says.
printf '# The appliance image: the web console for hosts on LAN1 (httpd listen 443 by default).\nhttpd host lan1\n' \
    >> "$data/etc/mailsec/mailsec.conf"
install -m 0644 "$here/portmap" "$data/etc/mailsec/portmap"
install -m 0644 "$here/network" "$data/etc/mailsec/network"
install -d -m 0755 "$data/var" "$data/var/lib"
install -d -m 0700 "$data/var/lib/mailsec" "$data/var/lib/private"
# The factory configuration, kept in the root for a reset and for a data partition found empty.
install -d "$root/usr/share/mailsec/factory"
cp -a "$data/etc/mailsec" "$root/usr/share/mailsec/factory/etc-mailsec"
find "$root/etc/mailsec" -mindepth 1 -delete
install -d -m 0700 "$root/var/lib/mailsec" "$root/var/lib/private"
# Caches of the package tools are not needed at run time.
rm -rf "$root/var/cache/apt/"*.bin "$root/var/lib/apt/lists/"* "$root/tmp/"*

# Kernel modules for hardware an appliance with a disk and wired NICs has not (display, sound,
# radio, cameras, Bluetooth, InfiniBand, cluster and network file systems): a third of the root
# slot, and so of every update's download.
for kver in $(ls "$root/lib/modules"); do
    kernel="$root/lib/modules/$kver/kernel"
    for dir in sound drivers/gpu drivers/media drivers/net/wireless drivers/bluetooth drivers/infiniband \
               drivers/staging drivers/iio drivers/isdn drivers/input/joystick drivers/input/touchscreen \
               drivers/usb/gadget drivers/net/can drivers/video/fbdev drivers/thunderbolt \
               net/bluetooth net/wireless net/mac80211 net/can net/sunrpc net/ceph \
               fs/btrfs fs/xfs fs/ocfs2 fs/gfs2 fs/f2fs fs/nfs fs/nfsd fs/ceph fs/smb fs/cifs fs/jfs \
               fs/reiserfs fs/nilfs2 fs/ubifs fs/orangefs fs/dlm; do
        rm -rf "${kernel:?}/$dir"
    done
    chroot "$root" depmod -a "$kver"
done
# The initial RAM disk holds only what finds and mounts the root slot (virtio, SATA, NVMe and
# SCSI disks; ext4), not most of the kernel's drivers: it is read by the boot loader and
# unpacked at every boot, which under emulation costs seconds per megabyte.
printf 'MODULES=list\n' > "$root/etc/initramfs-tools/conf.d/mailsec.conf"
printf '%s\n' virtio_pci virtio_blk virtio_scsi ahci ata_piix sd_mod nvme ext4 > "$root/etc/initramfs-tools/modules"
chroot "$root" update-initramfs -u -k all >/dev/null

# systemd's ConditionNeedsUpdate: /etc/.updated and /var/.updated newer than /usr say the
# caches built from /usr (hardware database, linker cache, journal catalogue) are current.
# They are, made while this root was built; on the read-only root the stamps could never be
# written at boot, and every boot would rebuild them.
touch "$root/etc/.updated" "$root/var/.updated"
