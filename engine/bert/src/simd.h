// AVX-512 building blocks shared by the kernels (internal). The whole library is compiled for
// baseline x86-64; functions marked DESKSIDE_AVX512 are compiled for AVX-512F and may only be
// called after cpu_has_avx512() returned true. Pure functions; thread-safe. Empty off x86-64,
// where cpu_has_avx512() is false and only the portable kernels are compiled.
#pragma once

#if defined(__x86_64__)
#include <immintrin.h>

#include <cstdint>

#include "simd/avx512_math.h"

// GCC 12's avx512fintrin.h trips -Wmaybe-uninitialized on its own _mm512_undefined_* helpers
// (GCC bug 105593, fixed in 13); the files that use these intrinsics silence it.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#define DESKSIDE_AVX512 __attribute__((target("avx512f")))

namespace deskside::bert::detail {

using simd::exp_avx512;
using simd::tail_mask;

// GeluTable semantics for 16 lanes: round to half, gather from the float table, |x| >= 10
// bypasses it.
DESKSIDE_AVX512 inline __m512 gelu_avx512(__m512 x, const float* table) {
    const __m256i half = _mm512_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 y = _mm512_i32gather_ps(_mm512_cvtepu16_epi32(half), table, 4);
    const __mmask16 high = _mm512_cmp_ps_mask(x, _mm512_set1_ps(10.0f), _CMP_GE_OQ);
    const __mmask16 low = _mm512_cmp_ps_mask(x, _mm512_set1_ps(-10.0f), _CMP_LE_OQ);
    y = _mm512_mask_mov_ps(y, high, x);
    return _mm512_mask_mov_ps(y, low, _mm512_setzero_ps());
}

}  // namespace deskside::bert::detail

#endif  // defined(__x86_64__)
