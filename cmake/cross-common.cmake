# Shared part of the cross toolchain files (toolchain-arm64.cmake, toolchain-armhf.cmake):
# Debian's cross gcc for BORNE_CROSS_TRIPLET, the target's libraries from the multiarch
# -dev packages in /usr/lib/<triplet> (dpkg --add-architecture), pkg-config limited to the
# target's .pc files, and qemu-user as the emulator through which ctest runs the unit tests.
# The code generators (tools/ocpp-gen, tools/web-embed) are Python scripts run by the
# build machine's python3: nothing built for the target runs during the build.
# docs/cross.md says how to use it (make deps-cross / cross / cross-test ARCH=...).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_C_COMPILER ${BORNE_CROSS_TRIPLET}-gcc)
set(CMAKE_AR ${BORNE_CROSS_TRIPLET}-ar CACHE FILEPATH "")
set(CMAKE_RANLIB ${BORNE_CROSS_TRIPLET}-ranlib CACHE FILEPATH "")
set(CMAKE_STRIP ${BORNE_CROSS_TRIPLET}-strip CACHE FILEPATH "")

# Libraries and headers of the target only; programs (python3, node) of the build machine.
set(CMAKE_LIBRARY_ARCHITECTURE ${BORNE_CROSS_TRIPLET})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)

# pkg-config reads the target's .pc files, never the build machine's. BORNE_CROSS_OVERLAY
# (made by tools/cross-deps.sh) holds what a -dev package that cannot be co-installed for a
# foreign architecture would have given (libwebsockets-dev: docs/cross.md); it comes first.
# With -DCMAKE_SYSROOT=<dir> (the target's root file system, e.g. a copy of the board's, or
# Debian packages unpacked with dpkg-deb -x: docs/cross.md) the same paths are read inside it.
set(_borne_pc ${CMAKE_SYSROOT}/usr/lib/${BORNE_CROSS_TRIPLET}/pkgconfig:${CMAKE_SYSROOT}/usr/share/pkgconfig)
if(BORNE_CROSS_OVERLAY)
  set(_borne_pc ${BORNE_CROSS_OVERLAY}/usr/lib/${BORNE_CROSS_TRIPLET}/pkgconfig:${_borne_pc})
endif()
set(ENV{PKG_CONFIG_LIBDIR} ${_borne_pc})
set(ENV{PKG_CONFIG_PATH} "")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "${CMAKE_SYSROOT}")
# try_compile projects see the toolchain file again: keep the overlay setting.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES BORNE_CROSS_OVERLAY CMAKE_SYSROOT)

# ctest runs target executables through qemu-user. The target's dynamic loader and
# libraries are installed at their multiarch places on this machine (libc6:<arch>), so
# qemu's prefix is / (no -L sysroot needed); with a sysroot, it is the sysroot.
find_program(BORNE_QEMU qemu-${BORNE_QEMU_ARCH}-static)
if(BORNE_QEMU AND CMAKE_SYSROOT)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${BORNE_QEMU};-L;${CMAKE_SYSROOT})
elseif(BORNE_QEMU)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${BORNE_QEMU})
endif()
