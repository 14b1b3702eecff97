#include "vector_kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>
#elif defined(__aarch64__)
#include <arm_neon.h>
#endif

#include <cmath>

namespace deskside::store::vec {
namespace {

float dot_portable(const float* a, const float* b, std::size_t n) {
    // Four partial sums let the compiler vectorise without reassociation flags.
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    std::size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        s0 += a[i] * b[i];
        s1 += a[i + 1] * b[i + 1];
        s2 += a[i + 2] * b[i + 2];
        s3 += a[i + 3] * b[i + 3];
    }
    for (; i < n; ++i) s0 += a[i] * b[i];
    return (s0 + s1) + (s2 + s3);
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) float dot_avx2(const float* a, const float* b, std::size_t n) {
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), acc1);
    }
    for (; i + 8 <= n; i += 8)
        acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
    __m256 acc = _mm256_add_ps(acc0, acc1);
    __m128 sum = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
    sum = _mm_add_ps(sum, _mm_movehl_ps(sum, sum));
    sum = _mm_add_ss(sum, _mm_movehdup_ps(sum));
    float result = _mm_cvtss_f32(sum);
    for (; i < n; ++i) result += a[i] * b[i];
    return result;
}

__attribute__((target("avx512f"))) float dot_avx512(const float* a, const float* b, std::size_t n) {
    __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
    std::size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), acc0);
        acc1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), acc1);
    }
    for (; i + 16 <= n; i += 16)
        acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), acc0);
    if (i < n) {  // the tail under a mask: no scalar loop, no read past the end
        __mmask16 mask = static_cast<__mmask16>((1u << (n - i)) - 1);
        acc1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, a + i),
                               _mm512_maskz_loadu_ps(mask, b + i), acc1);
    }
    // Fold 512 -> 128 bits by lane shuffles. The masked forms take no undefined source, which
    // GCC 12's headers (and _mm512_reduce_add_ps) trip -Wuninitialized on.
    constexpr __mmask16 all = 0xFFFF;
    __m512 acc = _mm512_add_ps(acc0, acc1);
    acc =
        _mm512_add_ps(acc, _mm512_mask_shuffle_f32x4(acc, all, acc, acc, _MM_SHUFFLE(1, 0, 3, 2)));
    acc =
        _mm512_add_ps(acc, _mm512_mask_shuffle_f32x4(acc, all, acc, acc, _MM_SHUFFLE(2, 3, 0, 1)));
    alignas(64) float lanes[16];
    _mm512_store_ps(lanes, acc);
    return (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
}
#endif

#if defined(__aarch64__)
// Advanced SIMD is part of every AArch64 CPU, so this needs no target attribute and no run-time
// check. Four accumulators hide the FMA latency; the tail is scalar.
float dot_neon(const float* a, const float* b, std::size_t n) {
    float32x4_t acc0 = vdupq_n_f32(0.0f), acc1 = vdupq_n_f32(0.0f);
    float32x4_t acc2 = vdupq_n_f32(0.0f), acc3 = vdupq_n_f32(0.0f);
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        acc0 = vfmaq_f32(acc0, vld1q_f32(a + i), vld1q_f32(b + i));
        acc1 = vfmaq_f32(acc1, vld1q_f32(a + i + 4), vld1q_f32(b + i + 4));
        acc2 = vfmaq_f32(acc2, vld1q_f32(a + i + 8), vld1q_f32(b + i + 8));
        acc3 = vfmaq_f32(acc3, vld1q_f32(a + i + 12), vld1q_f32(b + i + 12));
    }
    for (; i + 4 <= n; i += 4) acc0 = vfmaq_f32(acc0, vld1q_f32(a + i), vld1q_f32(b + i));
    float result = vaddvq_f32(vaddq_f32(vaddq_f32(acc0, acc1), vaddq_f32(acc2, acc3)));
    for (; i < n; ++i) result += a[i] * b[i];
    return result;
}
#endif

struct Kernel {
    DotFunction function;
    const char* name;
};

Kernel pick_kernel() {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return {dot_avx512, "avx512"};
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return {dot_avx2, "avx2"};
#elif defined(__aarch64__)
    return {dot_neon, "neon"};
#endif
    return {dot_portable, "portable"};
}

const Kernel& kernel() {
    static const Kernel chosen = pick_kernel();  // immutable after the first call
    return chosen;
}

}  // namespace

DotFunction dot_kernel() {
    return kernel().function;
}
const char* dot_kernel_name() {
    return kernel().name;
}

bool normalise(float* v, std::size_t n) {
    double sum = 0;
    for (std::size_t i = 0; i < n; ++i) sum += static_cast<double>(v[i]) * v[i];
    if (sum == 0) return false;
    const double scale = 1.0 / std::sqrt(sum);
    for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<float>(v[i] * scale);
    return true;
}

}  // namespace deskside::store::vec
