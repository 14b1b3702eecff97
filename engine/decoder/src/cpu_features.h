// What this x86-64 CPU and its operating system let us run: CPUID feature bits confirmed by
// XGETBV (the OS saves the YMM/ZMM state), for choosing kernels at run time. Flags alone are not
// trusted: kernels.cpp also runs each fast kernel on a small input and compares it with the
// portable one before using it (this VM's CPU reports AMX, which dies). Pure; thread-safe.
#pragma once

namespace deskside::decoder::detail {

struct CpuFeatures {
    bool avx2 = false;    // AVX2 + FMA + F16C, YMM state enabled
    bool avx512 = false;  // AVX-512 F/BW/DQ/VL, ZMM and opmask state enabled
};

CpuFeatures detect_cpu_features();

}  // namespace deskside::decoder::detail
