#include "vectors/embeddings.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <unordered_map>

#include "base/error.h"
#include "bert/bert_embedder.h"
#include "lsa/lsa_embedder.h"
#include "store/catalog.h"

namespace deskside::vectors {
namespace {

using Clock = std::chrono::steady_clock;

std::unique_ptr<embed::Embedder> open_model(const EmbeddingConfig& config) {
    bert::EncoderOptions options;
    if (config.threads > 0) options.threads = config.threads;
    return bert::BertEmbedder::open(config.model, options);
}

// Texts of the passages `ids` (ascending), in the same order; a passage gone meanwhile gives "".
std::vector<std::string> passage_texts(store::Catalog& catalog, std::span<const std::int64_t> ids) {
    std::unordered_map<std::int64_t, std::string> by_id;
    for (auto& passage : catalog.get_passages(ids)) by_id[passage.id] = std::move(passage.text);
    std::vector<std::string> texts;
    texts.reserve(ids.size());
    for (std::int64_t id : ids) texts.push_back(std::move(by_id[id]));
    return texts;
}

// Fits the LSA model on (at most max_passages, evenly spread) indexed passages and saves it.
std::unique_ptr<lsa::LsaEmbedder> fit_lsa(store::Catalog& catalog,
                                          const std::vector<std::int64_t>& ids,
                                          const EmbeddingConfig& config, const SyncOptions& options,
                                          const std::filesystem::path& path) {
    std::vector<std::int64_t> sample;
    std::size_t step = std::max<std::size_t>(
        1, (ids.size() + options.lsa_max_fit_passages - 1) / options.lsa_max_fit_passages);
    for (std::size_t i = 0; i < ids.size(); i += step) sample.push_back(ids[i]);
    std::vector<std::string> texts = passage_texts(catalog, sample);
    lsa::FitOptions fit;
    fit.threads = config.threads;
    auto model = std::make_unique<lsa::LsaEmbedder>(lsa::LsaEmbedder::fit(texts, fit));
    std::filesystem::create_directories(path.parent_path());
    model->save(path);
    return model;
}

bool is_zero(std::span<const float> row) {
    return std::all_of(row.begin(), row.end(), [](float v) { return v == 0.0f; });
}

}  // namespace

std::filesystem::path lsa_model_path(const store::DataDir& dir) {
    return store::vector_index_path(dir) / "lsa.model";
}

store::VectorIndexIdentity to_index_identity(const embed::EmbedderIdentity& identity) {
    return {identity.kind, identity.name, identity.hash, identity.dimension};
}

std::string describe(const store::VectorIndexIdentity& identity) {
    std::string dims = std::to_string(identity.dimension) + "-d";
    if (identity.kind == "lsa") return "lsa (" + dims + ", corpus-trained)";
    return identity.kind + " " + identity.name + " (" + dims + ")";
}

SyncSummary sync_vectors(const store::DataDir& dir, const EmbeddingConfig& config,
                         const SyncOptions& options, const SyncProgress& progress) {
    const auto started = Clock::now();
    SyncSummary summary;
    if (!config.enabled) {
        summary.embedder = "off";
        return summary;
    }
    store::Catalog catalog(dir.catalog_path(), store::Catalog::Mode::read_only);
    const std::vector<std::int64_t> ids = catalog.indexed_passage_ids();
    const std::filesystem::path index_dir = store::vector_index_path(dir);
    std::optional<store::VectorIndexIdentity> stored =
        store::VectorIndexReader::stored_identity(index_dir);

    std::unique_ptr<embed::Embedder> embedder;
    bool recreate = options.reembed;
    if (!config.model.empty()) {
        embedder = open_model(config);
    } else {
        if (ids.empty()) {  // nothing to learn from yet
            summary.embedder = "lsa (not fitted: no passages yet)";
            return summary;
        }
        std::filesystem::path path = lsa_model_path(dir);
        std::unique_ptr<lsa::LsaEmbedder> model;
        if (!options.reembed && std::filesystem::exists(path)) {
            model = std::make_unique<lsa::LsaEmbedder>(lsa::LsaEmbedder::load(path));
            std::size_t with_vectors = 0;
            if (stored && to_index_identity(model->identity()) == *stored)
                with_vectors = store::VectorIndexReader(index_dir, *stored).size();
            std::size_t added = ids.size() > with_vectors ? ids.size() - with_vectors : 0;
            if (model->needs_refit(added, ids.size())) model.reset();
        }
        if (!model) {
            try {
                model = fit_lsa(catalog, ids, config, options, path);
            } catch (const Error& e) {
                if (e.code() != ErrorCode::invalid_argument) throw;
                summary.embedder = std::string("lsa (not fitted: ") + e.what() + ")";
                return summary;  // too little text to learn from: keyword search only
            }
            summary.refitted = true;
            recreate = true;
        }
        // Vectors from an older LSA model (a refit, or one interrupted before its vectors were
        // committed) are replaced, never mixed.
        if (stored && to_index_identity(model->identity()) != *stored) recreate = true;
        embedder = std::move(model);
    }

    const store::VectorIndexIdentity identity = to_index_identity(embedder->identity());
    summary.embedder = describe(identity);
    store::VectorIndexWriter writer(index_dir, identity, options.index,
                                    recreate ? store::VectorIndexWriter::Mode::recreate
                                             : store::VectorIndexWriter::Mode::open_or_create);
    std::vector<std::int64_t> present =
        recreate ? std::vector<std::int64_t>{} : writer.committed_ids();
    std::vector<std::int64_t> gone, missing;
    std::set_difference(present.begin(), present.end(), ids.begin(), ids.end(),
                        std::back_inserter(gone));
    std::set_difference(ids.begin(), ids.end(), present.begin(), present.end(),
                        std::back_inserter(missing));
    writer.remove(gone);
    summary.removed = static_cast<std::int64_t>(gone.size());

    const int dimension = identity.dimension;
    std::size_t since_commit = 0;
    for (std::size_t start = 0; start < missing.size(); start += options.batch) {
        std::span<const std::int64_t> batch(missing.data() + start,
                                            std::min(options.batch, missing.size() - start));
        std::vector<std::string> texts = passage_texts(catalog, batch);
        std::vector<float> vectors = embedder->embed(texts);
        std::vector<std::int64_t> keep_ids;
        std::vector<float> keep_vectors;
        for (std::size_t i = 0; i < batch.size(); ++i) {
            std::span<const float> row(vectors.data() + i * dimension, dimension);
            if (is_zero(row)) continue;  // no usable term: the keyword arm still finds it
            keep_ids.push_back(batch[i]);
            keep_vectors.insert(keep_vectors.end(), row.begin(), row.end());
        }
        writer.put(keep_ids, keep_vectors);
        summary.embedded += static_cast<std::int64_t>(keep_ids.size());
        since_commit += batch.size();
        if (since_commit >= options.commit_every) {
            writer.commit();
            since_commit = 0;
        }
        if (progress)
            progress(static_cast<std::int64_t>(start + batch.size()),
                     static_cast<std::int64_t>(missing.size()));
    }
    if (writer.has_pending() || recreate) writer.commit();
    summary.total = static_cast<std::int64_t>(writer.size());
    summary.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    return summary;
}

std::unique_ptr<embed::Embedder> open_query_embedder(const store::DataDir& dir,
                                                     const EmbeddingConfig& config) {
    if (!config.enabled) return nullptr;
    std::optional<store::VectorIndexIdentity> stored =
        store::VectorIndexReader::stored_identity(store::vector_index_path(dir));
    if (!stored) return nullptr;
    std::unique_ptr<embed::Embedder> embedder;
    if (!config.model.empty()) {
        embedder = open_model(config);
    } else if (stored->kind == "lsa") {
        embedder = std::make_unique<lsa::LsaEmbedder>(lsa::LsaEmbedder::load(lsa_model_path(dir)));
    } else {
        throw Error(ErrorCode::invalid_argument,
                    "the vectors in " + dir.root().string() + " were made by " + describe(*stored) +
                        ": set embed.model (--embed-model) to that file, or re-index with "
                        "`deskside index --reembed`");
    }
    if (to_index_identity(embedder->identity()) != *stored)
        throw Error(ErrorCode::invalid_argument,
                    "the vectors in " + dir.root().string() + " were made by " + describe(*stored) +
                        ", not by " + describe(to_index_identity(embedder->identity())) +
                        ": run `deskside index --reembed` to rebuild them with the configured "
                        "embedder");
    return embedder;
}

}  // namespace deskside::vectors
