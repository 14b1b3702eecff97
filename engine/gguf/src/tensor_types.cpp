// Tensor types: the sizing table for every type ggml knows, IEEE half/bf16 conversions, and the
// scalar reference dequantisation and dot products (ggml's block layouts, bit for bit). The SIMD
// kernels live in dot_avx2.cpp (x86-64, chosen at run time) and dot_neon.cpp (aarch64, always
// there) and are checked against these.
#include "gguf/tensor_types.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <string>

#include "base/error.h"
#include "blocks.h"
#if defined(__x86_64__)
#include "dot_avx2.h"
#elif defined(__aarch64__)
#include "dot_neon.h"
#endif

namespace deskside::gguf {

namespace {

struct TypeInfo {
    TensorType type;
    std::string_view name;
    int block_elements;
    std::size_t block_bytes;
    bool supported;  // dequantize_row / dot_row implemented
};

// Sizes from ggml-common.h (block structs) and ggml.c (type_traits).
constexpr TypeInfo kTypes[] = {
    {TensorType::F32, "F32", 1, 4, true},
    {TensorType::F16, "F16", 1, 2, true},
    {TensorType::Q4_0, "Q4_0", 32, 18, true},
    {TensorType::Q4_1, "Q4_1", 32, 20, true},
    {TensorType::Q5_0, "Q5_0", 32, 22, true},
    {TensorType::Q5_1, "Q5_1", 32, 24, true},
    {TensorType::Q8_0, "Q8_0", 32, 34, true},
    {TensorType::Q8_1, "Q8_1", 32, 36, false},
    {TensorType::Q2_K, "Q2_K", 256, 84, false},
    {TensorType::Q3_K, "Q3_K", 256, 110, false},
    {TensorType::Q4_K, "Q4_K", 256, 144, true},
    {TensorType::Q5_K, "Q5_K", 256, 176, true},
    {TensorType::Q6_K, "Q6_K", 256, 210, true},
    {TensorType::Q8_K, "Q8_K", 256, 292, false},
    {TensorType::IQ2_XXS, "IQ2_XXS", 256, 66, false},
    {TensorType::IQ2_XS, "IQ2_XS", 256, 74, false},
    {TensorType::IQ3_XXS, "IQ3_XXS", 256, 98, false},
    {TensorType::IQ1_S, "IQ1_S", 256, 50, false},
    {TensorType::IQ4_NL, "IQ4_NL", 32, 18, false},
    {TensorType::IQ3_S, "IQ3_S", 256, 110, false},
    {TensorType::IQ2_S, "IQ2_S", 256, 82, false},
    {TensorType::IQ4_XS, "IQ4_XS", 256, 136, false},
    {TensorType::I8, "I8", 1, 1, false},
    {TensorType::I16, "I16", 1, 2, false},
    {TensorType::I32, "I32", 1, 4, false},
    {TensorType::I64, "I64", 1, 8, false},
    {TensorType::F64, "F64", 1, 8, false},
    {TensorType::IQ1_M, "IQ1_M", 256, 56, false},
    {TensorType::BF16, "BF16", 1, 2, true},
    {TensorType::TQ1_0, "TQ1_0", 256, 54, false},
    {TensorType::TQ2_0, "TQ2_0", 256, 66, false},
    {TensorType::MXFP4, "MXFP4", 32, 17, false},
};

// kTypes indexed by type number (-1: unknown), so that the per-row lookups in dot_row and
// dequantize_row cost one load instead of a scan.
constexpr std::size_t kIndexSize = 40;
constexpr auto kIndex = [] {
    std::array<int, kIndexSize> index{};
    index.fill(-1);
    for (std::size_t i = 0; i < std::size(kTypes); ++i) {
        index[static_cast<std::size_t>(kTypes[i].type)] = static_cast<int>(i);
    }
    return index;
}();

const TypeInfo* info(TensorType type) {
    const auto raw = static_cast<std::uint32_t>(type);
    if (raw >= kIndexSize || kIndex[raw] < 0) return nullptr;
    return &kTypes[kIndex[raw]];
}

// Checks the preconditions shared by dequantize_row and dot_row; returns the number of blocks.
std::int64_t check_row(TensorType type, std::int64_t n, const char* fn) {
    const TypeInfo* ti = info(type);
    if (ti == nullptr || !ti->supported) {
        throw Error(ErrorCode::unsupported, std::string(fn) + ": tensor type " +
                                                std::string(tensor_type_name(type)) +
                                                " is not supported");
    }
    if (n < 0 || n % ti->block_elements != 0) {
        throw Error(ErrorCode::invalid_argument, std::string(fn) + ": row length " +
                                                     std::to_string(n) + " is not a multiple of " +
                                                     std::string(ti->name) + "'s block of " +
                                                     std::to_string(ti->block_elements));
    }
    return n / ti->block_elements;
}

#if defined(__x86_64__)
// True when the CPU runs AVX2, FMA and F16C (checked once; the answer never changes).
bool cpu_has_avx2() {
    static const bool yes = [] {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
               __builtin_cpu_supports("f16c");
    }();
    return yes;
}
#endif

}  // namespace

std::string_view tensor_type_name(TensorType type) {
    if (const TypeInfo* ti = info(type)) return ti->name;
    // The few unknown numbers a caller can meet are named from a fixed table, so the returned
    // view never dangles.
    static constexpr std::string_view kUnknown[] = {
        "type 0",  "type 1",  "type 2",  "type 3",  "type 4",  "type 5",  "type 6",  "type 7",
        "type 8",  "type 9",  "type 10", "type 11", "type 12", "type 13", "type 14", "type 15",
        "type 16", "type 17", "type 18", "type 19", "type 20", "type 21", "type 22", "type 23",
        "type 24", "type 25", "type 26", "type 27", "type 28", "type 29", "type 30", "type 31",
        "type 32", "type 33", "type 34", "type 35", "type 36", "type 37", "type 38", "type 39",
        "type 40", "type 41", "type 42", "type 43", "type 44", "type 45", "type 46", "type 47",
        "type 48", "type 49", "type 50", "type 51", "type 52", "type 53", "type 54", "type 55",
        "type 56", "type 57", "type 58", "type 59", "type 60", "type 61", "type 62", "type 63",
        "type 64", "type 65", "type 66", "type 67", "type 68", "type 69", "type 70", "type 71",
        "type 72", "type 73", "type 74", "type 75", "type 76", "type 77", "type 78", "type 79",
        "type 80", "type 81", "type 82", "type 83", "type 84", "type 85", "type 86", "type 87",
        "type 88", "type 89", "type 90", "type 91", "type 92", "type 93", "type 94", "type 95",
        "type 96", "type 97", "type 98", "type 99",
    };
    const auto raw = static_cast<std::uint32_t>(type);
    if (raw < std::size(kUnknown)) return kUnknown[raw];
    return "unknown type";
}

int block_elements(TensorType type) {
    const TypeInfo* ti = info(type);
    return ti == nullptr ? 0 : ti->block_elements;
}

std::size_t block_bytes(TensorType type) {
    const TypeInfo* ti = info(type);
    return ti == nullptr ? 0 : ti->block_bytes;
}

std::size_t row_bytes(TensorType type, std::int64_t n) {
    const TypeInfo* ti = info(type);
    if (ti == nullptr || n < 0) return 0;
    return static_cast<std::size_t>(n / ti->block_elements) * ti->block_bytes;
}

bool is_supported(TensorType type) {
    const TypeInfo* ti = info(type);
    return ti != nullptr && ti->supported;
}

bool has_simd_dot(TensorType type) {
#if defined(__x86_64__)
    if (!cpu_has_avx2()) return false;
    switch (type) {
        case TensorType::F32:
        case TensorType::F16:
        case TensorType::Q8_0:
        case TensorType::Q4_0:
        case TensorType::Q4_K:
        case TensorType::Q5_K:
        case TensorType::Q6_K:
            return true;
        default:
            return false;
    }
#elif defined(__aarch64__)
    // Advanced SIMD is part of every AArch64 CPU: no run-time check.
    switch (type) {
        case TensorType::F32:
        case TensorType::F16:
        case TensorType::Q8_0:
        case TensorType::Q4_0:
        case TensorType::Q4_1:
        case TensorType::Q5_0:
        case TensorType::Q5_1:
        case TensorType::Q4_K:
        case TensorType::Q5_K:
        case TensorType::Q6_K:
            return true;
        default:
            return false;
    }
#else
    (void)type;
    return false;
#endif
}

// ---- half / bf16 --------------------------------------------------------------------------------

float half_to_float(std::uint16_t h) {
    return detail::half_to_float(h);
}

std::uint16_t float_to_half(float f) {
    std::uint32_t x;
    std::memcpy(&x, &f, 4);
    const std::uint32_t sign = (x >> 16) & 0x8000u;
    const std::uint32_t abs = x & 0x7FFFFFFFu;
    if (abs >= 0x7F800000u) {  // inf or NaN (NaN keeps a set mantissa bit)
        return static_cast<std::uint16_t>(sign | 0x7C00u | (abs > 0x7F800000u ? 0x200u : 0u));
    }
    if (abs >= 0x477FF000u) {  // rounds to >= 65520: overflow to infinity
        return static_cast<std::uint16_t>(sign | 0x7C00u);
    }
    if (abs < 0x38800000u) {  // below the smallest normal half (2^-14): subnormal or zero
        if (abs < 0x33000000u) return static_cast<std::uint16_t>(sign);  // < 2^-25: rounds to 0
        const std::uint32_t exp = abs >> 23;
        const std::uint32_t mant = (abs & 0x7FFFFFu) | 0x800000u;
        // value = mant * 2^(exp - 150) = m * 2^-24, so m = mant >> (126 - exp); shift is 14..24.
        const std::uint32_t shift = 126u - exp;
        std::uint32_t v = mant >> shift;
        const std::uint32_t rem = mant & ((1u << shift) - 1u);
        const std::uint32_t half = 1u << (shift - 1u);
        if (rem > half || (rem == half && (v & 1u))) ++v;
        return static_cast<std::uint16_t>(sign | v);
    }
    // Normal: rebias the exponent and round the mantissa to nearest, ties to even.
    std::uint32_t v = ((abs >> 13) - ((127u - 15u) << 10));
    const std::uint32_t rem = abs & 0x1FFFu;
    if (rem > 0x1000u || (rem == 0x1000u && (v & 1u))) ++v;  // a carry into the exponent is right
    return static_cast<std::uint16_t>(sign | v);
}

float bf16_to_float(std::uint16_t h) {
    const std::uint32_t x = static_cast<std::uint32_t>(h) << 16;
    float f;
    std::memcpy(&f, &x, 4);
    return f;
}

// ---- dispatch -----------------------------------------------------------------------------------

namespace {

// dequantize_row without the checks: n is a multiple of the type's block.
void dequantize_unchecked(TensorType type, const std::uint8_t* p, float* dst, std::int64_t n) {
    const std::int64_t nb = n / block_elements(type);
    using namespace detail;
    switch (type) {
        case TensorType::F32:
            std::memcpy(dst, p, static_cast<std::size_t>(n) * 4);
            return;
        case TensorType::F16:
            for (std::int64_t i = 0; i < n; ++i)
                dst[i] = detail::half_to_float(load_u16(p + 2 * i));
            return;
        case TensorType::BF16:
            for (std::int64_t i = 0; i < n; ++i) dst[i] = bf16_to_float(load_u16(p + 2 * i));
            return;
        case TensorType::Q8_0:
            for (std::int64_t b = 0; b < nb; ++b) dequant_q8_0(p + b * 34, dst + b * 32);
            return;
        case TensorType::Q4_0:
            for (std::int64_t b = 0; b < nb; ++b) dequant_q4_0(p + b * 18, dst + b * 32);
            return;
        case TensorType::Q4_1:
            for (std::int64_t b = 0; b < nb; ++b) dequant_q4_1(p + b * 20, dst + b * 32);
            return;
        case TensorType::Q5_0:
            for (std::int64_t b = 0; b < nb; ++b) dequant_q5_0(p + b * 22, dst + b * 32);
            return;
        case TensorType::Q5_1:
            for (std::int64_t b = 0; b < nb; ++b) dequant_q5_1(p + b * 24, dst + b * 32);
            return;
        case TensorType::Q4_K:
            for (std::int64_t b = 0; b < nb; ++b) dequant_q4_k(p + b * 144, dst + b * 256);
            return;
        case TensorType::Q5_K:
            for (std::int64_t b = 0; b < nb; ++b) dequant_q5_k(p + b * 176, dst + b * 256);
            return;
        case TensorType::Q6_K:
            for (std::int64_t b = 0; b < nb; ++b) dequant_q6_k(p + b * 210, dst + b * 256);
            return;
        default:
            break;
    }
    throw Error(ErrorCode::internal, "dequantize_row: no kernel for a supported type");
}

}  // namespace

void dequantize_row(TensorType type, const void* src, float* dst, std::int64_t n) {
    check_row(type, n, "dequantize_row");
    dequantize_unchecked(type, static_cast<const std::uint8_t*>(src), dst, n);
}

float dot_row_scalar(TensorType type, const void* src, const float* x, std::int64_t n) {
    check_row(type, n, "dot_row");
    const auto* p = static_cast<const std::uint8_t*>(src);
    // The reference: dequantise 256 values at a time (a multiple of every block) and accumulate
    // in double, so that it is the accurate side of every comparison with a SIMD kernel.
    constexpr std::int64_t kChunk = 256;
    const std::size_t chunk_bytes = row_bytes(type, kChunk);
    double sum = 0.0;
    float buf[kChunk];
    for (std::int64_t i = 0; i < n; i += kChunk, p += chunk_bytes) {
        const std::int64_t m = std::min(kChunk, n - i);  // a multiple of the block, as n is
        dequantize_unchecked(type, p, buf, m);
        for (std::int64_t j = 0; j < m; ++j) sum += static_cast<double>(buf[j]) * x[i + j];
    }
    return static_cast<float>(sum);
}

float dot_row(TensorType type, const void* src, const float* x, std::int64_t n) {
    if (has_simd_dot(type)) {
        check_row(type, n, "dot_row");
        switch (type) {
#if defined(__x86_64__)
            case TensorType::F32:
                return detail::dot_f32_avx2(static_cast<const float*>(src), x, n);
            case TensorType::F16:
                return detail::dot_f16_avx2(src, x, n);
            case TensorType::Q8_0:
                return detail::dot_q8_0_avx2(src, x, n);
            case TensorType::Q4_0:
                return detail::dot_q4_0_avx2(src, x, n);
            case TensorType::Q4_K:
                return detail::dot_q4_k_avx2(src, x, n);
            case TensorType::Q5_K:
                return detail::dot_q5_k_avx2(src, x, n);
            case TensorType::Q6_K:
                return detail::dot_q6_k_avx2(src, x, n);
#elif defined(__aarch64__)
            case TensorType::F32:
                return detail::dot_f32_neon(static_cast<const float*>(src), x, n);
            case TensorType::F16:
                return detail::dot_f16_neon(src, x, n);
            case TensorType::Q8_0:
                return detail::dot_q8_0_neon(src, x, n);
            case TensorType::Q4_0:
                return detail::dot_q4_0_neon(src, x, n);
            case TensorType::Q4_1:
                return detail::dot_q4_1_neon(src, x, n);
            case TensorType::Q5_0:
                return detail::dot_q5_0_neon(src, x, n);
            case TensorType::Q5_1:
                return detail::dot_q5_1_neon(src, x, n);
            case TensorType::Q4_K:
                return detail::dot_q4_k_neon(src, x, n);
            case TensorType::Q5_K:
                return detail::dot_q5_k_neon(src, x, n);
            case TensorType::Q6_K:
                return detail::dot_q6_k_neon(src, x, n);
#endif
            default:
                break;
        }
    }
    return dot_row_scalar(type, src, x, n);
}

}  // namespace deskside::gguf
