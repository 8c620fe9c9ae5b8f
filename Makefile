# borne — the two commands of README.md, and the developer targets around them.
#   make run    install what is missing, build, start a simulated 2-point station
#   make test   install, build (normal, ASan+UBSan, fuzz), run every test
# Other targets: build, sanitize, fuzz, fuzz-long, soak, bench, format, deps, clean,
#   install (PREFIX, DESTDIR) and deb (the Debian package, in $(BUILD)/deb): docs/install.md.
#   deps-cross, cross, cross-test (ARCH=arm64|armhf): cross builds, unit tests under qemu-user,
#   on demand only, not part of make test: docs/cross.md.

SHELL := /bin/bash
BUILD      ?= build
BUILD_ASAN ?= build-asan
BUILD_FUZZ ?= build-fuzz
DATA_DIR   ?= .data
HTTP       ?= 127.0.0.1:8080
JOBS       ?= $(shell nproc)
# ctest runs one test more than there are cores: most integration tests wait on a simulated
# clock or a peer, not on the CPU (make test stays under 25 min on the 2-core machine).
CTEST_JOBS ?= $(shell echo $$(( $(JOBS) + 1 )))
PREFIX     ?= /usr/local

# Debian packages the build and the tests need (bookworm names). Recommends are not installed:
# what a test imports is listed itself (pymodbus' server imports serial and serial_asyncio).
DEB_PACKAGES := build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev \
  clang-format libuv1-dev libwebsockets-dev libwebsockets-evlib-uv libjansson-dev \
  libsqlite3-dev libcurl4-openssl-dev libssl-dev libcmocka-dev libgpiod-dev libmodbus-dev \
  libqrencode-dev sqlite3 curl python3 python3-pymodbus python3-serial python3-serial-asyncio \
  socat openssl chromium zbar-tools tzdata \
  debhelper dpkg-dev fakeroot lintian rsync systemd \
  libmosquitto-dev mosquitto mosquitto-clients \
  libpcsclite-dev pcscd vsmartcard-vpcd \
  rauc squashfs-tools dbus-daemon libglib2.0-bin \
  libnm-dev python3-dbusmock python3-dbus polkitd zlib1g-dev \
  iproute2 binutils

.PHONY: all run test build sanitize fuzz fuzz-long soak bench format format-check deps clean screenshots \
  install deb deps-cross cross cross-test

# Cross builds (docs/cross.md): Debian's cross compiler, qemu-user for the unit tests and the
# target's :$(ARCH) -dev packages (multiarch). libwebsockets-dev:$(ARCH) is not in the list:
# dpkg cannot install it next to the build machine's (tools/cross-deps.sh unpacks it instead);
# libcap-dev is what its libwebsockets.pc requires.
ARCH        ?= arm64
BUILD_CROSS ?= build-$(ARCH)
DEB_PACKAGES_CROSS := crossbuild-essential-$(ARCH) qemu-user-static \
  $(addsuffix :$(ARCH),libc6-dev libuv1-dev libwebsockets17 libwebsockets-evlib-uv \
    libjansson-dev libsqlite3-dev libcurl4-openssl-dev libssl-dev libcmocka-dev libgpiod-dev \
    libmodbus-dev libqrencode-dev libmosquitto-dev libcap-dev libpcsclite-dev zlib1g-dev)

all: build

deps:
	@./tools/install-deps.sh $(DEB_PACKAGES)
	@command -v node >/dev/null || ./tools/install-deps.sh nodejs npm
	@# Test peers (ocpp-rpc, ocpp-ws-io, @road-labs/ocmf, playwright-core, axe-core), pinned by tests/package-lock.json.
	@[ tests/node_modules/.package-lock.json -nt tests/package-lock.json ] || \
	  npm ci --prefix tests --no-audit --no-fund --loglevel=error

build: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@ninja -C $(BUILD) -j $(JOBS)

sanitize: deps
	@cmake -S . -B $(BUILD_ASAN) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DBORNE_SANITIZE=ON >/dev/null
	@ninja -C $(BUILD_ASAN) -j $(JOBS)

fuzz: deps
	@CC=clang cmake -S . -B $(BUILD_FUZZ) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DBORNE_FUZZ=ON >/dev/null
	@ninja -C $(BUILD_FUZZ) -j $(JOBS) fuzzers

run: build
	@mkdir -p $(DATA_DIR)
	@echo "borne: simulated station on http://$(HTTP)/api/v1/status"
	@echo "borne: try  $(BUILD)/bornectl --data-dir $(DATA_DIR) --url http://$(HTTP) status"
	@exec $(BUILD)/borned --sim --data-dir $(DATA_DIR) --http $(HTTP) $(ARGS)

# Every test, in the normal build and under ASan+UBSan; fuzz targets get a short smoke run.
# First every command and module the tests use is checked (tools/check-prereqs.sh): one line
# naming the missing package rather than a failure deep inside a test.
test: deps
	@./tools/check-prereqs.sh test
	@$(MAKE) --no-print-directory build sanitize fuzz
	@ctest --test-dir $(BUILD) --output-on-failure -j $(CTEST_JOBS)
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir $(BUILD_ASAN) --output-on-failure -j $(CTEST_JOBS) -LE fuzz
	@ctest --test-dir $(BUILD_FUZZ) --output-on-failure -j $(JOBS) -L fuzz

# Long fault-injection and crash runs (the same tests with large counts, read by
# the tests at run time): every integration test, and the power-cut test with
# 1 000 cut points. Prints what the crash and power-cut runs counted.
soak: deps
	@./tools/check-prereqs.sh soak
	@$(MAKE) --no-print-directory build
	@BORNE_SOAK=1 ctest --test-dir $(BUILD) --output-on-failure \
	  -R '^(integration/|unit/test_chargepoint_powercut$$)'; rc=$$?; \
	  grep -hoE '(crash|powercut): [0-9]+ (rounds run|cut points over).*' \
	    $(BUILD)/Testing/Temporary/LastTest.log; exit $$rc

# Every fuzz target for FUZZ_SECONDS each (default an hour) from the corpus kept in
# tests/fuzz/corpus/, new coverage merged back into it (docs/fuzzing.md has the figures).
FUZZ_SECONDS ?= 3600
fuzz-long: deps
	@./tools/check-prereqs.sh fuzz-long
	@$(MAKE) --no-print-directory fuzz
	@./tools/fuzz-long.sh $(BUILD_FUZZ) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

bench: build
	@for b in $(BUILD)/bench_*; do [ -x "$$b" ] && "$$b"; done; \
	  node bench/startup.mjs $(BUILD) && \
	  node bench/ocpp_cycle.mjs $(BUILD) && \
	  node bench/site_cycle.mjs $(BUILD)

# borned, bornectl, man pages, /etc/borne/borne.conf (PREFIX /usr: /etc, else PREFIX/etc),
# the systemd unit and the GPIO udev rule under PREFIX, staged in DESTDIR when set.
install: build
	@cmake -S . -B $(BUILD) -DCMAKE_INSTALL_PREFIX=$(PREFIX) >/dev/null
	@ninja -C $(BUILD) -j $(JOBS)
	@DESTDIR=$(DESTDIR) cmake --install $(BUILD)

# The Debian package (debhelper, lintian-checked): $(BUILD)/deb/borne_<version>_<arch>.deb.
deb: deps
	@JOBS=$(JOBS) ./tools/make-deb.sh $(BUILD)/deb
	@lintian --fail-on error $(BUILD)/deb/*.changes

# On demand, never in make test: they add a foreign dpkg architecture and minutes per run.
deps-cross: deps
	@./tools/cross-deps.sh $(ARCH) $(BUILD_CROSS)/overlay $(DEB_PACKAGES_CROSS)

# SYSROOT=<dir>: build against the target's root file system in <dir> instead of the
# multiarch packages (only the cross compiler and qemu-user are installed then).
CROSS_GCC_arm64 := gcc-aarch64-linux-gnu
CROSS_GCC_armhf := gcc-arm-linux-gnueabihf
cross: $(if $(SYSROOT),,deps-cross)
	@$(if $(SYSROOT),./tools/install-deps.sh $(CROSS_GCC_$(ARCH)) qemu-user-static)
	@cmake -S . -B $(BUILD_CROSS) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-$(ARCH).cmake \
	  $(if $(SYSROOT),-DCMAKE_SYSROOT=$(abspath $(SYSROOT)),-DBORNE_CROSS_OVERLAY=$(abspath $(BUILD_CROSS))/overlay) >/dev/null
	@ninja -C $(BUILD_CROSS) -j $(JOBS)

# The unit tests, run by ctest through qemu-user (CMAKE_CROSSCOMPILING_EMULATOR).
cross-test: cross
	@ctest --test-dir $(BUILD_CROSS) -L unit --output-on-failure -j $(JOBS)

# PNGs of every screen of the web page, phone and desktop, English and French, for review
# (docs/web.md): the accessibility sweep's tests with BORNE_SCREENSHOTS; not committed.
screenshots: build
	rm -rf $(BUILD)/screenshots
	BORNE_SCREENSHOTS=$(abspath $(BUILD))/screenshots ctest --test-dir $(BUILD) -R 'web_a11y' --output-on-failure
	@ls $(BUILD)/screenshots | wc -l | xargs echo "PNGs in $(BUILD)/screenshots:"

format:
	@git ls-files '*.c' '*.h' | xargs clang-format -i

format-check:
	@git ls-files '*.c' '*.h' | xargs clang-format --dry-run --Werror

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_FUZZ)
