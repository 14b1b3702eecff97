#include "matmul.h"

#include <cblas.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <cmath>

#include "simd.h"

namespace deskside::bert::detail {
namespace {

std::int64_t ceil_div(std::int64_t a, std::int64_t b) {
    return (a + b - 1) / b;
}

// Panels of 32 "output columns": element (n, k) of a matrix with n_count rows and k_count
// columns, where row n starts at src + n * ld, goes to dst[(n/32 * k_count + k) * 32 + n%32];
// columns past n_count are zero.
void pack_panels(const float* src, std::int64_t ld, std::int64_t n_count, std::int64_t k_count,
                 float* dst) {
    const std::int64_t panels = ceil_div(n_count, kPanelCols);
    for (std::int64_t p = 0; p < panels; ++p) {
        float* panel = dst + p * k_count * kPanelCols;
        for (std::int64_t j = 0; j < kPanelCols; ++j) {
            const std::int64_t n = p * kPanelCols + j;
            if (n < n_count) {
                const float* row = src + n * ld;
                for (std::int64_t k = 0; k < k_count; ++k) panel[k * kPanelCols + j] = row[k];
            } else {
                for (std::int64_t k = 0; k < k_count; ++k) panel[k * kPanelCols + j] = 0.0f;
            }
        }
    }
}

// The same panels from the transposed matrix: element (n, k) is src[k * ld + n].
void pack_panels_transposed(const float* src, std::int64_t ld, std::int64_t n_count,
                            std::int64_t k_count, float* dst) {
    const std::int64_t panels = ceil_div(n_count, kPanelCols);
    for (std::int64_t p = 0; p < panels; ++p) {
        const std::int64_t width = std::min<std::int64_t>(kPanelCols, n_count - p * kPanelCols);
        float* panel = dst + p * k_count * kPanelCols;
        for (std::int64_t k = 0; k < k_count; ++k) {
            const float* from = src + k * ld + p * kPanelCols;
            float* to = panel + k * kPanelCols;
            std::int64_t j = 0;
            for (; j < width; ++j) to[j] = from[j];
            for (; j < kPanelCols; ++j) to[j] = 0.0f;
        }
    }
}

// Tiles of 12 rows of A (row r at src + r * ld, k_count columns): tile t, column k, row r at
// dst[(t * k_count + k) * 12 + r]; rows past `rows` are zero. With a rounding, each row goes
// through `row_buffer` (k_count floats) to be rounded first.
void pack_tiles(const float* src, std::int64_t ld, std::int64_t rows, std::int64_t k_count,
                float* dst, Rounding rounding = Rounding::none, float* row_buffer = nullptr) {
    const std::int64_t tiles = ceil_div(rows, kTileRows);
    for (std::int64_t t = 0; t < tiles; ++t) {
        float* tile = dst + t * k_count * kTileRows;
        for (int r = 0; r < kTileRows; ++r) {
            const std::int64_t i = t * kTileRows + r;
            if (i < rows) {
                const float* row = src + i * ld;
                if (rounding != Rounding::none) {
                    std::copy_n(row, k_count, row_buffer);
                    round_row(row_buffer, k_count, rounding, true);
                    row = row_buffer;
                }
                for (std::int64_t k = 0; k < k_count; ++k) tile[k * kTileRows + r] = row[k];
            } else {
                for (std::int64_t k = 0; k < k_count; ++k) tile[k * kTileRows + r] = 0.0f;
            }
        }
    }
}

struct TileEpilogue {
    const float* bias = nullptr;      // at the tile's first column
    const float* residual = nullptr;  // at the tile's first element
    std::int64_t ld_residual = 0;
    const float* gelu_table = nullptr;
};

#if defined(__x86_64__)
// C[0..rows) x [0..cols) = A_tile (k_count x 12, packed) * B_panel (k_count x 32, packed),
// then the epilogue. The 24 accumulators stay in zmm registers for the whole k loop; each step
// is two panel loads, 12 broadcasts and 24 FMAs.
DESKSIDE_AVX512 void tile_12x32(const float* a, const float* b, std::int64_t k_count, float* c,
                                std::int64_t ldc, int rows, int cols, const TileEpilogue& ep) {
    __m512 lo[kTileRows], hi[kTileRows];
#pragma GCC unroll 12
    for (int r = 0; r < kTileRows; ++r) lo[r] = hi[r] = _mm512_setzero_ps();
    for (std::int64_t k = 0; k < k_count; ++k) {
        const __m512 b0 = _mm512_load_ps(b);
        const __m512 b1 = _mm512_load_ps(b + 16);
#pragma GCC unroll 12
        for (int r = 0; r < kTileRows; ++r) {
            const __m512 av = _mm512_set1_ps(a[r]);
            lo[r] = _mm512_fmadd_ps(av, b0, lo[r]);
            hi[r] = _mm512_fmadd_ps(av, b1, hi[r]);
        }
        a += kTileRows;
        b += kPanelCols;
    }
    const __mmask16 m0 = tail_mask(cols);
    const __mmask16 m1 = tail_mask(std::max(cols - 16, 0));
    __m512 bias0 = _mm512_setzero_ps(), bias1 = _mm512_setzero_ps();
    if (ep.bias) {
        bias0 = _mm512_maskz_loadu_ps(m0, ep.bias);
        bias1 = _mm512_maskz_loadu_ps(m1, ep.bias + 16);
    }
#pragma GCC unroll 12
    for (int r = 0; r < kTileRows; ++r) {
        if (r >= rows) break;
        __m512 v0 = lo[r], v1 = hi[r];
        if (ep.bias) {
            v0 = _mm512_add_ps(v0, bias0);
            v1 = _mm512_add_ps(v1, bias1);
        }
        if (ep.residual) {
            const float* res = ep.residual + r * ep.ld_residual;
            v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(m0, res));
            v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(m1, res + 16));
        }
        if (ep.gelu_table) {
            v0 = gelu_avx512(v0, ep.gelu_table);
            v1 = gelu_avx512(v1, ep.gelu_table);
        }
        _mm512_mask_storeu_ps(c + r * ldc, m0, v0);
        _mm512_mask_storeu_ps(c + r * ldc + 16, m1, v1);
    }
}
#else
// The same tile in plain code. Off x86-64 the encoder refuses the native backend
// (cpu_has_avx512() is false), so this only keeps the packed path compiling there; it keeps the
// contract all the same: one fused multiply-add per k in k order, then bias, residual, GELU.
void tile_12x32(const float* a, const float* b, std::int64_t k_count, float* c, std::int64_t ldc,
                int rows, int cols, const TileEpilogue& ep) {
    float acc[kTileRows][kPanelCols] = {};
    for (std::int64_t k = 0; k < k_count; ++k) {
        for (int r = 0; r < kTileRows; ++r)
            for (int j = 0; j < kPanelCols; ++j) acc[r][j] = std::fma(a[r], b[j], acc[r][j]);
        a += kTileRows;
        b += kPanelCols;
    }
    for (int r = 0; r < std::min(rows, kTileRows); ++r) {
        for (int j = 0; j < cols; ++j) {
            float v = acc[r][j];
            if (ep.bias) v += ep.bias[j];
            if (ep.residual) v += ep.residual[r * ep.ld_residual + j];
            if (ep.gelu_table) {  // GeluTable's semantics
                if (v <= -10.0f)
                    v = 0.0f;
                else if (v < 10.0f)
                    v = ep.gelu_table[float_to_half(v)];
            }
            c[r * ldc + j] = v;
        }
    }
}
#endif

// C = A * B for packed tiles and panels: every tile against every panel, panel-major so that a
// panel is reused by all tiles while it is in cache.
void multiply_packed(const float* tiles, std::int64_t rows, const float* panels,
                     std::int64_t n_count, std::int64_t k_count, float* c, std::int64_t ldc,
                     const Epilogue& epilogue) {
    const std::int64_t tile_count = ceil_div(rows, kTileRows);
    const std::int64_t panel_count = ceil_div(n_count, kPanelCols);
    for (std::int64_t p = 0; p < panel_count; ++p) {
        const std::int64_t j0 = p * kPanelCols;
        const int cols = static_cast<int>(std::min<std::int64_t>(kPanelCols, n_count - j0));
        const float* panel = panels + p * k_count * kPanelCols;
        for (std::int64_t t = 0; t < tile_count; ++t) {
            const std::int64_t i0 = t * kTileRows;
            TileEpilogue ep;
            if (epilogue.bias) ep.bias = epilogue.bias + j0;
            if (epilogue.residual) {
                ep.residual = epilogue.residual + i0 * epilogue.ld_residual + j0;
                ep.ld_residual = epilogue.ld_residual;
            }
            if (epilogue.gelu) ep.gelu_table = epilogue.gelu->data();
            tile_12x32(tiles + t * k_count * kTileRows, panel, k_count, c + i0 * ldc + j0, ldc,
                       static_cast<int>(std::min<std::int64_t>(kTileRows, rows - i0)), cols, ep);
        }
    }
}

void apply_epilogue(float* out, std::int64_t ld_out, std::int64_t rows, std::int64_t cols,
                    const Epilogue& epilogue) {
    for (std::int64_t i = 0; i < rows; ++i) {
        float* row = out + i * ld_out;
        const float* res =
            epilogue.residual ? epilogue.residual + i * epilogue.ld_residual : nullptr;
        for (std::int64_t j = 0; j < cols; ++j) {
            float v = row[j];
            if (epilogue.bias) v += epilogue.bias[j];
            if (res) v += res[j];
            if (epilogue.gelu) v = (*epilogue.gelu)(v);
            row[j] = v;
        }
    }
}

}  // namespace

PackedMatrix PackedMatrix::pack(const float* w, std::int64_t rows, std::int64_t cols,
                                Backend backend, Rounding rounding) {
    PackedMatrix m;
    m.rows = rows;
    m.cols = cols;
    m.backend = backend;
    m.rounding = rounding;
    if (backend == Backend::native) {
        m.data =
            AlignedFloats(static_cast<std::size_t>(ceil_div(rows, kPanelCols) * kPanelCols * cols));
        pack_panels(w, cols, rows, cols, m.data.data());
    } else {
        m.data = AlignedFloats(static_cast<std::size_t>(rows * cols));
        std::copy(w, w + rows * cols, m.data.data());
    }
    return m;
}

void linear_rows(const float* x, std::int64_t ld_x, std::int64_t row_begin, std::int64_t row_end,
                 const PackedMatrix& w, float* out, std::int64_t ld_out, const Epilogue& epilogue,
                 AlignedFloats& scratch) {
    const std::int64_t rows = row_end - row_begin;
    if (rows <= 0) return;
    Epilogue shifted = epilogue;
    if (shifted.residual) shifted.residual += row_begin * shifted.ld_residual;
    if (w.backend == Backend::native) {
        // The packed tiles, then one row for rounding.
        const std::int64_t packed = ceil_div(rows, kTileRows) * kTileRows * w.cols;
        scratch.reserve_at_least(static_cast<std::size_t>(packed + w.cols));
        pack_tiles(x + row_begin * ld_x, ld_x, rows, w.cols, scratch.data(), w.rounding,
                   scratch.data() + packed);
        multiply_packed(scratch.data(), rows, w.data.data(), w.rows, w.cols,
                        out + row_begin * ld_out, ld_out, shifted);
        return;
    }
    const float* a = x + row_begin * ld_x;
    std::int64_t lda = ld_x;
    if (w.rounding != Rounding::none) {  // a rounded copy of the rows
        scratch.reserve_at_least(static_cast<std::size_t>(rows * w.cols));
        for (std::int64_t i = 0; i < rows; ++i) {
            float* row = scratch.data() + i * w.cols;
            std::copy_n(a + i * ld_x, w.cols, row);
            round_row(row, w.cols, w.rounding, false);
        }
        a = scratch.data();
        lda = w.cols;
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(rows),
                static_cast<int>(w.rows), static_cast<int>(w.cols), 1.0f, a, static_cast<int>(lda),
                w.data.data(), static_cast<int>(w.cols), 0.0f, out + row_begin * ld_out,
                static_cast<int>(ld_out));
    apply_epilogue(out + row_begin * ld_out, ld_out, rows, w.rows, shifted);
}

void attention_head(Backend backend, const float* q, const float* k, const float* v,
                    std::int64_t ld_in, std::int64_t len, std::int64_t head_dim, float scale,
                    float* out, std::int64_t ld_out, AttentionScratch& scratch) {
    const bool native = backend == Backend::native;
    // Rows of the score matrix are padded to 16 floats so each starts on a cache line.
    const std::int64_t ld_scores = ceil_div(len, 16) * 16;
    scratch.scores.reserve_at_least(static_cast<std::size_t>(len * ld_scores));
    float* scores = scratch.scores.data();
    if (!native) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(len),
                    static_cast<int>(len), static_cast<int>(head_dim), 1.0f, q,
                    static_cast<int>(ld_in), k, static_cast<int>(ld_in), 0.0f, scores,
                    static_cast<int>(ld_scores));
        for (std::int64_t i = 0; i < len; ++i)
            softmax_row(scores + i * ld_scores, len, scale, false);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(len),
                    static_cast<int>(head_dim), static_cast<int>(len), 1.0f, scores,
                    static_cast<int>(ld_scores), v, static_cast<int>(ld_in), 0.0f, out,
                    static_cast<int>(ld_out));
        return;
    }
    const std::int64_t tiles = ceil_div(len, kTileRows) * kTileRows;
    // scores = Q K^T: Q as tiles over head_dim, K as panels of 32 keys.
    scratch.packed_q.reserve_at_least(static_cast<std::size_t>(tiles * head_dim));
    scratch.packed_k.reserve_at_least(
        static_cast<std::size_t>(ceil_div(len, kPanelCols) * kPanelCols * head_dim));
    pack_tiles(q, ld_in, len, head_dim, scratch.packed_q.data());
    pack_panels(k, ld_in, len, head_dim, scratch.packed_k.data());
    multiply_packed(scratch.packed_q.data(), len, scratch.packed_k.data(), len, head_dim, scores,
                    ld_scores, Epilogue{});
    for (std::int64_t i = 0; i < len; ++i) softmax_row(scores + i * ld_scores, len, scale, true);
    // out = P V: P as tiles over the keys, V as panels of 32 head dimensions.
    scratch.packed_p.reserve_at_least(static_cast<std::size_t>(tiles * len));
    scratch.packed_v.reserve_at_least(
        static_cast<std::size_t>(ceil_div(head_dim, kPanelCols) * kPanelCols * len));
    pack_tiles(scores, ld_scores, len, len, scratch.packed_p.data());
    pack_panels_transposed(v, ld_in, head_dim, len, scratch.packed_v.data());
    multiply_packed(scratch.packed_p.data(), len, scratch.packed_v.data(), head_dim, len, out,
                    ld_out, Epilogue{});
}

}  // namespace deskside::bert::detail
