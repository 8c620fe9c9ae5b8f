#!/usr/bin/env bash
# The Debian package, built and checked as an installer would get it (docs/install.md):
#  1. built with debhelper from a scratch copy of the tree (tools/make-deb.sh: incremental after
#     the first run, which compiles borned and bornectl once with Debian's flags);
#  2. lintian reports no error (a warning kept is overridden in debian/borne.lintian-overrides, with the reason);
#  3. unpacked into a scratch root (dpkg -x): files, modes, the conffile;
#  4. systemd-analyze verify passes on the unit as installed (ExecStart found in that root, with
#     this machine's systemd units beside it for the targets it names);
#  5. the maintainer script creates the borne user and groups and /var/lib/borne 0700 owned by
#     borne: the postinst runs with adduser, addgroup, getent, chown, chmod, mkdir and the
#     systemd helpers replaced by recorders (this machine's users are not touched);
#  6. the packaged borned with the packaged configuration speaks sd_notify (sd_notify_test.py);
#  7. make install's half: cmake --install of BUILD_DIR into a DESTDIR puts the same files under
#     the build's prefix, and the unit's ExecStart names that prefix's borned and configuration.
# Usage: package_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1
build=$(realpath "$2")
fail=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fail=1; }

cd "$src"
deb=$(JOBS=${JOBS:-2} tools/make-deb.sh "$build/deb" | tail -n 1)
[ -f "$deb" ] && ok "package built: $deb" || { bad "no package"; exit 1; }

if lintian --fail-on error "$deb" >"$build/deb/lintian.txt" 2>&1; then
  ok "lintian: no error ($(grep -c '^W:' "$build/deb/lintian.txt" || true) warnings)"
else
  cat "$build/deb/lintian.txt"; bad "lintian reports errors"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
dpkg -x "$deb" "$root"
dpkg-deb -e "$deb" "$tmp/control"
mode() { stat -c %a "$root/$1" 2>/dev/null || echo missing; }
expect_mode() { [ "$(mode "$1")" = "$2" ] && ok "$1 mode $2" || bad "$1: mode $(mode "$1"), expected $2"; }
expect_mode usr/sbin/borned 755
expect_mode usr/bin/bornectl 755
expect_mode usr/libexec/borne/borne-nm 755
expect_mode etc/borne/borne.conf 644
expect_mode lib/systemd/system/borne.service 644
expect_mode lib/udev/rules.d/60-borne-gpio.rules 644
expect_mode usr/share/polkit-1/rules.d/60-borne-networkmanager.rules 644
expect_mode usr/share/man/man8/borned.8.gz 644
expect_mode usr/share/man/man1/bornectl.1.gz 644
expect_mode usr/share/doc/borne/copyright 644
compgen -G "$root/usr/share/borne/meters/*.map" >/dev/null && ok "meter register maps" || bad "no meter maps"
grep -qx /etc/borne/borne.conf "$tmp/control/conffiles" && ok "/etc/borne/borne.conf is a conffile" ||
  bad "/etc/borne/borne.conf not a conffile"
"$root/usr/sbin/borned" --version | grep -q '^borned ' && ok "packaged borned runs" || bad "borned --version"
grep -q '^ExecStart=/usr/sbin/borned --config /etc/borne/borne.conf --data-dir /var/lib/borne$' \
  "$root/lib/systemd/system/borne.service" && ok "ExecStart" || bad "ExecStart line"

# The root gets this machine's systemd units (the targets borne.service is ordered against);
# Documentation= man pages are checked by lintian (groff), not by running man in the root.
mkdir -p "$tmp/vroot/lib/systemd" "$tmp/vroot/usr"
cp -a /lib/systemd/system "$tmp/vroot/lib/systemd/"
cp -a "$root/." "$tmp/vroot/"
if out=$(systemd-analyze verify --man=no --root="$tmp/vroot" /lib/systemd/system/borne.service 2>&1) &&
  [ -z "$out" ]; then
  ok "systemd-analyze verify"
else
  echo "$out"; bad "systemd-analyze verify"
fi

# 5. The postinst with recorders instead of the commands that change the system.
stubs=$tmp/stubs; mkdir "$stubs"; log=$tmp/calls
for c in adduser addgroup chown chmod mkdir dpkg-statoverride deb-systemd-helper \
  deb-systemd-invoke systemctl systemd-tmpfiles udevadm; do
  printf '#!/bin/sh\necho "%s $*" >>"%s"\nexit 0\n' "$c" "$log" >"$stubs/$c"
done
# nobody yet; of the reader's groups only i2c exists (i2c-tools installed, no spi group)
printf '#!/bin/sh\necho "getent $*" >>"%s"\n[ "$*" = "group i2c" ] && exit 0\nexit 2\n' "$log" >"$stubs/getent"
printf '#!/bin/sh\nexit 1\n' >"$stubs/dpkg-statoverride"                       # no override
chmod +x "$stubs"/*
if PATH="$stubs:$PATH" DPKG_ROOT="" sh -e "$tmp/control/postinst" configure >"$tmp/postinst.out" 2>&1; then
  ok "postinst configure runs"
else
  cat "$tmp/postinst.out"; bad "postinst configure failed"
fi
expect_call() { grep -qxF -- "$1" "$log" && ok "postinst: $1" || { cat "$log"; bad "postinst did not run: $1"; }; }
expect_call "addgroup --system gpio"
expect_call "adduser --system --group --home /var/lib/borne --no-create-home --gecos borne charging station borne"
expect_call "adduser --quiet borne gpio"
expect_call "adduser --quiet borne dialout"
expect_call "adduser --quiet borne i2c"
grep -qxF "adduser --quiet borne spi" "$log" && bad "postinst: borne added to a missing spi group" ||
  ok "postinst: no spi group, not added to it"
expect_call "mkdir -p /var/lib/borne"
expect_call "chown borne:borne /var/lib/borne"
expect_call "chmod 0700 /var/lib/borne"
grep -q "deb-systemd-helper .*borne.service" "$log" && ok "postinst enables borne.service (dh_installsystemd)" ||
  bad "postinst does not enable borne.service"

# 6. The packaged daemon with the packaged configuration, under the notify protocol.
if python3 "$src/tests/service/sd_notify_test.py" "$root/usr/sbin/borned" --config "$root/etc/borne/borne.conf"; then
  ok "packaged borned with /etc/borne/borne.conf speaks sd_notify"
else
  bad "packaged borned under sd_notify"
fi
# 7. cmake --install (what make install runs) into a staging DESTDIR.
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
etc=$prefix/etc; [ "$prefix" = /usr ] && etc=/etc
stage=$tmp/stage
if DESTDIR=$stage cmake --install "$build" >/dev/null; then
  for f in "$prefix/sbin/borned" "$prefix/bin/bornectl" "$etc/borne/borne.conf" \
    "$prefix/lib/systemd/system/borne.service" "$prefix/share/man/man8/borned.8" \
    "$prefix/share/polkit-1/rules.d/60-borne-networkmanager.rules"; do
    [ -f "$stage$f" ] && ok "make install: $f" || bad "make install: no $f"
  done
  grep -qx "ExecStart=$prefix/sbin/borned --config $etc/borne/borne.conf --data-dir /var/lib/borne" \
    "$stage$prefix/lib/systemd/system/borne.service" && ok "make install: ExecStart names $prefix" ||
    bad "make install: ExecStart"
else
  bad "cmake --install $build"
fi
exit $fail
