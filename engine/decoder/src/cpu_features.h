// What this CPU and its operating system let us run, for choosing kernels at run time. x86-64:
// CPUID feature bits confirmed by XGETBV (the OS saves the YMM/ZMM state). aarch64: the kernel's
// HWCAP bits (Advanced SIMD is architecturally mandatory, so this is a sanity check). Flags alone
// are not trusted: kernels.cpp also runs each fast kernel on a small input and compares it with
// the portable one before using it (this VM's CPU reports AMX, which dies). Pure; thread-safe.
#pragma once

namespace deskside::decoder::detail {

struct CpuFeatures {
    bool avx2 = false;    // AVX2 + FMA + F16C, YMM state enabled
    bool avx512 = false;  // AVX-512 F/BW/DQ/VL, ZMM and opmask state enabled
    bool neon = false;    // AArch64 Advanced SIMD + FP (with the F16 <-> F32 conversions)
};

CpuFeatures detect_cpu_features();

}  // namespace deskside::decoder::detail
