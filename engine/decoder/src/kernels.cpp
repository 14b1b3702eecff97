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
    k.dot_f32 = scalar::dot_f32;
    k.dot_f16 = scalar::dot_f16;
    k.axpy_f32 = scalar::axpy_f32;
    k.axpy_f16 = scalar::axpy_f16;
    k.axpy_f16_round = scalar::axpy_f16_round;
    k.f16_to_f32 = scalar::f16_to_f32;
    k.f32_to_f16 = scalar::f32_to_f16;
    k.round_f16 = scalar::round_f16;
    k.exp_sum = scalar::exp_sum;
    k.fill_panel = scalar::fill_panel;
    k.swiglu = scalar::swiglu;
    k.pack_block = scalar::pack_block;
    k.round_q8_0 = scalar::round_q8_0;
    k.round_q8_k = scalar::round_q8_k;
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
    return true;
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
        k.dot_f32 = avx512::dot_f32;
        k.dot_f16 = avx512::dot_f16;
        k.axpy_f32 = avx512::axpy_f32;
        k.axpy_f16 = avx512::axpy_f16;
        k.axpy_f16_round = avx512::axpy_f16_round;
        k.f16_to_f32 = avx512::f16_to_f32;
        k.f32_to_f16 = avx512::f32_to_f16;
        k.round_f16 = avx512::round_f16;
        k.exp_sum = avx512::exp_sum;
        k.fill_panel = avx512::fill_panel;
        k.swiglu = avx512::swiglu;
        k.pack_block = avx512::pack_block;
        k.round_q8_0 = avx512::round_q8_0;
        k.round_q8_k = avx512::round_q8_k;
    } else {
        if (!cpu.avx2) return false;
        k.gemm_tile = avx2::gemm_tile;
        k.dot_f32 = avx2::dot_f32;
        k.dot_f16 = avx2::dot_f16;
        k.axpy_f32 = avx2::axpy_f32;
        k.axpy_f16 = avx2::axpy_f16;
        k.axpy_f16_round = avx2::axpy_f16_round;
        k.f16_to_f32 = avx2::f16_to_f32;
        k.f32_to_f16 = avx2::f32_to_f16;
        k.round_f16 = avx2::round_f16;
        k.exp_sum = scalar::exp_sum;  // no vector exp for AVX2: std::exp
        k.fill_panel = scalar::fill_panel;
        k.swiglu = scalar::swiglu;
        k.pack_block = scalar::pack_block;
        k.round_q8_0 = scalar::round_q8_0;
        k.round_q8_k = scalar::round_q8_k;
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
