// The fit's building blocks against plain references: the CSR transpose and product against
// dense loops, the randomized SVD against LAPACK's dense SVD, and the TF-IDF matrix against the
// documented weighting. These headers are private to deskside_lsa (src/).
#include <gtest/gtest.h>
#include <lapacke.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "randomized_svd.h"
#include "sparse_matrix.h"
#include "term_matrix.h"

namespace deskside::lsa::detail {
namespace {

using Dense = std::vector<float>;  // row-major

CsrMatrix to_csr(const Dense& d, std::size_t rows, std::size_t cols) {
    CsrMatrix m;
    m.rows = rows;
    m.cols = cols;
    m.row_start.push_back(0);
    for (std::size_t r = 0; r < rows; ++r) {
        for (std::size_t c = 0; c < cols; ++c) {
            if (d[r * cols + c] != 0.0f) {
                m.col.push_back(static_cast<std::uint32_t>(c));
                m.value.push_back(d[r * cols + c]);
            }
        }
        m.row_start.push_back(m.col.size());
    }
    return m;
}

Dense random_dense(std::size_t rows, std::size_t cols, double density, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> value(-1.0f, 1.0f);
    std::bernoulli_distribution keep(density);
    Dense d(rows * cols, 0.0f);
    for (float& x : d) {
        if (keep(rng)) x = value(rng);
    }
    return d;
}

TEST(SparseMatrix, TransposeAndProductMatchDenseLoops) {
    const std::size_t rows = 37, cols = 23, width = 5;
    const Dense a = random_dense(rows, cols, 0.3, 1);
    const Dense b = random_dense(cols, width, 1.0, 2);
    const Dense bt = random_dense(rows, width, 1.0, 3);
    const CsrMatrix csr = to_csr(a, rows, cols);
    const CsrMatrix t = csr.transposed();
    EXPECT_EQ(t.rows, cols);
    EXPECT_EQ(t.cols, rows);
    const CsrMatrix back = t.transposed();
    EXPECT_EQ(back.row_start, csr.row_start);
    EXPECT_EQ(back.col, csr.col);
    EXPECT_EQ(back.value, csr.value);

    for (int threads : {1, 3}) {
        Dense out(rows * width), out_t(cols * width);
        multiply(csr, b.data(), width, out.data(), threads);
        multiply(t, bt.data(), width, out_t.data(), threads);
        for (std::size_t r = 0; r < rows; ++r) {
            for (std::size_t j = 0; j < width; ++j) {
                double want = 0;
                for (std::size_t c = 0; c < cols; ++c) want += a[r * cols + c] * b[c * width + j];
                EXPECT_NEAR(out[r * width + j], want, 1e-5) << r << "," << j;
            }
        }
        for (std::size_t c = 0; c < cols; ++c) {
            for (std::size_t j = 0; j < width; ++j) {
                double want = 0;
                for (std::size_t r = 0; r < rows; ++r) want += a[r * cols + c] * bt[r * width + j];
                EXPECT_NEAR(out_t[c * width + j], want, 1e-5) << c << "," << j;
            }
        }
    }
}

// A sum of rank-one terms with geometrically decaying weights, plus a little noise: distinct,
// well-separated leading singular values, as in real term-document matrices.
Dense low_rank(std::size_t rows, std::size_t cols, int rank, float noise) {
    std::mt19937 rng(7);
    std::normal_distribution<float> gauss(0.0f, 1.0f);
    Dense d(rows * cols, 0.0f);
    for (int i = 0; i < rank; ++i) {
        std::vector<float> u(rows), v(cols);
        for (float& x : u) x = gauss(rng);
        for (float& x : v) x = gauss(rng);
        const float weight = std::pow(0.6f, static_cast<float>(i));
        for (std::size_t r = 0; r < rows; ++r) {
            for (std::size_t c = 0; c < cols; ++c) d[r * cols + c] += weight * u[r] * v[c];
        }
    }
    for (float& x : d) x += noise * gauss(rng);
    return d;
}

// Dense reference: all singular values and right singular vectors (rows of V^T).
void dense_svd(Dense a, std::size_t rows, std::size_t cols, std::vector<float>& s, Dense& vt) {
    const std::size_t p = std::min(rows, cols);
    s.assign(p, 0.0f);
    Dense u(rows * p);
    vt.assign(p * cols, 0.0f);
    const auto m = static_cast<lapack_int>(rows), n = static_cast<lapack_int>(cols);
    const auto pi = static_cast<lapack_int>(p);
    ASSERT_EQ(LAPACKE_sgesdd(LAPACK_ROW_MAJOR, 'S', m, n, a.data(), n, s.data(), u.data(), pi,
                             vt.data(), n),
              0);
}

TEST(RandomizedSvd, MatchesTheDenseSvd) {
    const std::size_t rows = 300, cols = 200;
    const int k = 8;
    const Dense a = low_rank(rows, cols, 20, 1e-3f);
    const CsrMatrix csr = to_csr(a, rows, cols);
    SvdOptions options;
    options.rank = k;
    options.seed = 11;
    const TruncatedSvd svd = randomized_svd(csr, csr.transposed(), options);
    ASSERT_EQ(svd.rank, k);
    ASSERT_EQ(svd.right_vectors.size(), cols * k);

    std::vector<float> s;
    Dense vt;
    dense_svd(a, rows, cols, s, vt);
    for (int i = 0; i < k; ++i) {
        EXPECT_NEAR(svd.singular_values[i], s[i], 1e-3 * s[0]) << i;
        // Same direction as the reference vector, and signed by the documented rule.
        double dot = 0, largest = 0;
        for (std::size_t c = 0; c < cols; ++c) {
            const float v = svd.right_vectors[c * k + i];
            dot += v * vt[i * cols + c];
            if (std::fabs(v) > std::fabs(largest)) largest = v;
        }
        EXPECT_GT(std::fabs(dot), 0.999) << i;
        EXPECT_GT(largest, 0.0) << i;
    }
    // Orthonormal columns.
    for (int i = 0; i < k; ++i) {
        for (int j = 0; j < k; ++j) {
            double dot = 0;
            for (std::size_t c = 0; c < cols; ++c) {
                dot += svd.right_vectors[c * k + i] * svd.right_vectors[c * k + j];
            }
            EXPECT_NEAR(dot, i == j ? 1.0 : 0.0, 1e-4) << i << "," << j;
        }
    }
}

TEST(RandomizedSvd, DropsDirectionsBeyondTheRank) {
    const Dense a = low_rank(40, 30, 3, 0.0f);
    const CsrMatrix csr = to_csr(a, 40, 30);
    SvdOptions options;
    options.rank = 10;
    const TruncatedSvd svd = randomized_svd(csr, csr.transposed(), options);
    EXPECT_EQ(svd.rank, 3);
    EXPECT_EQ(svd.singular_values.size(), 3u);
    // More rank than the matrix has rows or columns: capped at min(rows, cols).
    const Dense b = random_dense(5, 9, 1.0, 4);
    const CsrMatrix small = to_csr(b, 5, 9);
    options.rank = 256;
    EXPECT_EQ(randomized_svd(small, small.transposed(), options).rank, 5);
}

TEST(TermMatrix, VocabularyIdfAndRowWeights) {
    const std::vector<std::string> passages = {
        "wing wing wing flutter", "wing flutter", "wing nozzle", "nozzle shock", "unique",
    };
    const TermMatrix m = build_term_matrix(passages, TermOptions{}, 2, 100, 2);
    ASSERT_EQ(m.terms, (std::vector<std::string>{"flutter", "nozzle", "wing"}));
    EXPECT_FLOAT_EQ(m.idf[2], static_cast<float>(std::log(6.0 / 4.0) + 1));  // df 3 of 5
    EXPECT_FLOAT_EQ(m.idf[0], static_cast<float>(std::log(6.0 / 3.0) + 1));  // df 2 of 5
    ASSERT_EQ(m.passages.rows, 5u);
    ASSERT_EQ(m.passages.cols, 3u);
    // Row 0: wing tf 3, flutter tf 1, L2-normalised.
    const float wing = (1 + std::log(3.0f)) * m.idf[2];
    const float flutter = m.idf[0];
    const float norm = std::sqrt(wing * wing + flutter * flutter);
    ASSERT_EQ(m.passages.row_start[1], 2u);
    EXPECT_EQ(m.passages.col[0], 0u);
    EXPECT_NEAR(m.passages.value[0], flutter / norm, 1e-6);
    EXPECT_EQ(m.passages.col[1], 2u);
    EXPECT_NEAR(m.passages.value[1], wing / norm, 1e-6);
    // "unique" is below min_df: its passage is an empty row.
    EXPECT_EQ(m.passages.row_start[4], m.passages.row_start[5]);

    // The cap keeps the highest document frequencies (ties by term).
    const TermMatrix capped = build_term_matrix(passages, TermOptions{}, 2, 2, 1);
    EXPECT_EQ(capped.terms, (std::vector<std::string>{"flutter", "wing"}));
}

}  // namespace
}  // namespace deskside::lsa::detail
