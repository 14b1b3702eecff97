// Portable builds of the kernels (kernels.h): the reference the SIMD builds are checked
// against at start-up and in tests, and the fallback on CPUs without AVX2.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "gguf/tensor_types.h"
#include "kernels.h"
#include "quant_dot.h"

namespace deskside::decoder::detail::scalar {

void gemm_tile(const float* a, const float* panel, std::int64_t k, float* c, std::int64_t ldc,
               int rows, int cols) {
    float acc[kTileRows][kPanelCols] = {};
    for (std::int64_t p = 0; p < k; ++p) {
        const float* b = panel + p * kPanelCols;
        const float* ap = a + p * kTileRows;
        for (int r = 0; r < kTileRows; ++r)
            for (int j = 0; j < kPanelCols; ++j) acc[r][j] += ap[r] * b[j];
    }
    for (int r = 0; r < rows; ++r)
        for (int j = 0; j < cols; ++j) c[r * ldc + j] = acc[r][j];
}

void gemm_tile_acc(const float* a, const float* panel, std::int64_t k, float* c, std::int64_t ldc,
                   int rows, int cols) {
    for (int r = 0; r < rows; ++r)
        for (int j = 0; j < cols; ++j) {
            float acc = c[r * ldc + j];
            for (std::int64_t p = 0; p < k; ++p)
                acc = std::fma(a[p * kTileRows + r], panel[p * kPanelCols + j], acc);
            c[r * ldc + j] = acc;
        }
}

float dot_f32(const float* w, const float* x, std::int64_t n) {
    double sum = 0;
    for (std::int64_t i = 0; i < n; ++i) sum += static_cast<double>(w[i]) * x[i];
    return static_cast<float>(sum);
}

float dot_f16(const std::uint16_t* w, const float* x, std::int64_t n) {
    double sum = 0;
    for (std::int64_t i = 0; i < n; ++i)
        sum += static_cast<double>(gguf::half_to_float(w[i])) * x[i];
    return static_cast<float>(sum);
}

void axpy_f32(float a, const float* x, float* y, std::int64_t n) {
    for (std::int64_t i = 0; i < n; ++i) y[i] += a * x[i];
}

void axpy_f16(float a, const std::uint16_t* x, float* y, std::int64_t n) {
    for (std::int64_t i = 0; i < n; ++i) y[i] += a * gguf::half_to_float(x[i]);
}

void axpy_f16_round(float a, const std::uint16_t* x, float* y, std::int64_t n) {
    for (std::int64_t i = 0; i < n; ++i)
        y[i] =
            gguf::half_to_float(gguf::float_to_half(std::fma(a, gguf::half_to_float(x[i]), y[i])));
}

void f16_to_f32(const std::uint16_t* x, float* y, std::int64_t n) {
    for (std::int64_t i = 0; i < n; ++i) y[i] = gguf::half_to_float(x[i]);
}

void f32_to_f16(const float* x, std::uint16_t* y, std::int64_t n) {
    for (std::int64_t i = 0; i < n; ++i) y[i] = gguf::float_to_half(x[i]);
}

void round_f16(const float* x, float* y, std::int64_t n) {
    for (std::int64_t i = 0; i < n; ++i) y[i] = gguf::half_to_float(gguf::float_to_half(x[i]));
}

float exp_sum(const float* x, float max, float* y, std::int64_t n) {
    double sum = 0;
    for (std::int64_t i = 0; i < n; ++i) {
        y[i] = std::exp(x[i] - max);
        sum += y[i];
    }
    return static_cast<float>(sum);
}

double soft_max(const float* x, float max, float* y, std::int64_t n) {
    double sum = 0;
    for (std::int64_t i = 0; i < n; ++i) {
        y[i] = std::exp(x[i] - max);
        sum += y[i];
    }
    return sum;
}

void fill_panel(const float* rows, std::int64_t ld, int n, std::int64_t depth, float* panel) {
    for (std::int64_t k = 0; k < depth; ++k) {
        float* dst = panel + k * kPanelCols;
        int j = 0;
        for (; j < n; ++j) dst[j] = rows[j * ld + k];
        for (; j < kPanelCols; ++j) dst[j] = 0.0f;
    }
}

void swiglu(float* g, const float* u, std::int64_t n) {
    for (std::int64_t i = 0; i < n; ++i) g[i] = g[i] / (1.0f + std::exp(-g[i])) * u[i];
}

void pack_block(const float* x, std::int64_t ldx, int rows, std::int64_t depth, float* block) {
    for (std::int64_t k = 0; k < depth; ++k) {
        float* dst = block + k * kTileRows;
        int r = 0;
        for (; r < rows; ++r) dst[r] = x[r * ldx + k];
        for (; r < kTileRows; ++r) dst[r] = 0.0f;
    }
}

// ggml's nearest_int / _mm256_round_ps(_MM_ROUND_NEAREST): round half to even.
namespace {

inline int nearest_int(float v) {
    return static_cast<int>(std::nearbyint(v));
}

}  // namespace

// llama.cpp's quantize_row_q8_0 (AVX2 build): d = amax / 127 stored as F16, q = round(x * 127 /
// amax); the product then sees fp16(d) * q.
void round_q8_0(const float* x, float* y, std::int64_t n) {
    for (std::int64_t b = 0; b < n; b += 32) {
        float amax = 0;
        for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[b + j]));
        const float d = amax / 127.0f;
        const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
        const float dh = gguf::half_to_float(gguf::float_to_half(d));
        for (int j = 0; j < 32; ++j) y[b + j] = dh * static_cast<float>(nearest_int(x[b + j] * id));
    }
}

// llama.cpp's quantize_row_q8_K_ref: scale from the value of largest magnitude (with its sign),
// iscale = -127 / max, q = min(127, round(iscale * x)), d = 1 / iscale (kept as float).
void round_q8_k(const float* x, float* y, std::int64_t n) {
    for (std::int64_t b = 0; b < n; b += 256) {
        float amax = 0, max = 0;
        for (int j = 0; j < 256; ++j) {
            const float ax = std::fabs(x[b + j]);
            if (ax > amax) {
                amax = ax;
                max = x[b + j];
            }
        }
        if (amax == 0.0f) {
            std::fill(y + b, y + b + 256, 0.0f);
            continue;
        }
        const float iscale = -127.0f / max;
        const float d = 1.0f / iscale;
        for (int j = 0; j < 256; ++j)
            y[b + j] = d * static_cast<float>(std::min(127, nearest_int(iscale * x[b + j])));
    }
}

}  // namespace deskside::decoder::detail::scalar

// ---- Integer products (quant_dot.h): the portable reference of ggml's float order ---------------

namespace deskside::decoder::detail {
namespace {

inline std::uint8_t byte_at(const std::byte* p, std::size_t i) {
    return static_cast<std::uint8_t>(p[i]);
}

inline float half_at(const std::byte* p) {
    std::uint16_t h;
    std::memcpy(&h, p, 2);
    return gguf::half_to_float(h);
}

// hsum_float_8: (a0+a4 + a2+a6) + (a1+a5 + a3+a7), in that association.
inline float hsum8(const float* a) {
    return ((a[0] + a[4]) + (a[2] + a[6])) + ((a[1] + a[5]) + (a[3] + a[7]));
}

// s[l] = sum of w[k] * a[k] over k in 4l..4l+3 (one 32-element chunk; exact).
inline void lane_sums(const int* w, const std::int8_t* a, int* s) {
    for (int l = 0; l < 8; ++l) {
        int v = 0;
        for (int k = 4 * l; k < 4 * l + 4; ++k) v += w[k] * a[k];
        s[l] = v;
    }
}

// Signed weight quants of one 32-element block.
void q8_0_quants(const std::byte* b, int* w) {
    for (int j = 0; j < 32; ++j) w[j] = static_cast<std::int8_t>(byte_at(b, 2 + j));
}
void q4_0_quants(const std::byte* b, int* w) {
    for (int j = 0; j < 16; ++j) {
        w[j] = (byte_at(b, 2 + j) & 0xF) - 8;
        w[j + 16] = (byte_at(b, 2 + j) >> 4) - 8;
    }
}
void q5_0_quants(const std::byte* b, int* w) {
    std::uint32_t qh;
    std::memcpy(&qh, b + 2, 4);
    for (int j = 0; j < 16; ++j) {
        w[j] = ((byte_at(b, 6 + j) & 0xF) | static_cast<int>(((qh >> j) & 1u) << 4)) - 16;
        w[j + 16] =
            ((byte_at(b, 6 + j) >> 4) | static_cast<int>(((qh >> (j + 16)) & 1u) << 4)) - 16;
    }
}

// get_scale_min_k4 for all 8 sub-blocks of a Q4_K / Q5_K block (scales at byte 4).
void k4_scales(const std::byte* b, int* sc, int* mn) {
    const auto q = [&](int i) {
        return static_cast<int>(byte_at(b, 4 + static_cast<std::size_t>(i)));
    };
    for (int j = 0; j < 8; ++j) {
        if (j < 4) {
            sc[j] = q(j) & 63;
            mn[j] = q(j + 4) & 63;
        } else {
            sc[j] = (q(j + 4) & 0xF) | ((q(j - 4) >> 6) << 4);
            mn[j] = (q(j + 4) >> 4) | ((q(j) >> 6) << 4);
        }
    }
}

// Unsigned weight quants of a Q4_K (qs at 16) / Q5_K (qh at 16, qs at 48) block.
void q4_k_quants(const std::byte* b, int* w) {
    for (int e = 0; e < 256; ++e) {
        const int s = e / 32, j = s / 2;
        const int byte = byte_at(b, static_cast<std::size_t>(16 + 32 * j + e % 32));
        w[e] = (s % 2 == 0) ? (byte & 0xF) : (byte >> 4);
    }
}
void q5_k_quants(const std::byte* b, int* w) {
    for (int e = 0; e < 256; ++e) {
        const int s = e / 32, j = s / 2;
        const int byte = byte_at(b, static_cast<std::size_t>(48 + 32 * j + e % 32));
        const int hi = (byte_at(b, static_cast<std::size_t>(16 + e % 32)) >> s) & 1;
        w[e] = ((s % 2 == 0) ? (byte & 0xF) : (byte >> 4)) | (hi << 4);
    }
}
// Q6_K: ql at 0, qh at 128, int8 scales at 192, f16 d at 208; quants minus 32.
void q6_k_quants(const std::byte* b, int* w) {
    for (int h = 0; h < 2; ++h) {
        for (int l = 0; l < 32; ++l) {
            const int ql0 = byte_at(b, static_cast<std::size_t>(64 * h + l));
            const int ql1 = byte_at(b, static_cast<std::size_t>(64 * h + 32 + l));
            const int qh = byte_at(b, static_cast<std::size_t>(128 + 32 * h + l));
            w[128 * h + l] = ((ql0 & 0xF) | ((qh & 3) << 4)) - 32;
            w[128 * h + 32 + l] = ((ql1 & 0xF) | (((qh >> 2) & 3) << 4)) - 32;
            w[128 * h + 64 + l] = ((ql0 >> 4) | (((qh >> 4) & 3) << 4)) - 32;
            w[128 * h + 96 + l] = ((ql1 >> 4) | (((qh >> 6) & 3) << 4)) - 32;
        }
    }
}

// vec_dot of a 32-block type with Q8_0: per block d = dw * da, lane l += d * isum_l (FMA).
template <std::size_t kBytes, void (*kQuants)(const std::byte*, int*)>
float dot_lanes_32(const std::byte* w, const QuantRow& a, std::int64_t n) {
    float acc[8] = {};
    int q[32], s[8];
    for (std::int64_t b = 0; b < n / 32; ++b) {
        const std::byte* blk = w + b * static_cast<std::int64_t>(kBytes);
        kQuants(blk, q);
        lane_sums(q, a.qs + b * 32, s);
        const float d = half_at(blk) * a.d[b];
        for (int l = 0; l < 8; ++l) acc[l] = std::fma(d, static_cast<float>(s[l]), acc[l]);
    }
    return hsum8(acc);
}

// gemv_q4_0_8x8: one float per output, acc += isum_block * (dw * da) (FMA).
float dot_q4_0_x8(const std::byte* w, const QuantRow& a, std::int64_t n) {
    float acc = 0;
    int q[32];
    for (std::int64_t b = 0; b < n / 32; ++b) {
        const std::byte* blk = w + b * 18;
        q4_0_quants(blk, q);
        int isum = 0;
        for (int j = 0; j < 32; ++j) isum += q[j] * a.qs[b * 32 + j];
        acc = std::fma(static_cast<float>(isum), half_at(blk) * a.d[b], acc);
    }
    return acc;
}

// Q4_K / Q5_K lanes: isum_l = sum over sub-blocks of scale * (lane sum of that sub-block).
template <void (*kQuants)(const std::byte*, int*)>
void k4_lanes(const std::byte* blk, const std::int8_t* a, const int* sc, int* isum) {
    int q[256], s[8];
    kQuants(blk, q);
    for (int l = 0; l < 8; ++l) isum[l] = 0;
    for (int c = 0; c < 8; ++c) {
        lane_sums(q + 32 * c, a + 32 * c, s);
        for (int l = 0; l < 8; ++l) isum[l] += sc[c] * s[l];
    }
}

// The mins term's integer parts: prod[k] = mn[2k] q8s[2k] + mn[2k+1] q8s[2k+1], q8s[s] the sum
// of the 32 activation quants of sub-block s.
void k4_min_products(const int* mn, const std::int16_t* bsums, int* prod) {
    for (int k = 0; k < 4; ++k) {
        const int s0 = bsums[4 * k] + bsums[4 * k + 1];
        const int s1 = bsums[4 * k + 2] + bsums[4 * k + 3];
        prod[k] = mn[2 * k] * s0 + mn[2 * k + 1] * s1;
    }
}

float dot_q4_k(const std::byte* w, const QuantRow& a, std::int64_t n) {
    float acc[8] = {}, acc_m[4] = {};
    int sc[8], mn[8], isum[8], prod[4];
    for (std::int64_t i = 0; i < n / 256; ++i) {
        const std::byte* blk = w + i * 144;
        const float d = a.d[i] * half_at(blk);
        const float dmin = -a.d[i] * half_at(blk + 2);
        k4_scales(blk, sc, mn);
        k4_min_products(mn, a.bsums + i * 16, prod);
        for (int k = 0; k < 4; ++k)
            acc_m[k] = std::fma(dmin, static_cast<float>(prod[k]), acc_m[k]);
        k4_lanes<q4_k_quants>(blk, a.qs + i * 256, sc, isum);
        for (int l = 0; l < 8; ++l) acc[l] = std::fma(d, static_cast<float>(isum[l]), acc[l]);
    }
    return hsum8(acc) + ((acc_m[0] + acc_m[2]) + (acc_m[1] + acc_m[3]));
}

// gemv_q4_K_8x8: per output, acc += isum * (dw * da) and acc_min += imin * (dmin_w * da), both
// FMA per super-block; the result is acc - acc_min.
float dot_q4_k_x8(const std::byte* w, const QuantRow& a, std::int64_t n) {
    float acc = 0, acc_min = 0;
    int sc[8], mn[8], isum[8], prod[4];
    for (std::int64_t i = 0; i < n / 256; ++i) {
        const std::byte* blk = w + i * 144;
        k4_scales(blk, sc, mn);
        k4_lanes<q4_k_quants>(blk, a.qs + i * 256, sc, isum);
        k4_min_products(mn, a.bsums + i * 16, prod);
        int total = 0, total_min = 0;
        for (int l = 0; l < 8; ++l) total += isum[l];
        for (int k = 0; k < 4; ++k) total_min += prod[k];
        acc = std::fma(static_cast<float>(total), half_at(blk) * a.d[i], acc);
        acc_min = std::fma(static_cast<float>(total_min), half_at(blk + 2) * a.d[i], acc_min);
    }
    return acc - acc_min;
}

// gemm_q4_K_8x8 (rows of the input taken four at a time): as the gemv, but the float
// accumulation happens per pair of sub-blocks (64 elements), four FMAs per super-block.
float dot_q4_k_x8_gemm(const std::byte* w, const QuantRow& a, std::int64_t n) {
    float acc = 0, acc_min = 0;
    int sc[8], mn[8], q[256], s[8];
    for (std::int64_t i = 0; i < n / 256; ++i) {
        const std::byte* blk = w + i * 144;
        const std::int8_t* qa = a.qs + i * 256;
        const std::int16_t* bs = a.bsums + i * 16;
        k4_scales(blk, sc, mn);
        q4_k_quants(blk, q);
        const float dd = half_at(blk) * a.d[i];
        const float dm = half_at(blk + 2) * a.d[i];
        for (int sb = 0; sb < 4; ++sb) {
            int iacc = 0;
            for (int c = 2 * sb; c < 2 * sb + 2; ++c) {
                lane_sums(q + 32 * c, qa + 32 * c, s);
                int t = 0;
                for (int l = 0; l < 8; ++l) t += s[l];
                iacc += sc[c] * t;
            }
            const int imin = mn[2 * sb] * (bs[4 * sb] + bs[4 * sb + 1]) +
                             mn[2 * sb + 1] * (bs[4 * sb + 2] + bs[4 * sb + 3]);
            acc = std::fma(static_cast<float>(iacc), dd, acc);
            acc_min = std::fma(static_cast<float>(imin), dm, acc_min);
        }
    }
    return acc - acc_min;
}

float dot_q5_k(const std::byte* w, const QuantRow& a, std::int64_t n) {
    float acc[8] = {}, summs = 0;
    int sc[8], mn[8], isum[8], prod[4];
    for (std::int64_t i = 0; i < n / 256; ++i) {
        const std::byte* blk = w + i * 176;
        const float d = a.d[i] * half_at(blk);
        const float dmin = -a.d[i] * half_at(blk + 2);
        k4_scales(blk, sc, mn);
        k4_min_products(mn, a.bsums + i * 16, prod);
        summs =
            std::fma(dmin, static_cast<float>((prod[0] + prod[1]) + (prod[2] + prod[3])), summs);
        k4_lanes<q5_k_quants>(blk, a.qs + i * 256, sc, isum);
        for (int l = 0; l < 8; ++l) acc[l] = std::fma(d, static_cast<float>(isum[l]), acc[l]);
    }
    return hsum8(acc) + summs;
}

float dot_q6_k(const std::byte* w, const QuantRow& a, std::int64_t n) {
    float acc[8] = {};
    int q[256], s[8];
    for (std::int64_t i = 0; i < n / 256; ++i) {
        const std::byte* blk = w + i * 210;
        const float d = a.d[i] * half_at(blk + 208);
        q6_k_quants(blk, q);
        int isum[8] = {};
        for (int c = 0; c < 8; ++c) {
            lane_sums(q + 32 * c, a.qs + i * 256 + 32 * c, s);
            for (int l = 0; l < 8; ++l)
                isum[l] += static_cast<std::int8_t>(byte_at(
                               blk, static_cast<std::size_t>(192 + (32 * c + 4 * l) / 16))) *
                           s[l];
        }
        for (int l = 0; l < 8; ++l) acc[l] = std::fma(d, static_cast<float>(isum[l]), acc[l]);
    }
    return hsum8(acc);
}

}  // namespace

namespace scalar {
QuantDot quant_dot() {
    QuantDot k;
    k.q8_0 = dot_lanes_32<34, q8_0_quants>;
    k.q4_0 = dot_lanes_32<18, q4_0_quants>;
    k.q4_0_x8 = dot_q4_0_x8;
    k.q5_0 = dot_lanes_32<22, q5_0_quants>;
    k.q4_k = dot_q4_k;
    k.q4_k_x8 = dot_q4_k_x8;
    k.q4_k_x8_gemm = dot_q4_k_x8_gemm;
    k.q5_k = dot_q5_k;
    k.q6_k = dot_q6_k;
    return k;
}
}  // namespace scalar

}  // namespace deskside::decoder::detail
