#!/bin/bash
# Builds the appliance's Debian package from the binaries, with dpkg-deb alone.
#
#   firmware/package/build-deb.sh BINDIR VERSION OUTDIR
#
# BINDIR holds mailsecd, mailsec and yscd built with `swift build -c release
# --static-swift-stdlib` (so the package needs no Swift runtime, only Debian's libraries: the
# dependencies are computed by dpkg-shlibdeps from the binaries). Writes
# OUTDIR/mailsec-appliance_VERSION_amd64.deb. No key, certificate or secret is put in the
# package: mailsec-keys makes them on the box at its first start.
#
# A development package (`make package FIRMWARE_CONFIG=debug`, docs/firmware.md): binaries that
# load the toolchain's shared Swift runtime (a debug build, minutes instead of the release
# build's twenty) get the runtime libraries they load bundled in /usr/lib/mailsec/swift, found
# through /etc/ld.so.conf.d; the version file says "(development build)".
set -euo pipefail

[ $# -eq 3 ] || { echo "usage: $0 BINDIR VERSION OUTDIR" >&2; exit 2; }
bin=$1 version=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
firmware=$(dirname "$here")
for b in mailsecd mailsec yscd; do [ -x "$bin/$b" ] || { echo "$bin/$b: not built" >&2; exit 1; }; done
case "$version" in [0-9]*) ;; *) echo "version '$version' must start with a digit" >&2; exit 2 ;; esac

mkdir -p "$out"
out=$(cd "$out" && pwd)
stage=$(mktemp -d "$out/deb.XXXXXX")
trap 'rm -rf "$stage"' EXIT
root=$stage/root
umask 022

install -d "$root/DEBIAN" "$root/usr/sbin" "$root/usr/bin" "$root/usr/lib/mailsec" "$root/lib/systemd/system" \
    "$root/etc/mailsec" "$root/usr/share/mailsec" "$root/usr/share/doc/mailsec-appliance"
# Stripped: the symbols of a static Swift runtime are most of an unstripped binary's size.
install -m 0755 -s "$bin/mailsecd" "$root/usr/sbin/mailsecd"
install -m 0755 -s "$bin/yscd" "$root/usr/sbin/yscd"
install -m 0755 -s "$bin/mailsec" "$root/usr/bin/mailsec"
install -m 0755 "$here/mailsec-keys" "$root/usr/lib/mailsec/mailsec-keys"
install -m 0755 "$firmware/make-pki.sh" "$root/usr/lib/mailsec/make-pki.sh"
install -m 0644 "$firmware"/systemd/*.service "$root/lib/systemd/system/"
install -m 0644 "$here/mailsec.conf" "$root/etc/mailsec/mailsec.conf"
install -m 0644 "$firmware/portmap" "$root/etc/mailsec/portmap"
# The shared Swift runtime, when the binaries load one (a development package): the libraries
# ldd resolves outside the system's library directories.
runtime=$(for b in mailsecd mailsec yscd; do ldd "$bin/$b"; done | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' \
    | grep -v -E '^/(usr/)?lib(64)?/' | sort -u || true)
if [ -n "$runtime" ]; then
    install -d "$root/usr/lib/mailsec/swift" "$root/etc/ld.so.conf.d"
    for lib in $runtime; do install -m 0644 "$lib" "$root/usr/lib/mailsec/swift/"; done
    strip --strip-unneeded "$root"/usr/lib/mailsec/swift/*.so*
    echo /usr/lib/mailsec/swift > "$root/etc/ld.so.conf.d/mailsec-swift.conf"
    echo "$version (development build)" > "$root/usr/share/mailsec/version"
else
    echo "$version" > "$root/usr/share/mailsec/version"
fi
install -m 0644 "$here/copyright" "$root/usr/share/doc/mailsec-appliance/copyright"
install -d "$root/usr/share/man/man1" "$root/usr/share/man/man8"
gzip -9n < "$here/man/mailsec.1" > "$root/usr/share/man/man1/mailsec.1.gz"
for page in mailsecd yscd; do gzip -9n < "$here/man/$page.8" > "$root/usr/share/man/man8/$page.8.gz"; done
printf 'mailsec-appliance (%s) bookworm; urgency=medium\n\n  * Built from the firmware repository.\n\n -- Mail Security Appliance Team <firmware@example.com>  %s\n' \
    "$version" "$(date -R -d "@${SOURCE_DATE_EPOCH:-$(git -C "$firmware" log -1 --format=%ct 2>/dev/null || date +%s)}")" \
    | gzip -9n > "$root/usr/share/doc/mailsec-appliance/changelog.gz"

# Dependencies from the binaries' dynamic sections (dpkg-shlibdeps wants a source tree).
mkdir -p "$stage/src/debian"
printf 'Source: mailsec-appliance\n\nPackage: mailsec-appliance\nArchitecture: amd64\n' > "$stage/src/debian/control"
objects=("$root/usr/sbin/mailsecd" "$root/usr/sbin/yscd" "$root/usr/bin/mailsec")
shlibopts=()
if [ -n "$runtime" ]; then
    # The bundled runtime is in the package itself: no other package provides it.
    objects+=("$root"/usr/lib/mailsec/swift/*.so*)
    shlibopts=(-l"$root/usr/lib/mailsec/swift" --ignore-missing-info)
fi
shlibdeps=$(cd "$stage/src" && dpkg-shlibdeps "${shlibopts[@]}" -O "${objects[@]}" \
    | sed -n 's/^shlibs:Depends=//p')
[ -n "$shlibdeps" ] || { echo "dpkg-shlibdeps found no dependencies" >&2; exit 1; }
if echo "$shlibdeps" | grep -qi swift; then echo "the binaries still need a Swift runtime: $shlibdeps" >&2; exit 1; fi

size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s|@VERSION@|$version|" -e "s|@SIZE@|$size|" -e "s|@SHLIBDEPS@|$shlibdeps|" "$here/control.in" > "$root/DEBIAN/control"
printf '/etc/mailsec/mailsec.conf\n/etc/mailsec/portmap\n' > "$root/DEBIAN/conffiles"
if [ -n "$runtime" ]; then
    echo /etc/ld.so.conf.d/mailsec-swift.conf >> "$root/DEBIAN/conffiles"
    echo "activate-noawait ldconfig" > "$root/DEBIAN/triggers"
fi
install -m 0755 "$here/postinst" "$here/prerm" "$here/postrm" "$root/DEBIAN/"
(cd "$root" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z | xargs -0 md5sum) > "$root/DEBIAN/md5sums"

deb="$out/mailsec-appliance_${version}_amd64.deb"
# A development package is made to be booted at once, not shipped: the fastest compression
# (gzip -1 instead of -9 on its 190 MB).
level=()
[ -z "$runtime" ] || level=(-z1)
dpkg-deb --root-owner-group -Zgzip "${level[@]}" --build "$root" "$deb" >/dev/null
echo "$deb"
