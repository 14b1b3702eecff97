// Kernel selection (CPUID + XGETBV on x86-64, HWCAP on aarch64, then a numerical probe against
// the scalar build) and the activation rounding that mirrors llama.cpp's quantize_row_q8_0 / q8_K.
#include "kernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "cpu_features.h"
#include "gguf/tensor_types.h"

namespace deskside::decoder::detail {
namespace {

// ggml_compute_fp32_to_bf16: round to nearest even (NaN kept quiet).
void round_bf16(const float* x, float* y, std::int64_t n) {
    for (std::int64_t i = 0; i < n; ++i) {
        std::uint32_t u;
        std::memcpy(&u, &x[i], 4);
        if ((u & 0x7fffffff) > 0x7f800000) {
            u |= 0x00400000;
        } else {
            u = (u + (0x7fff + ((u >> 16) & 1))) & 0xffff0000u;
        }
        u &= 0xffff0000u;
        std::memcpy(&y[i], &u, 4);
    }
}

Kernels scalar_kernels() {
    Kernels k;
    k.isa = Isa::scalar;
    k.gemm_tile = scalar::gemm_tile;
    k.gemm_tile_acc = scalar::gemm_tile_acc;
    k.dot_f32 = scalar::dot_f32;
    k.dot_f16 = scalar::dot_f16;
    k.axpy_f32 = scalar::axpy_f32;
    k.axpy_f16 = scalar::axpy_f16;
    k.axpy_f16_round = scalar::axpy_f16_round;
    k.f16_to_f32 = scalar::f16_to_f32;
    k.f32_to_f16 = scalar::f32_to_f16;
    k.round_f16 = scalar::round_f16;
    k.exp_sum = scalar::exp_sum;
    k.soft_max = scalar::soft_max;
    k.fill_panel = scalar::fill_panel;
    k.swiglu = scalar::swiglu;
    k.pack_block = scalar::pack_block;
    k.round_q8_0 = scalar::round_q8_0;
    k.round_q8_k = scalar::round_q8_k;
    k.qdot = scalar::quant_dot();
    return k;
}

// Deterministic pseudo-random floats in [-1, 1).
std::vector<float> probe_data(std::size_t n, std::uint32_t seed) {
    std::vector<float> v(n);
    for (auto& x : v) {
        seed = seed * 1664525u + 1013904223u;
        x = static_cast<float>(seed >> 8) / 8388608.0f - 1.0f;
    }
    return v;
}

bool close(float a, float b, float scale) {
    return std::fabs(a - b) <= 1e-5f * scale + 1e-6f;
}

// Pseudo-random blocks of `type` (n values): random quants, small positive F16 scales.
std::vector<std::byte> probe_blocks(gguf::TensorType type, std::int64_t n, std::uint32_t seed) {
    std::vector<std::byte> row(gguf::row_bytes(type, n));
    for (auto& b : row) {
        seed = seed * 1664525u + 1013904223u;
        b = static_cast<std::byte>(seed >> 24);
    }
    const std::size_t bytes = gguf::block_bytes(type);
    for (std::size_t off = 0; off < row.size(); off += bytes) {
        seed = seed * 1664525u + 1013904223u;
        const std::uint16_t d =
            gguf::float_to_half(0.001f + static_cast<float>(seed >> 20) * 1e-6f);
        const std::uint16_t m = gguf::float_to_half(static_cast<float>(seed >> 22) * 1e-6f);
        if (type == gguf::TensorType::Q6_K) {
            std::memcpy(row.data() + off + 208, &d, 2);
        } else {
            std::memcpy(row.data() + off, &d, 2);
            if (type == gguf::TensorType::Q4_K || type == gguf::TensorType::Q5_K)
                std::memcpy(row.data() + off + 2, &m, 2);
        }
    }
    return row;
}

// Every integer product of `k` against the scalar build, bit for bit, one row and four rows at
// a time, on inputs that include a zero block and a block whose extreme is negative.
bool quant_dot_agrees(const QuantDot& k) {
    const QuantDot s = scalar::quant_dot();
    constexpr std::int64_t n = 512;
    std::vector<float> x = probe_data(4 * n, 9);
    std::fill(x.begin() + 32, x.begin() + 64, 0.0f);
    x[300] = -3.0f;
    std::vector<std::int8_t> q0(4 * n), qk(4 * n);
    std::vector<float> d0(4 * n / 32), dk(4 * n / 256);
    std::vector<std::int16_t> bs(4 * n / 16);
    for (int r = 0; r < 4; ++r) {
        quantize_q8_0(x.data() + r * n, n, q0.data() + r * n, d0.data() + r * n / 32);
        quantize_q8_k(x.data() + r * n, n, qk.data() + r * n, dk.data() + r * n / 256,
                      bs.data() + r * n / 16);
    }
    QuantRow a0[4], ak[4];
    for (int r = 0; r < 4; ++r) {
        a0[r] = {q0.data() + r * n, d0.data() + r * n / 32, nullptr};
        ak[r] = {qk.data() + r * n, dk.data() + r * n / 256, bs.data() + r * n / 16};
    }
    using T = gguf::TensorType;
    struct Case {
        T type;
        std::int64_t rows;  // 8: repacked Q4_0 / Q4_K kernels; 9: vec_dot
        std::int64_t m, inputs;
    };
    const Case cases[] = {{T::Q8_0, 9, 0, 1}, {T::Q4_0, 9, 0, 1}, {T::Q4_0, 8, 0, 1},
                          {T::Q5_0, 9, 0, 1}, {T::Q4_K, 9, 0, 1}, {T::Q4_K, 8, 0, 1},
                          {T::Q4_K, 8, 0, 4}, {T::Q5_K, 9, 0, 1}, {T::Q6_K, 9, 0, 1}};
    for (const Case& c : cases) {
        const std::vector<std::byte> w =
            probe_blocks(c.type, n, static_cast<std::uint32_t>(c.type));
        const QuantRow* a = act_quant_for(c.type) == ActQuant::q8_k ? ak : a0;
        const QuantDotFn fs = quant_dot_for(s, c.type, c.rows, c.m, c.inputs);
        const QuantDotFn fk = quant_dot_for(k, c.type, c.rows, c.m, c.inputs);
        if (!fk) continue;  // a build without integer products (NEON): the float path serves
        float ref[4];
        for (int r = 0; r < 4; ++r) {
            ref[r] = fs(w.data(), a[r], n);
            const float got = fk(w.data(), a[r], n);
            if (std::memcmp(&got, &ref[r], sizeof(float)) != 0) return false;
        }
        if (const QuantDot4Fn f4 = quant_dot4_for(k, c.type, c.rows, c.m, c.inputs)) {
            float got[4];
            f4(w.data(), a, got, n);
            if (std::memcmp(got, ref, sizeof(ref)) != 0) return false;
        }
    }
    return true;
}

// Runs every kernel of `k` on small inputs (odd sizes, so tails are covered) and compares it
// with the scalar build.
bool agrees_with_scalar(const Kernels& k) {
    const Kernels s = scalar_kernels();
    constexpr std::int64_t kDepth = 37;
    std::vector<float> a = probe_data(kDepth * kTileRows, 1);
    alignas(64) float panel[kDepth * kPanelCols];
    const std::vector<float> b = probe_data(kDepth * kPanelCols, 2);
    std::copy(b.begin(), b.end(), panel);
    for (int rows : {kTileRows, 7}) {
        for (int cols : {kPanelCols, 19, 5}) {
            float c1[kTileRows * 40], c2[kTileRows * 40];
            std::fill(std::begin(c1), std::end(c1), -7.0f);
            std::fill(std::begin(c2), std::end(c2), -7.0f);
            k.gemm_tile(a.data(), panel, kDepth, c1, 40, rows, cols);
            s.gemm_tile(a.data(), panel, kDepth, c2, 40, rows, cols);
            for (int i = 0; i < kTileRows * 40; ++i)
                if (!close(c1[i], c2[i], kDepth)) return false;
            // Accumulating form: one FMA chain per element from C's value, bit for bit.
            std::copy(std::begin(c1), std::end(c1), std::begin(c2));
            k.gemm_tile_acc(a.data(), panel, kDepth, c1, 40, rows, cols);
            s.gemm_tile_acc(a.data(), panel, kDepth, c2, 40, rows, cols);
            if (k.isa == Isa::avx512 && !std::equal(std::begin(c1), std::end(c1), std::begin(c2)))
                return false;
        }
    }
    {
        const std::vector<float> rows = probe_data(20 * kDepth, 6);
        alignas(64) float p1[kDepth * kPanelCols], p2[kDepth * kPanelCols];
        for (int n_rows : {20, 7}) {
            k.fill_panel(rows.data(), kDepth, n_rows, kDepth, p1);
            s.fill_panel(rows.data(), kDepth, n_rows, kDepth, p2);
            if (!std::equal(std::begin(p1), std::end(p1), std::begin(p2))) return false;
        }
        for (int n_rows : {12, 5}) {
            k.pack_block(rows.data(), kDepth, n_rows, kDepth, p1);
            s.pack_block(rows.data(), kDepth, n_rows, kDepth, p2);
            if (!std::equal(p1, p1 + kDepth * kTileRows, p2)) return false;
        }
    }
    constexpr std::int64_t n = 101;
    const std::vector<float> x = probe_data(n, 3), w = probe_data(n, 4);
    std::vector<std::uint16_t> h(n), h2(n);
    s.f32_to_f16(w.data(), h.data(), n);
    k.f32_to_f16(w.data(), h2.data(), n);
    if (h != h2) return false;
    std::vector<float> y1(n), y2(n);
    k.f16_to_f32(h.data(), y1.data(), n);
    s.f16_to_f32(h.data(), y2.data(), n);
    if (y1 != y2) return false;
    k.round_f16(x.data(), y1.data(), n);
    s.round_f16(x.data(), y2.data(), n);
    if (y1 != y2) return false;
    if (!close(k.dot_f32(w.data(), x.data(), n), s.dot_f32(w.data(), x.data(), n), n)) return false;
    if (!close(k.dot_f16(h.data(), x.data(), n), s.dot_f16(h.data(), x.data(), n), n)) return false;
    y1 = x;
    y2 = x;
    k.axpy_f32(0.37f, w.data(), y1.data(), n);
    s.axpy_f32(0.37f, w.data(), y2.data(), n);
    for (std::int64_t i = 0; i < n; ++i)
        if (!close(y1[i], y2[i], 1)) return false;
    k.axpy_f16(-1.5f, h.data(), y1.data(), n);
    s.axpy_f16(-1.5f, h.data(), y2.data(), n);
    for (std::int64_t i = 0; i < n; ++i)
        if (!close(y1[i], y2[i], 1)) return false;
    // F16 accumulation: bit for bit (one fused multiply-add, then one rounding).
    k.round_f16(x.data(), y1.data(), n);
    y2 = y1;
    k.axpy_f16_round(0.61f, h.data(), y1.data(), n);
    s.axpy_f16_round(0.61f, h.data(), y2.data(), n);
    if (y1 != y2) return false;
    std::vector<float> e = probe_data(n, 5);
    for (auto& v : e) v = v * 40.0f - 41.0f;  // [-81, -1)
    const float sum1 = k.exp_sum(e.data(), 0.5f, y1.data(), n);
    const float sum2 = s.exp_sum(e.data(), 0.5f, y2.data(), n);
    if (std::fabs(sum1 - sum2) > 1e-5f * sum2) return false;
    for (std::int64_t i = 0; i < n; ++i)
        if (std::fabs(y1[i] - y2[i]) > 1e-6f * y2[i]) return false;
    const double sm1 = k.soft_max(e.data(), 0.5f, y1.data(), n);
    const double sm2 = s.soft_max(e.data(), 0.5f, y2.data(), n);
    if (std::fabs(sm1 - sm2) > 1e-5 * sm2) return false;
    // Activation rounding: bit for bit (ties, a zero block, the largest magnitude negative).
    {
        std::vector<float> a = probe_data(512, 8), r1(512), r2(512);
        a[3] = -1.5f;
        a[7] = 1.5f;
        std::fill(a.begin() + 32, a.begin() + 64, 0.0f);
        k.round_q8_0(a.data(), r1.data(), 512);
        s.round_q8_0(a.data(), r2.data(), 512);
        if (r1 != r2) return false;
        std::fill(a.begin() + 256, a.end(), 0.0f);
        k.round_q8_k(a.data(), r1.data(), 512);
        s.round_q8_k(a.data(), r2.data(), 512);
        if (r1 != r2) return false;
    }
    std::vector<float> g1 = probe_data(n, 7), g2;
    for (auto& v : g1) v *= 20.0f;  // [-20, 20)
    g2 = g1;
    k.swiglu(g1.data(), w.data(), n);
    s.swiglu(g2.data(), w.data(), n);
    for (std::int64_t i = 0; i < n; ++i)
        if (std::fabs(g1[i] - g2[i]) > 1e-6f * (std::fabs(g2[i]) + 1e-3f)) return false;
    return quant_dot_agrees(k.qdot);
}

}  // namespace

std::string_view isa_name(Isa isa) {
    switch (isa) {
        case Isa::neon:
            return "neon";
        case Isa::avx512:
            return "avx512";
        case Isa::avx2:
            return "avx2";
        case Isa::scalar:
            return "scalar";
    }
    return "scalar";
}

Rounding rounding_for(gguf::TensorType type) {
    using T = gguf::TensorType;
    switch (type) {
        case T::F32:
            return Rounding::none;
        case T::F16:
            return Rounding::f16;
        case T::BF16:
            return Rounding::bf16;
        // Q4_1/Q5_1 pair with Q8_1 in llama.cpp: the same values d * q as Q8_0 (Q8_1 adds their
        // sum, stored in F16, for the min term), so Q8_0 rounding is exact up to that term.
        case T::Q4_0:
        case T::Q4_1:
        case T::Q5_0:
        case T::Q5_1:
        case T::Q8_0:
            return Rounding::q8_0;
        case T::Q2_K:
        case T::Q3_K:
        case T::Q4_K:
        case T::Q5_K:
        case T::Q6_K:
            return Rounding::q8_k;
        default:
            return Rounding::none;
    }
}

int rounding_block(Rounding rounding) {
    switch (rounding) {
        case Rounding::q8_0:
            return 32;
        case Rounding::q8_k:
            return 256;
        default:
            return 1;
    }
}

void round_activation(const Kernels& kernels, Rounding rounding, const float* x, float* y,
                      std::int64_t n) {
    switch (rounding) {
        case Rounding::none:
            if (x != y) std::memcpy(y, x, static_cast<std::size_t>(n) * sizeof(float));
            return;
        case Rounding::f16:
            kernels.round_f16(x, y, n);
            return;
        case Rounding::bf16:
            round_bf16(x, y, n);
            return;
        case Rounding::q8_0:
            kernels.round_q8_0(x, y, n);
            return;
        case Rounding::q8_k:
            kernels.round_q8_k(x, y, n);
            return;
    }
}

float dot_weight_row(const Kernels& kernels, gguf::TensorType type, const std::byte* row,
                     const float* x, std::int64_t n) {
    switch (type) {
        case gguf::TensorType::F32:
            return kernels.dot_f32(reinterpret_cast<const float*>(row), x, n);
        case gguf::TensorType::F16:
            return kernels.dot_f16(reinterpret_cast<const std::uint16_t*>(row), x, n);
        default:
            return gguf::dot_row(type, row, x, n);
    }
}

ActQuant act_quant_for(gguf::TensorType type) {
    using T = gguf::TensorType;
    switch (type) {
        case T::Q4_0:
        case T::Q5_0:
        case T::Q8_0:
            return ActQuant::q8_0;
        case T::Q4_K:
        case T::Q5_K:
        case T::Q6_K:
            return ActQuant::q8_k;
        default:
            return ActQuant::none;
    }
}

int act_quant_block(ActQuant q) {
    return q == ActQuant::q8_k ? 256 : 32;
}

// quantize_row_q8_0 (AVX2 build): d = amax / 127 stored as F16, q = round-half-even(x * 127 /
// amax). The product sees the F16 scale, so that is what d[] keeps.
void quantize_q8_0(const float* x, std::int64_t n, std::int8_t* qs, float* d) {
    for (std::int64_t b = 0; b < n / 32; ++b) {
        const float* xb = x + b * 32;
        float amax = 0;
        for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(xb[j]));
        const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
        d[b] = gguf::half_to_float(gguf::float_to_half(amax / 127.0f));
        for (int j = 0; j < 32; ++j)
            qs[b * 32 + j] = static_cast<std::int8_t>(std::nearbyint(xb[j] * id));
    }
}

// quantize_row_q8_K_ref: the signed extreme (first of the largest magnitude) sets
// iscale = -127 / max, q = min(127, round-half-even(iscale * x)), d = 1 / iscale.
void quantize_q8_k(const float* x, std::int64_t n, std::int8_t* qs, float* d, std::int16_t* bsums) {
    for (std::int64_t b = 0; b < n / 256; ++b) {
        const float* xb = x + b * 256;
        std::int8_t* q = qs + b * 256;
        float amax = 0, max = 0;
        for (int j = 0; j < 256; ++j) {
            const float ax = std::fabs(xb[j]);
            if (ax > amax) {
                amax = ax;
                max = xb[j];
            }
        }
        if (amax == 0.0f) {
            d[b] = 0;
            std::fill(q, q + 256, std::int8_t{0});
        } else {
            const float iscale = -127.0f / max;
            for (int j = 0; j < 256; ++j)
                q[j] = static_cast<std::int8_t>(
                    std::min(127, static_cast<int>(std::nearbyint(iscale * xb[j]))));
            d[b] = 1.0f / iscale;
        }
        for (int g = 0; g < 16; ++g) {
            int s = 0;
            for (int j = 0; j < 16; ++j) s += q[g * 16 + j];
            bsums[b * 16 + g] = static_cast<std::int16_t>(s);
        }
    }
}

QuantDotFn quant_dot_for(const QuantDot& k, gguf::TensorType type, std::int64_t rows,
                         std::int64_t m, std::int64_t inputs) {
    using T = gguf::TensorType;
    // ggml's CPU_REPACK buffer takes Q4_0 / Q4_K weights with rows % 8 == 0 on AVX2 CPUs (the
    // reference build) and runs them through its interleaved gemv/gemm, not vec_dot.
    const bool repacked = rows % 8 == 0;
    switch (type) {
        case T::Q8_0:
            return k.q8_0;
        case T::Q4_0:
            return repacked ? k.q4_0_x8 : k.q4_0;
        case T::Q5_0:
            return k.q5_0;
        case T::Q4_K:
            if (!repacked) return k.q4_k;
            return inputs > 3 && m < inputs - inputs % 4 ? k.q4_k_x8_gemm : k.q4_k_x8;
        case T::Q5_K:
            return k.q5_k;
        case T::Q6_K:
            return k.q6_k;
        default:
            return nullptr;
    }
}

QuantDot4Fn quant_dot4_for(const QuantDot& k, gguf::TensorType type, std::int64_t rows,
                           std::int64_t m, std::int64_t inputs) {
    const QuantDotFn one = quant_dot_for(k, type, rows, m, inputs);
    if (one == nullptr || quant_dot_for(k, type, rows, m + 3, inputs) != one) return nullptr;
    const QuantDot4& x = k.x4;
    if (one == k.q8_0) return x.q8_0;
    if (one == k.q4_0) return x.q4_0;
    if (one == k.q4_0_x8) return x.q4_0_x8;
    if (one == k.q5_0) return x.q5_0;
    if (one == k.q4_k) return x.q4_k;
    if (one == k.q4_k_x8) return x.q4_k_x8;
    if (one == k.q4_k_x8_gemm) return x.q4_k_x8_gemm;
    if (one == k.q5_k) return x.q5_k;
    if (one == k.q6_k) return x.q6_k;
    return nullptr;
}

bool make_kernels(Isa isa, Kernels& out) {
    if (isa == Isa::scalar) {
        out = scalar_kernels();
        return true;
    }
#if defined(__x86_64__)
    if (isa != Isa::avx2 && isa != Isa::avx512) return false;
    const CpuFeatures cpu = detect_cpu_features();
    Kernels k;
    k.isa = isa;
    if (isa == Isa::avx512) {
        if (!cpu.avx512) return false;
        k.gemm_tile = avx512::gemm_tile;
        k.gemm_tile_acc = avx512::gemm_tile_acc;
        k.dot_f32 = avx512::dot_f32;
        k.dot_f16 = avx512::dot_f16;
        k.axpy_f32 = avx512::axpy_f32;
        k.axpy_f16 = avx512::axpy_f16;
        k.axpy_f16_round = avx512::axpy_f16_round;
        k.f16_to_f32 = avx512::f16_to_f32;
        k.f32_to_f16 = avx512::f32_to_f16;
        k.round_f16 = avx512::round_f16;
        k.exp_sum = avx512::exp_sum;
        k.soft_max = avx512::soft_max;
        k.fill_panel = avx512::fill_panel;
        k.swiglu = avx512::swiglu;
        k.pack_block = avx512::pack_block;
        k.round_q8_0 = avx512::round_q8_0;
        k.round_q8_k = avx512::round_q8_k;
        k.qdot = avx2::quant_dot();
        if (avx512::has_vnni()) avx512::add_vnni(k.qdot);
    } else {
        if (!cpu.avx2) return false;
        k.gemm_tile = avx2::gemm_tile;
        k.gemm_tile_acc = scalar::gemm_tile_acc;
        k.dot_f32 = avx2::dot_f32;
        k.dot_f16 = avx2::dot_f16;
        k.axpy_f32 = avx2::axpy_f32;
        k.axpy_f16 = avx2::axpy_f16;
        k.axpy_f16_round = avx2::axpy_f16_round;
        k.f16_to_f32 = avx2::f16_to_f32;
        k.f32_to_f16 = avx2::f32_to_f16;
        k.round_f16 = avx2::round_f16;
        k.exp_sum = scalar::exp_sum;  // no vector exp for AVX2: std::exp
        k.soft_max = scalar::soft_max;
        k.fill_panel = scalar::fill_panel;
        k.swiglu = scalar::swiglu;
        k.pack_block = scalar::pack_block;
        k.round_q8_0 = scalar::round_q8_0;
        k.round_q8_k = scalar::round_q8_k;
        k.qdot = avx2::quant_dot();
    }
    if (!agrees_with_scalar(k)) return false;
    out = k;
    return true;
#elif defined(__aarch64__)
    if (isa != Isa::neon || !detect_cpu_features().neon) return false;
    Kernels k;
    k.isa = Isa::neon;
    k.gemm_tile = neon::gemm_tile;
    k.dot_f32 = neon::dot_f32;
    k.dot_f16 = neon::dot_f16;
    k.axpy_f32 = neon::axpy_f32;
    k.axpy_f16 = neon::axpy_f16;
    k.axpy_f16_round = neon::axpy_f16_round;
    k.f16_to_f32 = neon::f16_to_f32;
    k.f32_to_f16 = neon::f32_to_f16;
    k.round_f16 = neon::round_f16;
    k.exp_sum = neon::exp_sum;
    k.fill_panel = neon::fill_panel;
    k.swiglu = neon::swiglu;
    k.pack_block = neon::pack_block;
    k.round_q8_0 = neon::round_q8_0;
    k.round_q8_k = neon::round_q8_k;
    k.gemm_tile_acc = scalar::gemm_tile_acc;
    k.soft_max = scalar::soft_max;
    // No integer products (qdot stays empty): quantised weights take the float path through the
    // NEON row dots. The integer kernels exist to reproduce the x86 reference build bit for bit;
    // on Arm, llama.cpp itself runs other kernels (SDOT / I8MM), so NEON integer kernels in that
    // order are future work.
    if (!agrees_with_scalar(k)) return false;
    out = k;
    return true;
#else
    return false;
#endif
}

Kernels select_kernels() {
    Kernels k;
    for (Isa isa : {Isa::avx512, Isa::avx2, Isa::neon})
        if (make_kernels(isa, k)) return k;
    make_kernels(Isa::scalar, k);
    return k;
}

}  // namespace deskside::decoder::detail
