# Cross build for 32-bit ARM with hardware floating point (ARMv7, e.g. Raspberry Pi 2,
# older i.MX6/AM335x boards): Debian armhf.
# cmake -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-armhf.cmake (make cross ARCH=armhf).
set(CMAKE_SYSTEM_PROCESSOR armv7l)
set(BORNE_CROSS_TRIPLET arm-linux-gnueabihf)
set(BORNE_QEMU_ARCH arm)
include(${CMAKE_CURRENT_LIST_DIR}/cross-common.cmake)
