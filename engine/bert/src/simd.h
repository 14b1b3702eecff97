// AVX-512 building blocks shared by the kernels (internal). The whole library is compiled for
// baseline x86-64; functions marked DESKSIDE_AVX512 are compiled for AVX-512F and may only be
// called after cpu_has_avx512() returned true. Pure functions; thread-safe.
#pragma once

#include <immintrin.h>

#include <cstdint>

// GCC 12's avx512fintrin.h trips -Wmaybe-uninitialized on its own _mm512_undefined_* helpers
// (GCC bug 105593, fixed in 13); the files that use these intrinsics silence it.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#define DESKSIDE_AVX512 __attribute__((target("avx512f")))

namespace deskside::bert::detail {

// Lanes [0, min(remaining, 16)) set.
DESKSIDE_AVX512 inline __mmask16 tail_mask(std::int64_t remaining) {
    return remaining >= 16 ? static_cast<__mmask16>(0xFFFF)
                           : static_cast<__mmask16>((1u << remaining) - 1u);
}

// e^x for x <= 0 (softmax arguments), relative error ~2 ulp: x = n ln2 + r with |r| <= ln2/2,
// e^r by its degree-7 Taylor polynomial (truncation 5e-9), then scaled by 2^n. Arguments below
// -87 are clamped there (e^-87 ~ 1.6e-38: such weights vanish in a softmax anyway).
DESKSIDE_AVX512 inline __m512 exp_avx512(__m512 x) {
    const __m512 log2e = _mm512_set1_ps(1.44269504088896341f);
    const __m512 ln2_hi = _mm512_set1_ps(0.693145751953125f);
    const __m512 ln2_lo = _mm512_set1_ps(1.42860676533018708e-06f);
    x = _mm512_max_ps(x, _mm512_set1_ps(-87.0f));
    const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, log2e), _MM_FROUND_TO_NEAREST_INT);
    __m512 r = _mm512_fnmadd_ps(n, ln2_hi, x);
    r = _mm512_fnmadd_ps(n, ln2_lo, r);
    __m512 p = _mm512_set1_ps(1.0f / 5040.0f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 720.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    return _mm512_scalef_ps(p, n);
}

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
