# Shell functions for the boot loader's environment block (GRUB's grubenv on the boot
# partition, LABEL=msboot): a 1024-byte file of `key=value` lines padded with '#'. Sourced by
# mailsec-slot and mailsec-update; only `slot` (the known good root slot) and `try_slot` (to be
# booted once) are kept.
BOOT_MNT=/run/mailsec-boot

boot_mount() {
    mkdir -p "$BOOT_MNT"
    mountpoint -q "$BOOT_MNT" || mount -o sync LABEL=msboot "$BOOT_MNT"
}

boot_umount() { umount "$BOOT_MNT" 2>/dev/null || true; }

# bootenv_get KEY
bootenv_get() { sed -n "s/^$1=//p" "$BOOT_MNT/grub/grubenv" | head -n 1; }

# bootenv_write SLOT TRY_SLOT: rewritten in place (same blocks, as GRUB's save_env writes it)
# and synced before returning. The whole 1024-byte block is made first and written by one dd
# that waits for all of it (iflag=fullblock): a pipe hands dd what has been written so far, and
# a dd that stopped at the first part would leave a mixed block (and fail the writer with
# SIGPIPE).
bootenv_write() {
    local block
    block=$(printf '# GRUB Environment Block\nslot=%s\ntry_slot=%s' "$1" "$2")
    block="$block
$(printf '%*s' $((1024 - ${#block} - 1)) '' | tr ' ' '#')"
    [ "${#block}" -eq 1024 ] || return 1
    printf '%s' "$block" | dd of="$BOOT_MNT/grub/grubenv" bs=1024 count=1 iflag=fullblock conv=notrunc,fsync status=none
}

# The slot this boot runs from (GRUB puts it on the kernel command line).
booted_slot() { sed -n 's/.*mailsec\.slot=\([AB]\).*/\1/p' /proc/cmdline; }

other_slot() { [ "$1" = A ] && echo B || echo A; }

# The partition of slot $1: the disk of the boot partition, partition 2 (A) or 3 (B).
slot_device() {
    local boot
    boot=$(blkid -L msboot) || return 1
    if [ "$1" = A ]; then echo "${boot%1}2"; else echo "${boot%1}3"; fi
}
