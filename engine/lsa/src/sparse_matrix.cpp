// CSR transpose (a counting sort by column) and the row-parallel sparse-times-dense product.
#include "sparse_matrix.h"

#include <algorithm>

#include "parallel.h"

namespace deskside::lsa::detail {

CsrMatrix CsrMatrix::transposed() const {
    CsrMatrix t;
    t.rows = cols;
    t.cols = rows;
    t.row_start.assign(cols + 1, 0);
    for (std::uint32_t c : col) ++t.row_start[c + 1];
    for (std::size_t c = 0; c < cols; ++c) t.row_start[c + 1] += t.row_start[c];
    t.col.resize(nonzeros());
    t.value.resize(nonzeros());
    std::vector<std::size_t> next(t.row_start.begin(), t.row_start.end() - 1);
    for (std::size_t r = 0; r < rows; ++r) {
        for (std::size_t i = row_start[r]; i < row_start[r + 1]; ++i) {
            const std::size_t at = next[col[i]]++;
            t.col[at] = static_cast<std::uint32_t>(r);
            t.value[at] = value[i];
        }
    }
    return t;
}

void multiply(const CsrMatrix& a, const float* dense, std::size_t width, float* out, int threads) {
    // Balance blocks by rows; the rows of a TF-IDF matrix are short enough that nonzero counts
    // even out over thousands of rows.
    parallel_blocks(a.rows, thread_count(threads, a.rows / 64 + 1),
                    [&](std::size_t begin, std::size_t end, int) {
                        for (std::size_t r = begin; r < end; ++r) {
                            float* __restrict y = out + r * width;
                            std::fill(y, y + width, 0.0f);
                            for (std::size_t i = a.row_start[r]; i < a.row_start[r + 1]; ++i) {
                                const float v = a.value[i];
                                const float* __restrict x = dense + std::size_t{a.col[i]} * width;
                                for (std::size_t j = 0; j < width; ++j) y[j] += v * x[j];
                            }
                        }
                    });
}

}  // namespace deskside::lsa::detail
