// Randomized truncated SVD. With X (m x n), l = k + p test vectors:
//   Y = X Omega, Q = orth(Y); q times: Z = orth(X^T Q), Q = orth(X Z);
//   Z = X^T Q (= B^T with B = Q^T X), Z = Qz R (QR), R = Ur S Vr^T (sgesdd, l x l),
//   so X ~ Q B = (Q Vr) S (Qz Ur)^T and V = Qz Ur (cblas_sgemm).
// Dense matrices are row-major so the sparse products stream contiguous rows; the QR runs on a
// column-major copy, which costs O(m l) next to its O(m l^2).
#include "randomized_svd.h"

#include <cblas.h>
#include <lapacke.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

#include "base/error.h"

namespace deskside::lsa::detail {

namespace {

// Singular values below this fraction of the largest are rounding noise (float has ~7 digits):
// the matrix has lower rank than asked (a tiny corpus), and those directions are dropped.
constexpr float kRankTolerance = 1e-4f;

// SplitMix64 and Box-Muller of our own: std::normal_distribution's output is left to each
// standard library, so it could change a model under a compiler upgrade.
class SplitMix64 {
  public:
    explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
    std::uint64_t next() {
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    // Uniform in (0, 1].
    double uniform() { return (static_cast<double>(next() >> 11) + 1.0) * 0x1.0p-53; }

  private:
    std::uint64_t state_;
};

// Fills `out` with standard normal values (Box-Muller, both outputs used).
void fill_gaussian(std::vector<float>& out, std::uint64_t seed) {
    SplitMix64 rng(seed);
    for (std::size_t i = 0; i < out.size(); i += 2) {
        const double radius = std::sqrt(-2.0 * std::log(rng.uniform()));
        const double angle = 2.0 * std::numbers::pi * rng.uniform();
        out[i] = static_cast<float>(radius * std::cos(angle));
        if (i + 1 < out.size()) out[i + 1] = static_cast<float>(radius * std::sin(angle));
    }
}

void check_lapack(lapack_int info, const char* routine) {
    if (info != 0) {
        throw Error(ErrorCode::internal, std::string("LSA fit: LAPACK ") + routine +
                                             " failed (info " + std::to_string(info) + ")");
    }
}

// dst (cols x rows, row-major) = transpose of src (rows x cols, row-major), in cache tiles.
void transpose(const float* src, std::size_t rows, std::size_t cols, float* dst) {
    constexpr std::size_t kTile = 32;
    for (std::size_t r0 = 0; r0 < rows; r0 += kTile) {
        const std::size_t r1 = std::min(rows, r0 + kTile);
        for (std::size_t c0 = 0; c0 < cols; c0 += kTile) {
            const std::size_t c1 = std::min(cols, c0 + kTile);
            for (std::size_t r = r0; r < r1; ++r) {
                for (std::size_t c = c0; c < c1; ++c) dst[c * rows + r] = src[r * cols + c];
            }
        }
    }
}

// Replaces the row-major rows x cols matrix (rows >= cols) by an orthonormal basis of its
// column space (Householder QR: sgeqrf, then sorgqr); if `r_out` is given, it receives the
// cols x cols upper-triangular factor R, row-major. LAPACK runs column-major on one transposed
// copy (LAPACKE's row-major entry points would transpose in and out around each call).
void orthonormalize(std::vector<float>& a, std::size_t rows, std::size_t cols,
                    std::vector<float>* r_out = nullptr) {
    const auto m = static_cast<lapack_int>(rows);
    const auto n = static_cast<lapack_int>(cols);
    std::vector<float> q(rows * cols);  // column-major rows x cols
    transpose(a.data(), rows, cols, q.data());
    std::vector<float> tau(cols);
    float qr_size = 0, orth_size = 0;
    check_lapack(LAPACKE_sgeqrf_work(LAPACK_COL_MAJOR, m, n, q.data(), m, tau.data(), &qr_size, -1),
                 "sgeqrf");
    check_lapack(
        LAPACKE_sorgqr_work(LAPACK_COL_MAJOR, m, n, n, q.data(), m, tau.data(), &orth_size, -1),
        "sorgqr");
    std::vector<float> work(static_cast<std::size_t>(std::max({qr_size, orth_size, 1.0f})));
    const auto lwork = static_cast<lapack_int>(work.size());
    check_lapack(
        LAPACKE_sgeqrf_work(LAPACK_COL_MAJOR, m, n, q.data(), m, tau.data(), work.data(), lwork),
        "sgeqrf");
    if (r_out) {
        r_out->assign(cols * cols, 0.0f);
        for (std::size_t i = 0; i < cols; ++i) {
            for (std::size_t j = i; j < cols; ++j) (*r_out)[i * cols + j] = q[j * rows + i];
        }
    }
    check_lapack(
        LAPACKE_sorgqr_work(LAPACK_COL_MAJOR, m, n, n, q.data(), m, tau.data(), work.data(), lwork),
        "sorgqr");
    transpose(q.data(), cols, rows, a.data());
}

}  // namespace

TruncatedSvd randomized_svd(const CsrMatrix& a, const CsrMatrix& at, const SvdOptions& options) {
    const std::size_t m = a.rows;
    const std::size_t n = a.cols;
    const std::size_t limit = std::min(m, n);
    TruncatedSvd result;
    if (limit == 0 || options.rank < 1) return result;
    const std::size_t k = std::min<std::size_t>(static_cast<std::size_t>(options.rank), limit);
    const std::size_t l = std::min<std::size_t>(
        k + static_cast<std::size_t>(std::max(options.oversampling, 0)), limit);

    // LAPACK and CBLAS index with 32-bit integers.
    constexpr std::size_t kIntLimit = 0x7FFFFFFF;
    if (m * l > kIntLimit || n * l > kIntLimit) {
        throw Error(ErrorCode::invalid_argument,
                    "LSA fit: " + std::to_string(m) + " passages x " + std::to_string(n) +
                        " terms at rank " + std::to_string(l) + " is too large for one fit");
    }
    std::vector<float> omega(n * l);
    fill_gaussian(omega, options.seed);
    std::vector<float> y(m * l);  // basis of the range of X (rows = rows of X)
    multiply(a, omega.data(), l, y.data(), options.threads);
    omega = {};
    orthonormalize(y, m, l);
    std::vector<float> z(n * l);  // basis of the range of X^T
    for (int it = 0; it < options.power_iterations; ++it) {
        multiply(at, y.data(), l, z.data(), options.threads);
        orthonormalize(z, n, l);
        multiply(a, z.data(), l, y.data(), options.threads);
        orthonormalize(y, m, l);
    }
    multiply(at, y.data(), l, z.data(), options.threads);  // Z = X^T Q = B^T
    y = {};
    std::vector<float> r;
    orthonormalize(z, n, l, &r);  // Z = Qz R

    std::vector<float> s(l), ur(l * l), vrt(l * l);
    const auto li = static_cast<lapack_int>(l);
    check_lapack(LAPACKE_sgesdd(LAPACK_ROW_MAJOR, 'S', li, li, r.data(), li, s.data(), ur.data(),
                                li, vrt.data(), li),
                 "sgesdd");

    std::size_t rank = 0;
    while (rank < k && s[rank] > kRankTolerance * s[0]) ++rank;
    result.rank = static_cast<int>(rank);
    result.singular_values.assign(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(rank));
    if (rank == 0) return result;

    // V = Qz Ur[:, :rank]  (n x l times l x rank, Ur row-major with leading dimension l).
    result.right_vectors.assign(n * rank, 0.0f);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(n),
                static_cast<int>(rank), static_cast<int>(l), 1.0f, z.data(), static_cast<int>(l),
                ur.data(), static_cast<int>(l), 0.0f, result.right_vectors.data(),
                static_cast<int>(rank));

    // Fix each column's sign (SVD leaves it arbitrary) so refits on similar data agree. One
    // pass over the rows finds every column's largest-magnitude entry.
    std::vector<float> largest(rank, 0.0f);
    for (std::size_t i = 0; i < n; ++i) {
        const float* row = result.right_vectors.data() + i * rank;
        for (std::size_t c = 0; c < rank; ++c) {
            if (std::fabs(row[c]) > std::fabs(largest[c])) largest[c] = row[c];
        }
    }
    for (std::size_t i = 0; i < n; ++i) {
        float* row = result.right_vectors.data() + i * rank;
        for (std::size_t c = 0; c < rank; ++c) {
            if (largest[c] < 0) row[c] = -row[c];
        }
    }
    return result;
}

}  // namespace deskside::lsa::detail
