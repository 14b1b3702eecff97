// Building the TF-IDF matrix in three passes: (1) each thread tokenises a block of passages into
// block-local term ids with per-passage (id, tf) lists; (2) document frequencies are merged and
// the vocabulary chosen; (3) each block maps its ids to vocabulary ids and weights its rows.
#include "term_matrix.h"

#include <algorithm>
#include <functional>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "parallel.h"

namespace deskside::lsa::detail {

namespace {

struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

using TermIds = std::unordered_map<std::string, std::uint32_t, StringHash, std::equal_to<>>;

constexpr std::uint32_t kDropped = 0xFFFFFFFFu;

// One block of passages after pass 1.
struct Block {
    TermIds ids;                        // term -> block-local id
    std::vector<std::uint32_t> df;      // per local id
    std::vector<std::size_t> start{0};  // per passage: offset into entries
    std::vector<std::pair<std::uint32_t, std::uint32_t>> entries;  // (local id, tf)
};

void tokenize_block(std::span<const std::string> passages, const TermOptions& options,
                    Block& block) {
    std::vector<std::uint32_t> ids;
    const std::function<void(std::string_view)> sink = [&](std::string_view term) {
        auto it = block.ids.find(term);
        if (it == block.ids.end()) {
            it = block.ids.emplace(std::string(term), static_cast<std::uint32_t>(block.df.size()))
                     .first;
            block.df.push_back(0);
        }
        ids.push_back(it->second);
    };
    for (const std::string& passage : passages) {
        ids.clear();
        for_each_term(passage, options, sink);
        std::sort(ids.begin(), ids.end());
        for (std::size_t i = 0; i < ids.size();) {
            std::size_t j = i;
            while (j < ids.size() && ids[j] == ids[i]) ++j;
            block.entries.emplace_back(ids[i], static_cast<std::uint32_t>(j - i));
            ++block.df[ids[i]];
            i = j;
        }
        block.start.push_back(block.entries.size());
    }
}

}  // namespace

TermMatrix build_term_matrix(std::span<const std::string> passages, const TermOptions& options,
                             std::uint32_t min_df, std::size_t max_terms, int threads) {
    const int blocks = thread_count(threads, passages.size() / 256 + 1);
    std::vector<Block> parts(static_cast<std::size_t>(blocks));
    parallel_blocks(passages.size(), blocks, [&](std::size_t begin, std::size_t end, int b) {
        tokenize_block(passages.subspan(begin, end - begin), options, parts[b]);
    });

    // Pass 2: global document frequencies, then the vocabulary.
    std::unordered_map<std::string_view, std::uint64_t> df;
    for (const Block& part : parts) {
        for (const auto& [term, id] : part.ids) df[term] += part.df[id];
    }
    std::vector<std::pair<std::string_view, std::uint64_t>> kept;
    for (const auto& [term, count] : df) {
        if (count >= std::max<std::uint32_t>(min_df, 1)) kept.emplace_back(term, count);
    }
    std::sort(kept.begin(), kept.end(), [](const auto& x, const auto& y) {
        return x.second != y.second ? x.second > y.second : x.first < y.first;
    });
    if (kept.size() > max_terms) kept.resize(max_terms);
    std::sort(kept.begin(), kept.end());

    TermMatrix result;
    TermIds vocabulary;
    result.terms.reserve(kept.size());
    result.idf.reserve(kept.size());
    for (const auto& [term, count] : kept) {
        vocabulary.emplace(std::string(term), static_cast<std::uint32_t>(result.terms.size()));
        result.terms.emplace_back(term);
        result.idf.push_back(inverse_document_frequency(passages.size(), count));
    }

    // Pass 3: rows with vocabulary ids, weighted and normalised, then concatenated.
    std::vector<CsrMatrix> rows(parts.size());
    parallel_blocks(parts.size(), blocks, [&](std::size_t begin, std::size_t end, int) {
        for (std::size_t b = begin; b < end; ++b) {
            const Block& part = parts[b];
            std::vector<std::uint32_t> to_global(part.df.size(), kDropped);
            for (const auto& [term, id] : part.ids) {
                if (auto it = vocabulary.find(term); it != vocabulary.end()) {
                    to_global[id] = it->second;
                }
            }
            CsrMatrix& out = rows[b];
            out.row_start.push_back(0);
            std::vector<std::pair<std::uint32_t, float>> row;
            for (std::size_t p = 0; p + 1 < part.start.size(); ++p) {
                row.clear();
                for (std::size_t i = part.start[p]; i < part.start[p + 1]; ++i) {
                    const auto [local, tf] = part.entries[i];
                    if (const std::uint32_t g = to_global[local]; g != kDropped) {
                        row.emplace_back(g, term_weight(tf, result.idf[g]));
                    }
                }
                std::sort(row.begin(), row.end());
                double norm = 0;
                for (const auto& [g, w] : row) norm += double{w} * w;
                const float scale = norm > 0 ? static_cast<float>(1.0 / std::sqrt(norm)) : 0.0f;
                for (const auto& [g, w] : row) {
                    out.col.push_back(g);
                    out.value.push_back(w * scale);
                }
                out.row_start.push_back(out.col.size());
            }
        }
    });
    CsrMatrix& matrix = result.passages;
    matrix.rows = passages.size();
    matrix.cols = result.terms.size();
    matrix.row_start.reserve(passages.size() + 1);
    matrix.row_start.push_back(0);
    for (const CsrMatrix& part : rows) {
        const std::size_t base = matrix.col.size();
        for (std::size_t r = 1; r < part.row_start.size(); ++r) {
            matrix.row_start.push_back(base + part.row_start[r]);
        }
        matrix.col.insert(matrix.col.end(), part.col.begin(), part.col.end());
        matrix.value.insert(matrix.value.end(), part.value.begin(), part.value.end());
    }
    return result;
}

}  // namespace deskside::lsa::detail
