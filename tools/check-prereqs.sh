#!/usr/bin/env bash
# Checks, before `make test` (or soak, fuzz-long) builds or runs anything, that every command,
# library, Python module and Node module the build and the tests use is on this machine. `make
# deps` installs them (DEB_PACKAGES, tests/package-lock.json), but a package's Recommends are not
# installed and a machine can drift: python3-pymodbus without its recommended
# python3-serial-asyncio cannot import its server, which once failed the meter tests deep inside a
# test. Here each missing item is one line naming the package that provides it, then exit 1.
#
# Usage: tools/check-prereqs.sh TARGET   (test: everything; soak: build + tests; fuzz-long:
# build + fuzzing). Run from the top of the source tree.
set -uo pipefail
target=${1:-test}
case "$target" in
test) parts="build tests fuzz" ;;
soak) parts="build tests" ;;
fuzz-long) parts="build fuzz" ;;
*) echo "check-prereqs: unknown target $target (test, soak or fuzz-long)" >&2; exit 2 ;;
esac
has() { [[ " $parts " == *" $1 "* ]]; }
missing=0
miss() { echo "make $target: missing $1 — $2" >&2; missing=$((missing + 1)); }
deb() { echo "install the Debian package $1"; }

# command name, Debian package
need_cmd() { command -v "$1" >/dev/null 2>&1 || miss "command $1" "$(deb "$2")"; }

if has build; then
  need_cmd cmake cmake
  need_cmd ninja ninja-build
  need_cmd gcc build-essential
  need_cmd pkg-config pkg-config
  need_cmd python3 python3 # build steps: tools/web-embed, tools/ocpp-gen (standard library only)
  # The libraries CMakeLists.txt finds with pkg-config: module, Debian package.
  if command -v pkg-config >/dev/null 2>&1; then
    while read -r mod pkg; do
      pkg-config --exists "$mod" || miss "library $mod (pkg-config)" "$(deb "$pkg")"
    done <<'EOF'
libuv libuv1-dev
libwebsockets libwebsockets-dev
jansson libjansson-dev
sqlite3 libsqlite3-dev
libcurl libcurl4-openssl-dev
openssl libssl-dev
libgpiod libgpiod-dev
cmocka libcmocka-dev
libqrencode libqrencode-dev
libmodbus libmodbus-dev
libmosquitto libmosquitto-dev
libpcsclite libpcsclite-dev
libnm libnm-dev
zlib zlib1g-dev
EOF
  fi
  # libwebsockets loads its libuv event library as a plugin when borned starts.
  compgen -G '/usr/lib/*/libwebsockets-evlib_uv.so*' >/dev/null ||
    miss "libwebsockets' libuv plugin (libwebsockets-evlib_uv.so)" "$(deb libwebsockets-evlib-uv)"
fi

if has fuzz; then
  need_cmd clang clang
  # libFuzzer's runtime: a two-line target must link with -fsanitize=fuzzer.
  if command -v clang >/dev/null 2>&1; then
    tmp=$(mktemp -d)
    printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' >"$tmp/f.c"
    clang -fsanitize=fuzzer,address,undefined "$tmp/f.c" -o "$tmp/f" >/dev/null 2>&1 ||
      miss "libFuzzer runtime (clang -fsanitize=fuzzer does not link)" \
        "$(deb "libclang-rt-$(clang -dumpversion | cut -d. -f1)-dev")"
    rm -rf "$tmp"
  fi
fi

if has tests; then
  need_cmd ctest cmake
  need_cmd node nodejs                # the integration tests (node --test)
  need_cmd npm npm                    # installs tests/node_modules from the lockfile
  need_cmd socat socat                # pty pairs standing for RS-485 and serial lines
  need_cmd openssl openssl            # test certificates (OCPP TLS, firmware signing, OCMF)
  need_cmd sqlite3 sqlite3            # reading the station's database in the web tests
  need_cmd zbarimg zbar-tools         # decoding the payment QR code from a screenshot
  # The packaging test (tests/service/package_test.sh, docs/install.md).
  need_cmd dpkg-buildpackage dpkg-dev
  need_cmd dh debhelper
  need_cmd fakeroot fakeroot
  need_cmd lintian lintian
  need_cmd rsync rsync
  need_cmd systemd-analyze systemd
  # PC/SC reader test (test_hal_pcsc): its own pcscd with the virtual reader vpcd
  [ -x /usr/sbin/pcscd ] || miss "/usr/sbin/pcscd" "$(deb pcscd)"
  [ -f /usr/lib/pcsc/drivers/serial/libifdvpcd.so ] ||
    miss "the vpcd driver (libifdvpcd.so)" "$(deb vsmartcard-vpcd)"
  need_cmd rauc rauc                  # firmware roll-back through RAUC on image files
  need_cmd mksquashfs squashfs-tools  # `rauc bundle` builds the test's bundle
  need_cmd dbus-daemon dbus-daemon    # the private buses of `rauc service` and the network test
  need_cmd gdbus libglib2.0-bin       # waits for the rauc service's bus name
  need_cmd pkcheck polkitd            # the polkit test asks Debian's polkitd about the shipped rule
  need_cmd mosquitto mosquitto        # the MQTT broker the MQTT test starts (no system service)
  need_cmd mosquitto_sub mosquitto-clients # independent MQTT clients of the MQTT test
  need_cmd mosquitto_pub mosquitto-clients
  chromium=${CHROMIUM:-/usr/bin/chromium} # driven by playwright-core (tests/integration/lib/browser.mjs)
  [ -x "$chromium" ] || miss "browser $chromium" "$(deb chromium) (or set CHROMIUM)"
  [ -f /usr/share/zoneinfo/Europe/Paris ] ||
    miss "time zone files (/usr/share/zoneinfo/Europe/Paris)" "$(deb tzdata)"

  # Python: the meter simulator runs with Debian's /usr/bin/python3 (tests/integration/lib/
  # modbus.mjs); pymodbus' server imports serial and serial_asyncio. Module, Debian package.
  py=/usr/bin/python3
  if [ -x $py ]; then
    pymissing=0
    while read -r mod pkg; do
      $py -c "import $mod" >/dev/null 2>&1 || { miss "python module $mod" "$(deb "$pkg")"; pymissing=1; }
    done <<'EOF'
pymodbus python3-pymodbus
serial python3-serial
serial_asyncio python3-serial-asyncio
dbusmock python3-dbusmock
dbus python3-dbus
EOF
    # Whatever else the simulator imports (a pymodbus of another version, say).
    if [ $pymissing -eq 0 ] && ! err=$($py tests/tools/modbus_server.py --help 2>&1 >/dev/null); then
      miss "a working tests/tools/modbus_server.py ($(printf '%s\n' "$err" | tail -n 1))" \
        "it needs Debian's python3-pymodbus 3.0 with python3-serial-asyncio"
    fi
  else
    miss "command $py" "$(deb python3)"
  fi

  # Node: every package the integration tests and bench/ import (bare specifiers) must be
  # declared in tests/package.json, and every declared one must import from tests/.
  if command -v node >/dev/null 2>&1; then
    declared=$(node -e 'console.log(Object.keys(require("./tests/package.json").dependencies).join("\n"))')
    imported=$(grep -rhoE "(from|import\() *'[^'.][^']*'" tests/integration bench --include='*.mjs' |
      sed -E "s/.*'([^']*)'/\1/" | grep -v '^node:' |
      sed -E 's#^(@[^/]+/[^/]+|[^@/][^/]*).*#\1#' | sort -u)
    for m in $imported; do
      grep -qx -- "$m" <<<"$declared" ||
        miss "npm package $m in tests/package.json" "the tests import it: add it (npm install --prefix tests --save-exact $m)"
    done
    # axe-core is read as a file (injected into the page), the rest are imported.
    # shellcheck disable=SC2086
    bad=$(cd tests && node --input-type=module -e '
      import { existsSync } from "node:fs";
      for (const m of process.argv.slice(1)) {
        if (m === "axe-core") { if (!existsSync("node_modules/axe-core/axe.min.js")) console.log(m); continue; }
        try { await import(m); } catch { console.log(m); }
      }' $declared 2>/dev/null)
    for m in $bad; do
      miss "node module $m" "install the npm package $m (make deps: npm ci --prefix tests)"
    done
  fi
fi

[ $missing -eq 0 ] || { echo "make $target: $missing prerequisite(s) missing, nothing was run" >&2; exit 1; }
