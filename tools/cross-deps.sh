#!/usr/bin/env bash
# What a cross build for a Debian foreign architecture needs (make deps-cross ARCH=...):
#   tools/cross-deps.sh <arch> <overlay-dir> <package>...
# Adds <arch> to dpkg's architectures (once), installs the packages (the cross compiler,
# qemu-user and the :<arch> -dev packages, listed in the Makefile), then makes the overlay
# for libwebsockets-dev: Debian bookworm's libwebsockets-dev is Multi-Arch: same but its
# /usr/include/lws_config.h differs per architecture (LWS_INSTALL_LIBDIR), so dpkg refuses
# libwebsockets-dev:<arch> next to the build machine's own. The overlay holds the target's
# package unpacked (headers, the .pc with its prefix pointing there, the libwebsockets.so
# link to the installed libwebsockets17:<arch>); cmake/cross-common.cmake reads it first.
set -euo pipefail
arch=$1 overlay=$2
shift 2
case $arch in
  arm64) triplet=aarch64-linux-gnu ;;
  armhf) triplet=arm-linux-gnueabihf ;;
  *) echo "cross-deps: ARCH must be arm64 or armhf, not '$arch'" >&2; exit 2 ;;
esac
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
if ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
  echo "cross-deps: adding the dpkg architecture $arch"
  $sudo dpkg --add-architecture "$arch"
  $sudo apt-get update -qq
fi
"$(dirname "$0")/install-deps.sh" "$@"

pc=$overlay/usr/lib/$triplet/pkgconfig/libwebsockets.pc
ver=$(dpkg-query -W -f='${Version}' "libwebsockets17:$arch")
[ -f "$overlay/.version" ] && [ "$(cat "$overlay/.version")" = "$ver" ] && [ -f "$pc" ] && exit 0
echo "cross-deps: unpacking libwebsockets-dev:$arch $ver into $overlay"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 0777 "$tmp" # apt's download sandbox user writes there
(cd "$tmp" && apt-get download -qq "libwebsockets-dev:$arch=$ver")
rm -rf "$overlay"
mkdir -p "$overlay"
dpkg-deb -x "$tmp"/libwebsockets-dev_*_"$arch".deb "$overlay"
ovl=$(cd "$overlay" && pwd)
lib=$ovl/usr/lib/$triplet
rm -rf "$ovl/usr/share" "$lib/cmake" "$lib/libwebsockets.a"
ln -sfn "/usr/lib/$triplet/$(readlink "$lib/libwebsockets.so")" "$lib/libwebsockets.so"
sed -i "s|^prefix=.*|prefix=\"$ovl/usr\"|" "$pc"
echo "$ver" >"$overlay/.version"
