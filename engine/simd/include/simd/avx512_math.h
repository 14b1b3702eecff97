// AVX-512 helpers shared by the engine's kernels (the BERT encoder, the decoder): a lane mask for
// a row's tail and e^x for softmax arguments. Header-only; functions are compiled for AVX-512F
// through a target attribute, so a library built for baseline x86-64 may hold them, and may
// call them only after it checked at run time that AVX-512F runs. Pure functions; thread-safe.
#pragma once

#if defined(__x86_64__)
#include <immintrin.h>

#include <cstdint>

namespace deskside::simd {

// Lanes [0, min(remaining, 16)) set.
__attribute__((target("avx512f"))) inline __mmask16 tail_mask(std::int64_t remaining) {
    return remaining >= 16 ? static_cast<__mmask16>(0xFFFF)
                           : static_cast<__mmask16>((1u << remaining) - 1u);
}

// e^x for x <= 0 (softmax arguments), relative error ~2 ulp: x = n ln2 + r with |r| <= ln2/2,
// e^r by its degree-7 Taylor polynomial (truncation 5e-9), then scaled by 2^n. Arguments below
// -87 are clamped there (e^-87 ~ 1.6e-38: such weights vanish in a softmax anyway).
__attribute__((target("avx512f"))) inline __m512 exp_avx512(__m512 x) {
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

}  // namespace deskside::simd
#endif
