// NEON (AArch64 Advanced SIMD) builds of the kernels (kernels.h), for the Arm cores of a DGX
// Spark-class box and other AArch64 servers. Advanced SIMD and the F16 conversions (vcvt_f32_f16 /
// vcvt_f16_f32) are part of base ARMv8-A, so the file is compiled without extra flags, for
// aarch64 only; select_kernels() still runs every kernel against the scalar build before use.
//
// gemm_tile: a 12 x 8 register tile (24 accumulators, two panel vectors, three A vectors = 29 of
// the 32 128-bit registers), run once per group of 8 columns of the 32-column panel. Each k step
// loads 5 vectors for 24 multiply-adds (by lane of the A vectors), so the FMA pipes and not the
// loads set the pace. exp (softmax, SwiGLU) is a range reduction to 2^n e^r with a degree-7
// polynomial, as simd/avx512_math.h does: the same accuracy (~2 ulp) as agrees_with_scalar checks.
#if defined(__aarch64__)
#include <arm_neon.h>

#include <cmath>

#include "gguf/tensor_types.h"
#include "kernels.h"

namespace deskside::decoder::detail::neon {
namespace {

// e^x for x <= 0 (softmax arguments; a little above 0 works too). x = n ln2 + r with |r| <= ln2/2,
// e^r by its degree-7 Taylor polynomial (truncation 5e-9), then scaled by 2^n built in the
// exponent field. Arguments are clamped to [-87, 88], so n stays in [-126, 127] and 2^n is a
// normal float (e^-87 ~ 1.6e-38: such weights vanish in a softmax anyway).
inline float32x4_t exp_neon(float32x4_t x) {
    const float32x4_t log2e = vdupq_n_f32(1.44269504088896341f);
    const float ln2_hi = 0.693145751953125f;
    const float ln2_lo = 1.42860676533018708e-06f;
    x = vminq_f32(vmaxq_f32(x, vdupq_n_f32(-87.0f)), vdupq_n_f32(88.0f));
    const float32x4_t n = vrndnq_f32(vmulq_f32(x, log2e));
    float32x4_t r = vfmsq_n_f32(x, n, ln2_hi);
    r = vfmsq_n_f32(r, n, ln2_lo);
    float32x4_t p = vdupq_n_f32(1.0f / 5040.0f);
    p = vfmaq_f32(vdupq_n_f32(1.0f / 720.0f), p, r);
    p = vfmaq_f32(vdupq_n_f32(1.0f / 120.0f), p, r);
    p = vfmaq_f32(vdupq_n_f32(1.0f / 24.0f), p, r);
    p = vfmaq_f32(vdupq_n_f32(1.0f / 6.0f), p, r);
    p = vfmaq_f32(vdupq_n_f32(0.5f), p, r);
    p = vfmaq_f32(vdupq_n_f32(1.0f), p, r);
    p = vfmaq_f32(vdupq_n_f32(1.0f), p, r);
    const int32x4_t bits = vshlq_n_s32(vaddq_s32(vcvtq_s32_f32(n), vdupq_n_s32(127)), 23);
    return vmulq_f32(p, vreinterpretq_f32_s32(bits));
}

// In-place 4 x 4 transpose: r_i[j] becomes the old r_j[i].
inline void transpose4(float32x4_t& r0, float32x4_t& r1, float32x4_t& r2, float32x4_t& r3) {
    const float32x4_t t0 = vtrn1q_f32(r0, r1), t1 = vtrn2q_f32(r0, r1);
    const float32x4_t t2 = vtrn1q_f32(r2, r3), t3 = vtrn2q_f32(r2, r3);
    r0 = vreinterpretq_f32_f64(vtrn1q_f64(vreinterpretq_f64_f32(t0), vreinterpretq_f64_f32(t2)));
    r1 = vreinterpretq_f32_f64(vtrn1q_f64(vreinterpretq_f64_f32(t1), vreinterpretq_f64_f32(t3)));
    r2 = vreinterpretq_f32_f64(vtrn2q_f64(vreinterpretq_f64_f32(t0), vreinterpretq_f64_f32(t2)));
    r3 = vreinterpretq_f32_f64(vtrn2q_f64(vreinterpretq_f64_f32(t1), vreinterpretq_f64_f32(t3)));
}

// dst[t * dst_stride + i] = src[i * ld + t] for i, t < 4: a 4 x 4 block of a transpose.
inline void transpose_block4(const float* src, std::int64_t ld, float* dst,
                             std::int64_t dst_stride) {
    float32x4_t r0 = vld1q_f32(src), r1 = vld1q_f32(src + ld);
    float32x4_t r2 = vld1q_f32(src + 2 * ld), r3 = vld1q_f32(src + 3 * ld);
    transpose4(r0, r1, r2, r3);
    vst1q_f32(dst, r0);
    vst1q_f32(dst + dst_stride, r1);
    vst1q_f32(dst + 2 * dst_stride, r2);
    vst1q_f32(dst + 3 * dst_stride, r3);
}

// c[0..cols) = the 8 values of lo, hi (cols <= 8).
inline void store8(float* c, float32x4_t lo, float32x4_t hi, int cols) {
    if (cols >= 8) {
        vst1q_f32(c, lo);
        vst1q_f32(c + 4, hi);
    } else {
        float tmp[8];
        vst1q_f32(tmp, lo);
        vst1q_f32(tmp + 4, hi);
        for (int j = 0; j < cols; ++j) c[j] = tmp[j];
    }
}

// Columns [col0, col0 + 8) of the tile: all 12 rows of the packed block (rows past `rows` are
// zero there and simply not stored), written for rows < rows and columns < cols (<= 8). Every
// accumulator is named by a constant index (macros, no loops over rows), so that the compiler
// keeps the arrays in registers instead of writing them back to the stack at every step.
void tile_12x8(const float* a, const float* panel, int col0, std::int64_t k, float* c,
               std::int64_t ldc, int rows, int cols) {
    const float32x4_t zero = vdupq_n_f32(0.0f);
    float32x4_t lo[kTileRows] = {zero, zero, zero, zero, zero, zero,
                                 zero, zero, zero, zero, zero, zero};
    float32x4_t hi[kTileRows] = {zero, zero, zero, zero, zero, zero,
                                 zero, zero, zero, zero, zero, zero};
    const float* b = panel + col0;
    for (std::int64_t p = 0; p < k; ++p, a += kTileRows, b += kPanelCols) {
        const float32x4_t b0 = vld1q_f32(b), b1 = vld1q_f32(b + 4);
        const float32x4_t a0 = vld1q_f32(a), a1 = vld1q_f32(a + 4), a2 = vld1q_f32(a + 8);
#define DESKSIDE_ROW(r, av, lane)                 \
    lo[r] = vfmaq_laneq_f32(lo[r], b0, av, lane); \
    hi[r] = vfmaq_laneq_f32(hi[r], b1, av, lane)
        DESKSIDE_ROW(0, a0, 0);
        DESKSIDE_ROW(1, a0, 1);
        DESKSIDE_ROW(2, a0, 2);
        DESKSIDE_ROW(3, a0, 3);
        DESKSIDE_ROW(4, a1, 0);
        DESKSIDE_ROW(5, a1, 1);
        DESKSIDE_ROW(6, a1, 2);
        DESKSIDE_ROW(7, a1, 3);
        DESKSIDE_ROW(8, a2, 0);
        DESKSIDE_ROW(9, a2, 1);
        DESKSIDE_ROW(10, a2, 2);
        DESKSIDE_ROW(11, a2, 3);
#undef DESKSIDE_ROW
    }
    float* out = c + col0;
#define DESKSIDE_STORE(r) \
    if (r < rows) store8(out + r * ldc, lo[r], hi[r], cols)
    DESKSIDE_STORE(0);
    DESKSIDE_STORE(1);
    DESKSIDE_STORE(2);
    DESKSIDE_STORE(3);
    DESKSIDE_STORE(4);
    DESKSIDE_STORE(5);
    DESKSIDE_STORE(6);
    DESKSIDE_STORE(7);
    DESKSIDE_STORE(8);
    DESKSIDE_STORE(9);
    DESKSIDE_STORE(10);
    DESKSIDE_STORE(11);
#undef DESKSIDE_STORE
}

// y[0..m) = f(x[0..m)) for a tail of m < 4 values, through a zero-padded vector.
template <typename F>
inline void tail4(const float* x, float* y, std::int64_t m, F f) {
    float in[4] = {0, 0, 0, 0}, out[4];
    for (std::int64_t i = 0; i < m; ++i) in[i] = x[i];
    vst1q_f32(out, f(vld1q_f32(in)));
    for (std::int64_t i = 0; i < m; ++i) y[i] = out[i];
}

inline float32x4_t load_f16x4(const std::uint16_t* p) {
    return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p)));
}

// x rounded to F16 and back (round to nearest even, the FPCR default on Linux).
inline float32x4_t round_f16x4(float32x4_t v) {
    return vcvt_f32_f16(vcvt_f16_f32(v));
}

}  // namespace

void gemm_tile(const float* a, const float* panel, std::int64_t k, float* c, std::int64_t ldc,
               int rows, int cols) {
    for (int col0 = 0; col0 < cols; col0 += 8)
        tile_12x8(a, panel, col0, k, c, ldc, rows, cols - col0 < 8 ? cols - col0 : 8);
}

float dot_f32(const float* w, const float* x, std::int64_t n) {
    float32x4_t s0 = vdupq_n_f32(0.0f), s1 = s0, s2 = s0, s3 = s0;
    std::int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        s0 = vfmaq_f32(s0, vld1q_f32(w + i), vld1q_f32(x + i));
        s1 = vfmaq_f32(s1, vld1q_f32(w + i + 4), vld1q_f32(x + i + 4));
        s2 = vfmaq_f32(s2, vld1q_f32(w + i + 8), vld1q_f32(x + i + 8));
        s3 = vfmaq_f32(s3, vld1q_f32(w + i + 12), vld1q_f32(x + i + 12));
    }
    for (; i + 4 <= n; i += 4) s0 = vfmaq_f32(s0, vld1q_f32(w + i), vld1q_f32(x + i));
    float sum = vaddvq_f32(vaddq_f32(vaddq_f32(s0, s1), vaddq_f32(s2, s3)));
    for (; i < n; ++i) sum += w[i] * x[i];
    return sum;
}

float dot_f16(const std::uint16_t* w, const float* x, std::int64_t n) {
    float32x4_t s0 = vdupq_n_f32(0.0f), s1 = s0, s2 = s0, s3 = s0;
    std::int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const float16x8_t h0 = vreinterpretq_f16_u16(vld1q_u16(w + i));
        const float16x8_t h1 = vreinterpretq_f16_u16(vld1q_u16(w + i + 8));
        s0 = vfmaq_f32(s0, vcvt_f32_f16(vget_low_f16(h0)), vld1q_f32(x + i));
        s1 = vfmaq_f32(s1, vcvt_high_f32_f16(h0), vld1q_f32(x + i + 4));
        s2 = vfmaq_f32(s2, vcvt_f32_f16(vget_low_f16(h1)), vld1q_f32(x + i + 8));
        s3 = vfmaq_f32(s3, vcvt_high_f32_f16(h1), vld1q_f32(x + i + 12));
    }
    for (; i + 4 <= n; i += 4) s0 = vfmaq_f32(s0, load_f16x4(w + i), vld1q_f32(x + i));
    float sum = vaddvq_f32(vaddq_f32(vaddq_f32(s0, s1), vaddq_f32(s2, s3)));
    for (; i < n; ++i) sum += gguf::half_to_float(w[i]) * x[i];
    return sum;
}

void axpy_f32(float a, const float* x, float* y, std::int64_t n) {
    std::int64_t i = 0;
    for (; i + 4 <= n; i += 4) vst1q_f32(y + i, vfmaq_n_f32(vld1q_f32(y + i), vld1q_f32(x + i), a));
    for (; i < n; ++i) y[i] += a * x[i];
}

void axpy_f16(float a, const std::uint16_t* x, float* y, std::int64_t n) {
    std::int64_t i = 0;
    for (; i + 4 <= n; i += 4)
        vst1q_f32(y + i, vfmaq_n_f32(vld1q_f32(y + i), load_f16x4(x + i), a));
    for (; i < n; ++i) y[i] += a * gguf::half_to_float(x[i]);
}

// One fused multiply-add, then one rounding to F16: bit for bit the scalar build.
void axpy_f16_round(float a, const std::uint16_t* x, float* y, std::int64_t n) {
    std::int64_t i = 0;
    for (; i + 4 <= n; i += 4)
        vst1q_f32(y + i, round_f16x4(vfmaq_n_f32(vld1q_f32(y + i), load_f16x4(x + i), a)));
    for (; i < n; ++i)
        y[i] =
            gguf::half_to_float(gguf::float_to_half(std::fma(a, gguf::half_to_float(x[i]), y[i])));
}

void f16_to_f32(const std::uint16_t* x, float* y, std::int64_t n) {
    std::int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const float16x8_t h = vreinterpretq_f16_u16(vld1q_u16(x + i));
        vst1q_f32(y + i, vcvt_f32_f16(vget_low_f16(h)));
        vst1q_f32(y + i + 4, vcvt_high_f32_f16(h));
    }
    for (; i < n; ++i) y[i] = gguf::half_to_float(x[i]);
}

void f32_to_f16(const float* x, std::uint16_t* y, std::int64_t n) {
    std::int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const float16x8_t h =
            vcvt_high_f16_f32(vcvt_f16_f32(vld1q_f32(x + i)), vld1q_f32(x + i + 4));
        vst1q_u16(y + i, vreinterpretq_u16_f16(h));
    }
    for (; i < n; ++i) y[i] = gguf::float_to_half(x[i]);
}

void round_f16(const float* x, float* y, std::int64_t n) {
    std::int64_t i = 0;
    for (; i + 4 <= n; i += 4) vst1q_f32(y + i, round_f16x4(vld1q_f32(x + i)));
    for (; i < n; ++i) y[i] = gguf::half_to_float(gguf::float_to_half(x[i]));
}

float exp_sum(const float* x, float max, float* y, std::int64_t n) {
    const float32x4_t vmax = vdupq_n_f32(max);
    float32x4_t s0 = vdupq_n_f32(0.0f), s1 = s0;
    std::int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const float32x4_t e0 = exp_neon(vsubq_f32(vld1q_f32(x + i), vmax));
        const float32x4_t e1 = exp_neon(vsubq_f32(vld1q_f32(x + i + 4), vmax));
        vst1q_f32(y + i, e0);
        vst1q_f32(y + i + 4, e1);
        s0 = vaddq_f32(s0, e0);
        s1 = vaddq_f32(s1, e1);
    }
    for (; i + 4 <= n; i += 4) {
        const float32x4_t e = exp_neon(vsubq_f32(vld1q_f32(x + i), vmax));
        vst1q_f32(y + i, e);
        s0 = vaddq_f32(s0, e);
    }
    float sum = vaddvq_f32(vaddq_f32(s0, s1));
    if (i < n) {
        tail4(x + i, y + i, n - i, [&](float32x4_t v) { return exp_neon(vsubq_f32(v, vmax)); });
        for (; i < n; ++i) sum += y[i];
    }
    return sum;
}

// panel[k * 32 + j] = rows[j * ld + k]: 4 x 4 transposes over whole groups of 4 rows and 4
// depths (the rows are read 16 bytes at a time, the panel written in 16-byte pieces), the rest
// one value at a time, then zeros for the columns past n.
void fill_panel(const float* rows, std::int64_t ld, int n, std::int64_t depth, float* panel) {
    const int full = n & ~3;
    std::int64_t k = 0;
    for (; k + 4 <= depth; k += 4) {
        float* dst = panel + k * kPanelCols;
        for (int j = 0; j < full; j += 4)
            transpose_block4(rows + j * ld + k, ld, dst + j, kPanelCols);
        for (int t = 0; t < 4; ++t) {
            float* d = dst + t * kPanelCols;
            int j = full;
            for (; j < n; ++j) d[j] = rows[j * ld + k + t];
            for (; j < kPanelCols; ++j) d[j] = 0.0f;
        }
    }
    for (; k < depth; ++k) {
        float* d = panel + k * kPanelCols;
        int j = 0;
        for (; j < n; ++j) d[j] = rows[j * ld + k];
        for (; j < kPanelCols; ++j) d[j] = 0.0f;
    }
}

// silu(x) = x / (1 + e^-x), with the exponential always of -|x| (<= 0) so it cannot overflow:
// x >= 0: x / (1 + e^-x); x < 0: x e^x / (1 + e^x).
void swiglu(float* g, const float* u, std::int64_t n) {
    const float32x4_t one = vdupq_n_f32(1.0f);
    auto silu = [one](float32x4_t x) {
        const float32x4_t e = exp_neon(vnegq_f32(vabsq_f32(x)));
        const float32x4_t num = vbslq_f32(vcltzq_f32(x), vmulq_f32(x, e), x);
        return vdivq_f32(num, vaddq_f32(one, e));
    };
    std::int64_t i = 0;
    for (; i + 4 <= n; i += 4)
        vst1q_f32(g + i, vmulq_f32(silu(vld1q_f32(g + i)), vld1q_f32(u + i)));
    if (i < n) {
        float s[4];
        tail4(g + i, s, n - i, silu);
        for (std::int64_t j = 0; i < n; ++i, ++j) g[i] = s[j] * u[i];
    }
}

// block[k * 12 + r] = x[r * ldx + k]: as fill_panel, for the 12 rows of a GEMM A block.
void pack_block(const float* x, std::int64_t ldx, int rows, std::int64_t depth, float* block) {
    const int full = rows & ~3;
    std::int64_t k = 0;
    for (; k + 4 <= depth; k += 4) {
        float* dst = block + k * kTileRows;
        for (int r = 0; r < full; r += 4)
            transpose_block4(x + r * ldx + k, ldx, dst + r, kTileRows);
        for (int t = 0; t < 4; ++t) {
            float* d = dst + t * kTileRows;
            int r = full;
            for (; r < rows; ++r) d[r] = x[r * ldx + k + t];
            for (; r < kTileRows; ++r) d[r] = 0.0f;
        }
    }
    for (; k < depth; ++k) {
        float* d = block + k * kTileRows;
        int r = 0;
        for (; r < rows; ++r) d[r] = x[r * ldx + k];
        for (; r < kTileRows; ++r) d[r] = 0.0f;
    }
}

// As scalar::round_q8_0, 32 values at a time: the same operations in the same order, so the
// same bits. vrndnq is round to nearest even (ggml's nearest_int); adding +0 turns the -0 of a
// small negative value into the +0 that the scalar build's integer conversion gives.
void round_q8_0(const float* x, float* y, std::int64_t n) {
    const float32x4_t zero = vdupq_n_f32(0.0f);
    for (std::int64_t b = 0; b < n; b += 32) {
        float32x4_t v[8];
        float32x4_t m = zero;
        for (int i = 0; i < 8; ++i) {
            v[i] = vld1q_f32(x + b + 4 * i);
            m = vmaxq_f32(m, vabsq_f32(v[i]));
        }
        const float amax = vmaxvq_f32(m);
        const float d = amax / 127.0f;
        const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
        const float32x4_t dh = round_f16x4(vdupq_n_f32(d));
        for (int i = 0; i < 8; ++i) {
            const float32x4_t q = vaddq_f32(vrndnq_f32(vmulq_n_f32(v[i], id)), zero);
            vst1q_f32(y + b + 4 * i, vmulq_f32(dh, q));
        }
    }
}

// As scalar::round_q8_k: the first value of largest magnitude gives the scale and its sign.
void round_q8_k(const float* x, float* y, std::int64_t n) {
    const float32x4_t zero = vdupq_n_f32(0.0f);
    const float32x4_t limit = vdupq_n_f32(127.0f);
    for (std::int64_t b = 0; b < n; b += 256) {
        const float* xb = x + b;
        float32x4_t m = zero;
        for (int j = 0; j < 256; j += 4) m = vmaxq_f32(m, vabsq_f32(vld1q_f32(xb + j)));
        const float amax = vmaxvq_f32(m);
        if (amax == 0.0f) {
            for (int j = 0; j < 256; j += 4) vst1q_f32(y + b + j, zero);
            continue;
        }
        float max = 0.0f;
        const float32x4_t target = vdupq_n_f32(amax);
        for (int j = 0; j < 256; j += 4) {
            if (vmaxvq_u32(vceqq_f32(vabsq_f32(vld1q_f32(xb + j)), target)) != 0) {
                int l = 0;
                while (std::fabs(xb[j + l]) != amax) ++l;
                max = xb[j + l];
                break;
            }
        }
        const float iscale = -127.0f / max;
        const float32x4_t vd = vdupq_n_f32(1.0f / iscale);
        for (int j = 0; j < 256; j += 4) {
            const float32x4_t q = vrndnq_f32(vmulq_n_f32(vld1q_f32(xb + j), iscale));
            vst1q_f32(y + b + j, vmulq_f32(vd, vaddq_f32(vminq_f32(q, limit), zero)));
        }
    }
}

}  // namespace deskside::decoder::detail::neon
#endif
