# CMake toolchain file: cross-compile for 64-bit Arm Linux with Debian's GNU cross compiler
# (g++-aarch64-linux-gnu), whose headers and libraries live under /usr/aarch64-linux-gnu. Used by
# tests/cross/run_aarch64.sh; the binaries it builds run here under qemu-aarch64 (qemu-user).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

# Look for libraries and headers in the aarch64 tree only, never in the host's /usr (its x86-64
# libraries would link and fail at run time); programs (the build tools) come from the host.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# What try_run and ctest use to run a target binary on this host.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -L /usr/aarch64-linux-gnu)
