# Cross-compiles libwal4j and its C test for linux-aarch64 with Debian's cross toolchain
# (gcc-aarch64-linux-gnu, libc6-dev-arm64-cross); CTest runs the test under qemu-aarch64
# (qemu-user), with the target's libraries from /usr/aarch64-linux-gnu. See native/build-aarch64.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(WAL4J_AARCH64_SYSROOT /usr/aarch64-linux-gnu CACHE PATH "The aarch64 glibc's root, for qemu's -L")
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -L ${WAL4J_AARCH64_SYSROOT})
set(CMAKE_FIND_ROOT_PATH ${WAL4J_AARCH64_SYSROOT})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
