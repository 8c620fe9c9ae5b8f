# Cross build for 64-bit ARM (Raspberry Pi 3/4/5, most current boards): Debian arm64.
# cmake -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-arm64.cmake (make cross ARCH=arm64).
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(BORNE_CROSS_TRIPLET aarch64-linux-gnu)
set(BORNE_QEMU_ARCH aarch64)
include(${CMAKE_CURRENT_LIST_DIR}/cross-common.cmake)
