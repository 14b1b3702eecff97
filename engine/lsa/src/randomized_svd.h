// Rank-k truncated SVD of a sparse matrix by the randomized range finder of Halko, Martinsson
// and Tropp (2011, algorithms 4.4 and 5.1): Gaussian test matrix, power iterations with QR
// re-orthonormalisation, then the SVD of a small matrix. Private to deskside_lsa.
// Deterministic for a given seed (our own Gaussian generator; products summed in fixed order).
// Throws Error(internal) if LAPACK reports a failure. Any thread may call it.
#pragma once

#include <cstdint>
#include <vector>

#include "sparse_matrix.h"

namespace deskside::lsa::detail {

struct SvdOptions {
    int rank = 256;         // k; capped at min(rows, cols)
    int oversampling = 10;  // extra test vectors (Halko's p)
    int power_iterations = 2;
    std::uint64_t seed = 0;
    int threads = 0;  // 0 = one per hardware thread
};

struct TruncatedSvd {
    int rank = 0;                        // columns kept: singular values above the noise floor
    std::vector<float> singular_values;  // rank, descending
    std::vector<float> right_vectors;    // a.cols x rank, row-major (V_k of A = U S V^T)
};

// A = U S V^T with A given with its transpose (both CSR). Each column of V is signed so that its
// largest-magnitude entry is positive.
TruncatedSvd randomized_svd(const CsrMatrix& a, const CsrMatrix& a_transposed,
                            const SvdOptions& options);

}  // namespace deskside::lsa::detail
