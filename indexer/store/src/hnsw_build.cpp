#include "hnsw_build.h"

// hnswlib 0.6.2's hnswlib.h defines these helpers without `inline` or `static`: give them
// names of our own so that another translation unit including hnswlib cannot clash with ours.
#define cpuid deskside_hnswlib_cpuid
#define xgetbv deskside_hnswlib_xgetbv
#define AVXCapable deskside_hnswlib_AVXCapable
#define AVX512Capable deskside_hnswlib_AVX512Capable
#include <hnswlib/hnswlib.h>
#undef cpuid
#undef xgetbv
#undef AVXCapable
#undef AVX512Capable

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <mutex>
#include <new>
#include <string>
#include <thread>

#include "base/error.h"
#include "vector_kernels.h"

namespace deskside::store::vec {
namespace {

// Labels of rows that a base file marks deleted (their passage id is gone): outside the range
// of passage ids, one per row so hnswlib's label map stays one-to-one.
constexpr std::size_t kDeletedLabel = std::size_t{1} << 63;

// Inner-product distance (1 - dot) with our dispatched kernel, so construction measures exactly
// what VectorSnapshot's search measures. hnswlib reads the dimension as the first size_t of the
// parameter block.
class DotSpace : public hnswlib::SpaceInterface<float> {
  public:
    explicit DotSpace(std::size_t dimension) : param_{dimension, dot_kernel()} {}
    std::size_t get_data_size() override { return param_.dimension * sizeof(float); }
    hnswlib::DISTFUNC<float> get_dist_func() override { return distance; }
    void* get_dist_func_param() override { return &param_; }

  private:
    struct Param {
        std::size_t dimension;
        DotFunction dot;
    };
    static float distance(const void* a, const void* b, const void* param) {
        auto p = static_cast<const Param*>(param);
        return 1.0f -
               p->dot(static_cast<const float*>(a), static_cast<const float*>(b), p->dimension);
    }
    Param param_;
};

using Hnsw = hnswlib::HierarchicalNSW<float>;

class HnswGraph : public BaseSource {
  public:
    HnswGraph(const GraphBuildParams& params, std::size_t capacity)
        : space_(params.dimension),
          index_(&space_, std::max<std::size_t>(capacity, 1), params.M, params.ef_construction,
                 params.seed) {}

    Hnsw& index() { return index_; }

    std::size_t rows() const override { return index_.cur_element_count; }
    std::int64_t id(std::size_t row) const override {
        const auto r = static_cast<hnswlib::tableint>(row);
        std::size_t label = index_.getExternalLabel(r);
        if (index_.isMarkedDeleted(r) || (label & kDeletedLabel)) return kDeletedId;
        return static_cast<std::int64_t>(label);
    }
    const float* vector(std::size_t row) const override {
        return reinterpret_cast<const float*>(
            index_.getDataByInternalId(static_cast<hnswlib::tableint>(row)));
    }
    GraphShape graph() const override {
        return {static_cast<std::uint32_t>(index_.M_),
                static_cast<std::uint32_t>(index_.ef_construction_), index_.maxlevel_,
                index_.enterpoint_node_};
    }
    int level(std::size_t row) const override { return index_.element_levels_[row]; }
    std::span<const std::uint32_t> links(std::size_t row, int level) const override {
        const auto r = static_cast<hnswlib::tableint>(row);
        hnswlib::linklistsizeint* list =
            level == 0 ? index_.get_linklist0(r) : index_.get_linklist(r, level);
        return {list + 1, index_.getListCount(list)};
    }

  private:
    DotSpace space_;
    // hnswlib's members are public in 0.6.2; update_graph() fills them the way loadIndex() does.
    Hnsw index_;
};

// Inserts rows on `threads` threads. hnswlib draws each row's level from one shared generator
// without a lock; a race there can only repeat a draw, which keeps the level distribution.
void insert_rows(Hnsw& index, const RowsToInsert& rows, int threads) {
    std::atomic<std::size_t> next{0};
    std::mutex error_mutex;
    std::exception_ptr error;
    const std::size_t count = rows.ids.size();
    auto work = [&] {
        for (std::size_t i; (i = next.fetch_add(1)) < count;) {
            try {
                index.addPoint(rows.vectors[i], static_cast<std::size_t>(rows.ids[i]));
            } catch (...) {
                std::lock_guard lock(error_mutex);
                if (!error) error = std::current_exception();
                next = count;
            }
        }
    };
    const int n = std::max(1, std::min<int>(threads, static_cast<int>(count / 64 + 1)));
    std::vector<std::thread> pool;
    for (int t = 1; t < n; ++t) pool.emplace_back(work);
    work();
    for (auto& thread : pool) thread.join();
    if (error) std::rethrow_exception(error);
}

template <typename F>
auto hnswlib_call(const char* what, F&& f) {
    try {
        return f();
    } catch (const std::exception& e) {  // hnswlib reports everything as std::runtime_error
        throw Error(ErrorCode::internal, std::string(what) + ": hnswlib: " + e.what());
    }
}

}  // namespace

std::unique_ptr<BaseSource> build_graph(const GraphBuildParams& params, const RowsToInsert& rows) {
    return hnswlib_call("building the vector graph", [&] {
        auto graph = std::make_unique<HnswGraph>(params, rows.ids.size());
        insert_rows(graph->index(), rows, params.threads);
        return std::unique_ptr<BaseSource>(std::move(graph));
    });
}

std::unique_ptr<BaseSource> update_graph(const BaseView& base, const GraphBuildParams& params,
                                         std::span<const std::int64_t> removed,
                                         const RowsToInsert& rows) {
    return hnswlib_call("updating the vector graph", [&] {
        GraphBuildParams p = params;
        p.M = base.graph.M;  // the stored graph's shape wins over the options
        p.ef_construction = base.graph.ef_construction;
        auto graph = std::make_unique<HnswGraph>(p, base.rows + rows.ids.size());
        Hnsw& index = graph->index();
        for (std::size_t row = 0; row < base.rows; ++row) {
            const auto r = static_cast<hnswlib::tableint>(row);
            std::memset(index.data_level0_memory_ + row * index.size_data_per_element_, 0,
                        index.size_data_per_element_);
            const std::uint32_t* level0 = base.list(row, 0);
            hnswlib::linklistsizeint* list = index.get_linklist0(r);
            index.setListCount(list, static_cast<unsigned short>(level0[0]));
            std::memcpy(list + 1, level0 + 1, sizeof(std::uint32_t) * level0[0]);
            std::memcpy(index.getDataByInternalId(r), base.vector(row),
                        sizeof(float) * base.dimension);
            const bool deleted = base.ids[row] == kDeletedId;
            const std::size_t label =
                deleted ? (kDeletedLabel | row) : static_cast<std::size_t>(base.ids[row]);
            index.setExternalLabel(r, label);
            index.label_lookup_[label] = r;
            const int level = base.level(row);
            index.element_levels_[row] = level;
            index.linkLists_[row] = nullptr;
            if (level > 0) {
                const std::size_t bytes = index.size_links_per_element_ * level + 1;
                index.linkLists_[row] = static_cast<char*>(std::calloc(1, bytes));
                if (!index.linkLists_[row]) throw std::bad_alloc();
                for (int l = 1; l <= level; ++l) {
                    const std::uint32_t* upper = base.list(row, l);
                    hnswlib::linklistsizeint* dst = index.get_linklist(r, l);
                    index.setListCount(dst, static_cast<unsigned short>(upper[0]));
                    std::memcpy(dst + 1, upper + 1, sizeof(std::uint32_t) * upper[0]);
                }
            }
            // Counted now so the destructor frees this row's lists if a later row throws.
            index.cur_element_count = row + 1;
            if (deleted) index.markDeletedInternal(r);
        }
        index.maxlevel_ = base.graph.top_level;
        index.enterpoint_node_ = base.graph.entry;
        for (std::int64_t id : removed) index.markDelete(static_cast<std::size_t>(id));
        insert_rows(index, rows, params.threads);
        return std::unique_ptr<BaseSource>(std::move(graph));
    });
}

}  // namespace deskside::store::vec
