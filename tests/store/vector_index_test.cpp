// Tests of the vector index (store/vector_index.h): round trips, filters, deletes and
// replacements across reopen and compaction, identity checks, damaged files, a writer killed at
// each step of a commit, concurrent readers. Recall is measured in vector_recall_test.cpp.
#include "store/vector_index.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <functional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/error.h"
#include "test_support.h"
#include "vector_test_util.h"

namespace deskside::store {
namespace {

namespace fs = std::filesystem;
using namespace vector_testing;

TEST(VectorIndex, RoundTripsRandomVectorsWithoutAGraph) {
    testing::TempDir tmp;
    const int dim = 32;
    auto vectors = random_unit_vectors(500, dim, 1);
    auto ids = id_range(1, 500);
    Model model(dim);
    {
        VectorIndexWriter writer(tmp.path(), identity(dim));
        writer.put(ids, vectors);
        EXPECT_TRUE(writer.has_pending());
        EXPECT_EQ(writer.size(), 0u);  // staged, not committed
        writer.commit();
        EXPECT_FALSE(writer.has_pending());
        EXPECT_EQ(writer.committed_ids(), ids);
    }
    model.put(ids, vectors);
    VectorIndexReader reader(tmp.path(), identity(dim));
    expect_matches(reader, model, dim, 2);
    EXPECT_EQ(reader.stats().graph_m, 0);
    // Each stored vector finds itself first, with a cosine of 1.
    for (std::size_t i = 0; i < 500; i += 50) {
        auto hits = reader.search(row(vectors, i, dim), {});
        ASSERT_EQ(hits.size(), 10u);
        EXPECT_EQ(hits[0].passage_id, ids[i]);
        EXPECT_NEAR(hits[0].score, 1.0f, 1e-5);
    }
}

TEST(VectorIndex, NormalisesVectorsAndRejectsBadInput) {
    testing::TempDir tmp;
    VectorIndexWriter writer(tmp.path(), identity(4));
    std::vector<std::int64_t> one{7};
    writer.put(one, std::vector<float>{3, 0, 4, 0});
    writer.commit();
    VectorIndexReader reader(tmp.path(), identity(4));
    EXPECT_EQ(*reader.vector(7), (std::vector<float>{0.6f, 0, 0.8f, 0}));
    auto hits = reader.search(std::vector<float>{0, 0, 10, 0}, {});  // the query is normalised
    ASSERT_EQ(hits.size(), 1u);
    EXPECT_NEAR(hits[0].score, 0.8f, 1e-6);
    EXPECT_TRUE(reader.search(std::vector<float>{0, 0, 0, 0}, {}).empty());

    auto code_of = [](auto&& f) {
        try {
            f();
        } catch (const Error& e) {
            return e.code();
        }
        return ErrorCode::internal;
    };
    const auto bad = ErrorCode::invalid_argument;
    EXPECT_EQ(code_of([&] { reader.search(std::vector<float>{1, 0, 0}, {}); }), bad);
    EXPECT_EQ(code_of([&] { reader.search(std::vector<float>{NAN, 0, 0, 1}, {}); }), bad);
    EXPECT_EQ(code_of([&] { writer.put(one, std::vector<float>{1, 0, 0}); }), bad);
    EXPECT_EQ(code_of([&] {
                  writer.put(std::vector<std::int64_t>{-3}, std::vector<float>{1, 0, 0, 0});
              }),
              bad);
    EXPECT_EQ(code_of([&] {
                  writer.put(std::vector<std::int64_t>{1, 1}, std::vector<float>(8, 1));
              }),
              bad);
    EXPECT_EQ(code_of([&] { writer.put(one, std::vector<float>{INFINITY, 0, 0, 0}); }), bad);
    EXPECT_FALSE(writer.has_pending());  // a rejected put stages nothing
    EXPECT_EQ(code_of([] { VectorIndexWriter w("/proc/no-such-dir/vectors", identity(0)); }), bad);
}

TEST(VectorIndex, FiltersApplyInsideGraphAndExactSearch) {
    testing::TempDir tmp;
    const int dim = 32;
    const std::size_t n = 3000;
    auto vectors = random_unit_vectors(n, dim, 5);
    auto ids = id_range(1, n);
    Model model(dim);
    model.put(ids, vectors);
    auto extra = random_unit_vectors(200, dim, 6);  // committed later: lives in a delta
    auto extra_ids = id_range(10001, 200);
    model.put(extra_ids, extra);
    {
        VectorIndexWriter writer(tmp.path(), identity(dim), small_graph_options());
        writer.put(ids, vectors);
        writer.compact();
        writer.put(extra_ids, extra);
        writer.commit();
    }
    VectorIndexReader reader(tmp.path(), identity(dim));
    ASSERT_EQ(reader.stats().graph_m, 16);
    ASSERT_EQ(reader.stats().delta_rows, 200u);
    auto queries = random_unit_vectors(50, dim, 7);

    PassageFilter even = [](std::int64_t id) { return id % 2 == 0; };
    double total = 0;
    for (std::size_t q = 0; q < 50; ++q) {
        auto query = row(queries, q, dim);
        VectorQuery filtered;
        filtered.filter = even;
        auto hits = reader.search(query, filtered);
        ASSERT_EQ(hits.size(), 10u);
        for (const auto& h : hits) EXPECT_EQ(h.passage_id % 2, 0);
        total += recall(model.top(query, 10, even), ids_of(hits));
        filtered.mode = VectorSearchMode::exact;
        EXPECT_EQ(ids_of(reader.search(query, filtered)), model.top(query, 10, even));
    }
    EXPECT_GE(total / 50, 0.95);

    // Five passages pass: the graph walk must still find all five (it keeps walking until it
    // holds ef acceptable rows or runs out), and nothing else.
    std::set<std::int64_t> few{17, 444, 2999, 1500, 10150};
    PassageFilter only_few = [&](std::int64_t id) { return few.count(id) > 0; };
    for (auto mode : {VectorSearchMode::hnsw, VectorSearchMode::exact}) {
        VectorQuery q;
        q.filter = only_few;
        q.mode = mode;
        auto hits = ids_of(reader.search(row(queries, 0, dim), q));
        EXPECT_EQ(std::set<std::int64_t>(hits.begin(), hits.end()), few);
        EXPECT_EQ(hits, model.top(row(queries, 0, dim), 10, only_few));
    }
    auto batch =
        reader.search_exact_batch(std::span<const float>(queries).first(3 * dim), 10, even);
    for (std::size_t q = 0; q < 3; ++q)
        EXPECT_EQ(ids_of(batch[q]), model.top(row(queries, q, dim), 10, even));
    PassageFilter none = [](std::int64_t) { return false; };
    VectorQuery nothing;
    nothing.filter = none;
    EXPECT_TRUE(reader.search(row(queries, 0, dim), nothing).empty());

    // A candidate list is scored exactly, base and delta rows alike; ids without a vector
    // (never stored, or past the end) are skipped.
    std::vector<std::int64_t> listed;
    for (std::int64_t id = 2; id <= 3000; id += 2) listed.push_back(id);
    for (std::int64_t id = 10002; id <= 10200; id += 2) listed.push_back(id);
    listed.push_back(5000);   // never stored
    listed.push_back(99999);  // likewise
    for (std::size_t q = 0; q < 10; ++q) {
        auto query = row(queries, q, dim);
        VectorQuery candidates;
        candidates.candidates = &listed;
        EXPECT_EQ(ids_of(reader.search(query, candidates)), model.top(query, 10, even));
    }
    const std::vector<std::int64_t> absent{5000, 6000};
    VectorQuery no_vectors;
    no_vectors.candidates = &absent;
    EXPECT_TRUE(reader.search(row(queries, 0, dim), no_vectors).empty());
}

TEST(VectorIndex, DeletesAndReplacementsSurviveReopenAndCompaction) {
    testing::TempDir tmp;
    const int dim = 24;
    const std::size_t n = 2000;
    auto vectors = random_unit_vectors(n, dim, 8);
    auto ids = id_range(1, n);
    Model model(dim);
    model.put(ids, vectors);
    {
        VectorIndexWriter writer(tmp.path(), identity(dim), small_graph_options());
        writer.put(ids, vectors);
        writer.compact();
    }
    // Remove 100, replace 100 with new vectors, add 50 new ones; a put-then-remove and a
    // remove-then-put in the same commit.
    std::vector<std::int64_t> removed = id_range(1, 100);
    std::vector<std::int64_t> replaced = id_range(1001, 100);
    auto replacement = random_unit_vectors(100, dim, 9);
    std::vector<std::int64_t> added = id_range(5001, 50);
    auto added_vectors = random_unit_vectors(50, dim, 10);
    {
        VectorIndexWriter writer(tmp.path(), identity(dim), small_graph_options());
        EXPECT_EQ(writer.size(), n);
        writer.remove(removed);
        writer.put(replaced, replacement);
        writer.put(added, added_vectors);
        writer.remove(std::vector<std::int64_t>{5001, 999999});  // staged add, unknown id
        writer.remove(std::vector<std::int64_t>{1500});
        writer.put(
            std::vector<std::int64_t>{1500},
            std::vector<float>(row(vectors, 1499, dim).begin(), row(vectors, 1499, dim).end()));
        writer.commit();
        EXPECT_EQ(writer.stats().delta_files, 1u);
    }
    model.remove(removed);
    model.put(replaced, replacement);
    model.put(added, added_vectors);
    model.remove(std::vector<std::int64_t>{5001});

    auto check = [&](const char* stage) {
        SCOPED_TRACE(stage);
        VectorIndexReader reader(tmp.path(), identity(dim));
        expect_matches(reader, model, dim, 11);
        EXPECT_FALSE(reader.contains(1));
        EXPECT_FALSE(reader.contains(5001));
        EXPECT_TRUE(reader.contains(5002));
        // The graph never returns a removed row, and a replaced passage is found by its new
        // vector (and not twice).
        for (std::size_t i = 0; i < 100; i += 7) {
            auto by_old = reader.search(row(vectors, i, dim), {});
            for (const auto& h : by_old) EXPECT_GT(h.passage_id, 100);
            auto hits = reader.search(row(replacement, i, dim), {});
            ASSERT_FALSE(hits.empty());
            EXPECT_EQ(hits[0].passage_id, replaced[i]);
            EXPECT_NEAR(hits[0].score, 1.0f, 1e-5);
            const auto found = ids_of(hits);
            EXPECT_EQ(std::set<std::int64_t>(found.begin(), found.end()).size(), hits.size());
        }
    };
    check("delta");
    {
        VectorIndexWriter writer(tmp.path(), identity(dim), small_graph_options());
        writer.compact();
        auto stats = writer.stats();
        EXPECT_EQ(stats.delta_files, 0u);
        EXPECT_EQ(stats.live, model.rows().size());
        // 100 removals of 2,049 rows stay below rebuild_fraction: hnswlib marked them deleted.
        EXPECT_EQ(stats.base_rows, n + 49);
        EXPECT_EQ(stats.deleted_rows, 100u);
        std::vector<std::int64_t> expected;
        for (const auto& [id, v] : model.rows()) expected.push_back(id);
        EXPECT_EQ(writer.committed_ids(), expected);
    }
    check("compacted");
    {
        // Removing most rows makes the next compaction rebuild the graph without them.
        VectorIndexOptions options = small_graph_options();
        options.compact_min_rows = 100000;
        VectorIndexWriter writer(tmp.path(), identity(dim), options);
        std::vector<std::int64_t> most = id_range(101, 900);  // all but the replaced ones
        for (auto id : id_range(1101, 600)) most.push_back(id);
        writer.remove(most);
        model.remove(most);
        writer.commit();
        EXPECT_EQ(writer.stats().delta_files, 1u);  // below compact_min_rows
        writer.compact();
        EXPECT_EQ(writer.stats().deleted_rows, 0u);
        EXPECT_EQ(writer.stats().base_rows, model.rows().size());
    }
    check("rebuilt");
}

TEST(VectorIndex, CompactsWhenDeltasAccumulate) {
    testing::TempDir tmp;
    const int dim = 8;
    VectorIndexOptions options;
    options.max_delta_files = 3;
    VectorIndexWriter writer(tmp.path(), identity(dim), options);
    Model model(dim);
    for (int i = 0; i < 4; ++i) {
        auto ids = id_range(i * 10, 10);
        auto v = random_unit_vectors(10, dim, 20 + i);
        writer.put(ids, v);
        model.put(ids, v);
        writer.commit();
        EXPECT_EQ(writer.stats().delta_files, i < 3 ? std::uint64_t(i + 1) : 0u);
    }
    EXPECT_EQ(writer.stats().base_rows, 40u);
    EXPECT_EQ(writer.generation(), 5u);  // four commits and one compaction
    // Only the files of the current state are left.
    std::set<std::string> names;
    for (const auto& e : fs::directory_iterator(tmp.path())) names.insert(e.path().filename());
    EXPECT_EQ(names,
              (std::set<std::string>{"MANIFEST", "base-0000000000000005.dsv", "writer.lock"}));
    expect_matches(VectorIndexReader(tmp.path(), identity(dim)), model, dim, 24);
}

TEST(VectorIndex, ADifferentEmbedderIsAnErrorUntilReembedded) {
    testing::TempDir tmp;
    const int dim = 16;
    auto vectors = random_unit_vectors(20, dim, 30);
    {
        VectorIndexWriter writer(tmp.path(), identity(dim));
        writer.put(id_range(1, 20), vectors);
        writer.commit();
    }
    auto expect_mismatch = [&](auto&& open) {
        try {
            open();
            ADD_FAILURE() << "no error";
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
            EXPECT_NE(std::string(e.what()).find("deskside index --reembed"), std::string::npos)
                << e.what();
            EXPECT_NE(std::string(e.what()).find("model-a.gguf"), std::string::npos) << e.what();
        }
    };
    VectorIndexIdentity other = identity(dim, "model-b.gguf");
    VectorIndexIdentity rehashed = identity(dim);
    rehashed.hash = "fedcba9876543210";
    expect_mismatch([&] { VectorIndexReader r(tmp.path(), other); });
    expect_mismatch([&] { VectorIndexReader r(tmp.path(), rehashed); });
    expect_mismatch([&] { VectorIndexReader r(tmp.path(), identity(dim + 1)); });
    expect_mismatch([&] { VectorIndexWriter w(tmp.path(), other); });
    EXPECT_EQ(VectorIndexReader::stored_identity(tmp.path()), identity(dim));

    // Re-embedding: the old vectors stay searchable until the new ones commit, all at once.
    VectorIndexReader old_reader(tmp.path(), identity(dim));
    VectorIndexWriter writer(tmp.path(), other, {}, VectorIndexWriter::Mode::recreate);
    EXPECT_EQ(writer.size(), 0u);
    writer.put(id_range(1, 5), random_unit_vectors(5, dim, 31));
    EXPECT_EQ(VectorIndexReader(tmp.path(), identity(dim)).size(), 20u);
    writer.commit();
    expect_mismatch([&] { VectorIndexReader r(tmp.path(), identity(dim)); });
    VectorIndexReader new_reader(tmp.path(), other);
    EXPECT_EQ(new_reader.size(), 5u);
    EXPECT_EQ(old_reader.size(), 20u);  // an open reader keeps its snapshot
    EXPECT_EQ(old_reader.search(row(vectors, 3, dim), {})[0].passage_id, 4);
}

TEST(VectorIndex, MissingIndexAndSecondWriter) {
    testing::TempDir tmp;
    try {
        VectorIndexReader r(tmp / "vectors", identity(4));
        ADD_FAILURE();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::not_found);
    }
    EXPECT_EQ(VectorIndexReader::current_generation(tmp / "vectors"), 0u);
    VectorIndexWriter writer(tmp / "vectors", identity(4));
    try {
        VectorIndexWriter second(tmp / "vectors", identity(4));
        ADD_FAILURE();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::busy);
    }
    writer.commit();  // a new index commits its (empty) MANIFEST
    EXPECT_EQ(VectorIndexReader(tmp / "vectors", identity(4)).size(), 0u);
    EXPECT_EQ(VectorIndexReader::current_generation(tmp / "vectors"), 1u);
}

// ---- damaged files

template <typename T>
T field(const std::string& bytes, std::size_t offset) {
    T value;
    std::memcpy(&value, bytes.data() + offset, sizeof value);
    return value;
}

void reseal(std::string& bytes) {  // recompute the trailing XXH3-64 checksum
    std::uint64_t sum = XXH3_64bits(bytes.data(), bytes.size() - 8);
    std::memcpy(bytes.data() + bytes.size() - 8, &sum, 8);
}

void expect_corrupt(const fs::path& dir, const std::string& file_name, int dimension,
                    const std::string& what, bool verify = true) {
    try {
        VectorReaderOptions options;
        options.verify_checksums = verify;
        VectorIndexReader reader(dir, identity(dimension), options);
        ADD_FAILURE() << what << ": opened without error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::corrupt_index) << what << ": " << e.what();
        EXPECT_NE(std::string(e.what()).find(file_name), std::string::npos)
            << what << ": " << e.what();
    }
}

class DamagedIndex : public ::testing::Test {
  protected:
    static constexpr int dim = 8;
    void SetUp() override {
        VectorIndexWriter writer(tmp.path(), identity(dim), small_graph_options());
        writer.put(id_range(1, 300), random_unit_vectors(300, dim, 40));
        writer.compact();
        writer.put(id_range(400, 10), random_unit_vectors(10, dim, 41));
        writer.commit();
        for (const auto& e : fs::directory_iterator(tmp.path())) {
            std::string name = e.path().filename();
            if (name.starts_with("base-")) base = e.path();
            if (name.starts_with("delta-")) delta = e.path();
        }
        ASSERT_FALSE(base.empty());
        ASSERT_FALSE(delta.empty());
    }
    testing::TempDir tmp;
    fs::path base, delta;
};

TEST_F(DamagedIndex, TruncatedOrFlippedFilesAreCorruptIndexErrorsNamingTheFile) {
    for (const fs::path& path : {base, delta, tmp / "MANIFEST"}) {
        const std::string good = testing::read_file(path);
        const std::string name = path.filename();
        // Truncations everywhere (and an extended file), byte flips everywhere.
        for (std::size_t size = 0; size < good.size(); size += 1 + size / 16) {
            testing::write_file(path, good.substr(0, size));
            expect_corrupt(tmp.path(), name, dim, name + " truncated to " + std::to_string(size));
        }
        testing::write_file(path, good + std::string(64, '\0'));
        expect_corrupt(tmp.path(), name, dim, name + " extended");
        for (std::size_t at = 0; at < good.size(); at += 1 + at / 8) {
            std::string bad = good;
            bad[at] = static_cast<char>(bad[at] ^ 0x10);
            testing::write_file(path, bad);
            expect_corrupt(tmp.path(), name, dim, name + " flipped at " + std::to_string(at));
        }
        testing::write_file(path, good);
    }
    EXPECT_EQ(VectorIndexReader(tmp.path(), identity(dim)).size(), 310u);
    fs::remove(delta);
    expect_corrupt(tmp.path(), delta.filename(), dim, "missing delta");
}

TEST_F(DamagedIndex, OnlyReembeddingOpensADamagedIndexAndItReplacesEverything) {
    testing::write_file(base, "not a base file");
    try {
        VectorIndexWriter writer(tmp.path(), identity(dim));
        ADD_FAILURE() << "a writer opened a damaged index";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::corrupt_index) << e.what();
    }
    testing::write_file(tmp / "MANIFEST", "garbage");
    expect_corrupt(tmp.path(), "MANIFEST", dim, "garbage MANIFEST");
    {
        VectorIndexWriter writer(tmp.path(), identity(dim), {}, VectorIndexWriter::Mode::recreate);
        writer.put(id_range(1, 5), random_unit_vectors(5, dim, 42));
        writer.commit();
    }
    VectorIndexReader reader(tmp.path(), identity(dim));
    EXPECT_EQ(reader.size(), 5u);
    std::set<std::string> names;
    for (const auto& e : fs::directory_iterator(tmp.path())) names.insert(e.path().filename());
    EXPECT_EQ(names.size(), 3u);  // MANIFEST, the new delta, writer.lock: the damaged files went
    EXPECT_FALSE(names.contains(base.filename()));
}

// Files whose checksum is right but whose structure is not: the parser's own checks must
// catch them (these offsets follow the byte layout documented in store/vector_index.h).
TEST_F(DamagedIndex, ResealedFilesWithBadStructureAreStillRejected) {
    const std::string good = testing::read_file(base);
    const std::string name = base.filename();
    const auto rows = field<std::uint64_t>(good, 24);
    const auto live = field<std::uint64_t>(good, 32);
    const auto M = field<std::uint32_t>(good, 40);
    ASSERT_EQ(rows, 300u);
    ASSERT_EQ(M, 16u);
    auto align = [](std::size_t x) { return (x + 63) / 64 * 64; };
    const std::size_t vectors_at = align(64 + 8 * rows);
    const std::size_t index_at = align(vectors_at + 4 * rows * dim);
    const std::size_t level0_at = align(index_at + 16 * live);
    const std::size_t offsets_at = align(level0_at + 4 * rows * (1 + 2 * M));
    ASSERT_GT(field<std::uint32_t>(good, level0_at), 0u);  // row 0 has neighbours

    auto try_edit = [&](const std::string& what, auto edit) {
        std::string bad = good;
        edit(bad);
        reseal(bad);
        testing::write_file(base, bad);
        expect_corrupt(tmp.path(), name, dim, what, /*verify=*/true);
        expect_corrupt(tmp.path(), name, dim, what + " (no checksum pass)", /*verify=*/false);
    };
    auto put32 = [](std::string& b, std::size_t at, std::uint32_t v) {
        std::memcpy(b.data() + at, &v, 4);
    };
    auto put64 = [](std::string& b, std::size_t at, std::uint64_t v) {
        std::memcpy(b.data() + at, &v, 8);
    };
    try_edit("neighbour out of range", [&](std::string& b) { put32(b, level0_at + 4, 300); });
    try_edit("too many neighbours", [&](std::string& b) { put32(b, level0_at, 2 * M + 1); });
    try_edit("entry row out of range", [&](std::string& b) { put32(b, 52, 5000); });
    try_edit("top level", [&](std::string& b) { put32(b, 48, 7); });
    try_edit("upper offsets", [&](std::string& b) { put64(b, offsets_at + 8, 5); });
    try_edit("duplicate id",
             [&](std::string& b) { put64(b, 64 + 8, field<std::int64_t>(good, 64)); });
    try_edit("negative id", [&](std::string& b) { put64(b, 64, static_cast<std::uint64_t>(-7)); });
    try_edit("unsorted id index", [&](std::string& b) { put64(b, index_at, 1u << 30); });
    // A level-1 link to a row that has no level 1 (a walk would read past that row's lists).
    const std::size_t upper_at = align(offsets_at + 8 * (rows + 1));
    std::size_t linked = rows, flat = rows;
    for (std::size_t r = 0; r < rows; ++r) {
        const auto from = field<std::uint64_t>(good, offsets_at + 8 * r);
        const auto to = field<std::uint64_t>(good, offsets_at + 8 * (r + 1));
        if (to == from && flat == rows) flat = r;
        if (to > from && linked == rows && field<std::uint32_t>(good, upper_at + 4 * from) > 0)
            linked = r;
    }
    ASSERT_LT(linked, rows);
    ASSERT_LT(flat, rows);
    try_edit("link to a lower level", [&](std::string& b) {
        const auto from = field<std::uint64_t>(good, offsets_at + 8 * linked);
        put32(b, upper_at + 4 * (from + 1), static_cast<std::uint32_t>(flat));
    });
    try_edit("row count", [&](std::string& b) { put64(b, 24, 1ull << 40); });
    try_edit("version", [&](std::string& b) { put32(b, 8, 2); });
    testing::write_file(base, good);
    EXPECT_EQ(VectorIndexReader(tmp.path(), identity(dim)).size(), 310u);
}

// ---- crashes

// Runs `work` in a child process that dies (_exit, no destructors, no clean-up) when the commit
// reaches `step`.
void run_and_kill_at(const std::string& step,
                     const std::function<void(VectorIndexWriter::StepHook)>& work) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        try {
            work([step](std::string_view at) {
                if (at == step) ::_exit(42);
            });
        } catch (...) {
            ::_exit(1);
        }
        ::_exit(0);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 42) << "the child never reached " << step;
}

TEST(VectorIndex, AWriterKilledAtAnyStepLeavesTheLastCommitReadable) {
    const int dim = 16;
    auto first = random_unit_vectors(300, dim, 50);
    auto second = random_unit_vectors(300, dim, 51);
    for (std::string step : {"vector-files-written", "vector-manifest-written",
                             "vector-base-written", "vector-committed"}) {
        SCOPED_TRACE(step);
        testing::TempDir tmp;
        {
            VectorIndexWriter writer(tmp.path(), identity(dim), small_graph_options());
            writer.put(id_range(1, 300), first);
            writer.compact();
        }
        const bool compaction = step == "vector-base-written";
        run_and_kill_at(step, [&](VectorIndexWriter::StepHook hook) {
            VectorIndexWriter writer(tmp.path(), identity(dim), small_graph_options(),
                                     VectorIndexWriter::Mode::open_or_create, hook);
            writer.remove(id_range(1, 10));
            writer.put(id_range(1001, 300), second);
            writer.commit();  // reaches the first three steps
            if (compaction) writer.compact();
        });
        // The killed commit is all or nothing; the compaction only rewrites committed state.
        const bool committed = step == "vector-committed" || compaction;
        VectorIndexReader reader(tmp.path(), identity(dim));
        EXPECT_EQ(reader.size(), committed ? 590u : 300u);
        EXPECT_EQ(reader.contains(1), !committed);
        EXPECT_EQ(reader.contains(1001), committed);
        // The next writer removes the leftovers and carries on.
        VectorIndexWriter writer(tmp.path(), identity(dim), small_graph_options());
        EXPECT_FALSE(fs::exists(tmp / "MANIFEST.tmp"));
        std::size_t data_files = 0;
        for (const auto& e : fs::directory_iterator(tmp.path()))
            data_files += e.path().extension() == ".dsv";
        EXPECT_EQ(data_files, committed ? 2u : 1u);  // the base, and the delta if committed
        writer.put(id_range(5000, 1), random_unit_vectors(1, dim, 52));
        writer.commit();
        EXPECT_EQ(VectorIndexReader(tmp.path(), identity(dim)).size(), reader.size() + 1);
    }
}

// ---- threads and snapshots

TEST(VectorIndex, ConcurrentSearchesAgreeWithSequentialOnes) {
    testing::TempDir tmp;
    const int dim = 32;
    {
        VectorIndexWriter writer(tmp.path(), identity(dim), small_graph_options());
        writer.put(id_range(1, 4000), random_unit_vectors(4000, dim, 60));
        writer.compact();
        writer.put(id_range(9000, 100), random_unit_vectors(100, dim, 61));
        writer.commit();
    }
    VectorIndexReader reader(tmp.path(), identity(dim));
    auto queries = random_unit_vectors(100, dim, 62);
    std::vector<std::vector<VectorHit>> expected;
    for (std::size_t q = 0; q < 100; ++q)
        expected.push_back(reader.search(row(queries, q, dim), {}));
    std::atomic<int> mismatches{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
            for (int round = 0; round < 3; ++round)
                for (std::size_t q = t; q < 100; ++q) {
                    VectorQuery query;
                    if (q % 3 == 0) query.filter = [](std::int64_t id) { return id % 3 != 0; };
                    auto hits = reader.search(row(queries, q, dim), query);
                    if (q % 3 != 0 && hits != expected[q]) ++mismatches;
                    for (const auto& h : hits)
                        if (q % 3 == 0 && h.passage_id % 3 == 0) ++mismatches;
                }
        });
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(mismatches.load(), 0);
}

TEST(VectorIndex, OpenReadersKeepTheirSnapshotWhileTheWriterCommits) {
    testing::TempDir tmp;
    const int dim = 8;
    VectorIndexWriter writer(tmp.path(), identity(dim));
    auto v = random_unit_vectors(50, dim, 70);
    writer.put(id_range(1, 50), v);
    writer.commit();
    VectorIndexReader before(tmp.path(), identity(dim));
    writer.remove(id_range(1, 25));
    writer.commit();
    writer.compact();
    EXPECT_GT(VectorIndexReader::current_generation(tmp.path()), before.generation());
    EXPECT_EQ(before.size(), 50u);
    EXPECT_EQ(before.search(row(v, 0, dim), {})[0].passage_id, 1);
    VectorIndexReader after(tmp.path(), identity(dim));
    EXPECT_EQ(after.size(), 25u);
    EXPECT_NE(after.search(row(v, 0, dim), {})[0].passage_id, 1);
}

}  // namespace
}  // namespace deskside::store
