// A compressed sparse row (CSR) float matrix and the sparse-times-dense product the randomized
// SVD needs. Private to deskside_lsa. The matrix is immutable after construction and may be read
// from any thread; multiply() parallelises over output rows, each summed in a fixed order, so
// its result does not depend on the thread count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace deskside::lsa::detail {

struct CsrMatrix {
    std::size_t rows = 0;
    std::size_t cols = 0;
    std::vector<std::size_t> row_start;  // rows + 1 offsets into col/value
    std::vector<std::uint32_t> col;      // ascending within a row
    std::vector<float> value;

    std::size_t nonzeros() const { return value.size(); }
    // The transpose, also CSR (columns become rows; entries keep row order).
    CsrMatrix transposed() const;
};

// out[rows x width] = a * dense[a.cols x width]; both dense matrices row-major.
void multiply(const CsrMatrix& a, const float* dense, std::size_t width, float* out, int threads);

}  // namespace deskside::lsa::detail
