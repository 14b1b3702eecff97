#include "api/json_output.h"

#include <ctime>

#include "base/dates.h"
#include "store/catalog.h"
#include "store/consistency.h"
#include "store/keyword_index.h"
#include "store/vector_index.h"
#include "vectors/embeddings.h"

namespace deskside::api {

std::string iso_date(std::int64_t unix_seconds) {
    return format_utc(unix_seconds, "%Y-%m-%d");
}

namespace {
std::string iso_time(std::int64_t unix_seconds) {
    return format_utc(unix_seconds, "%Y-%m-%dT%H:%M:%SZ");
}

std::uint64_t file_size_or_zero(const std::filesystem::path& path) {
    std::error_code ec;
    auto size = std::filesystem::file_size(path, ec);
    return ec ? 0 : size;
}
}  // namespace

nlohmann::json search_results_json(const retriever::SearchResults& results) {
    nlohmann::json hits = nlohmann::json::array();
    for (const auto& hit : results.hits) {
        nlohmann::json highlights = nlohmann::json::array();
        for (const auto& h : hit.highlights) highlights.push_back({h.start, h.end});
        hits.push_back({
            {"rank", hit.rank},
            {"score", hit.score},
            {"document_id", hit.document_id},
            {"passage_id", hit.passage_id},
            {"title", hit.title},
            {"path", hit.path},
            {"type", hit.format},
            {"collection", hit.collection},
            {"date", hit.date ? nlohmann::json(iso_date(*hit.date)) : nlohmann::json(nullptr)},
            {"page", hit.page > 0 ? nlohmann::json(hit.page) : nlohmann::json(nullptr)},
            {"location", hit.location},
            {"heading", hit.heading},
            {"char_start", hit.char_start},
            {"char_end", hit.char_end},
            {"snippet", hit.snippet},
            {"highlights", highlights},
        });
    }
    return {
        {"query", results.query},
        {"estimated_matches", results.estimated_matches},
        {"elapsed_ms", results.elapsed_ms},
        {"results", hits},
    };
}

nlohmann::json status_json(const store::DataDir& dir, const StatusOptions& options) {
    dir.require_exists();
    store::Catalog catalog(dir.catalog_path(), store::Catalog::Mode::read_only);
    auto counts = catalog.counts();
    nlohmann::json out = {
        {"data_dir", std::filesystem::absolute(dir.root()).lexically_normal().string()},
        {"documents", counts.documents},
        {"passages", counts.passages},
        {"failed", counts.failed},
        {"unfinished", counts.pending},
        {"bytes_indexed", counts.bytes},
        {"language", catalog.meta("language", "english")},
        {"index_bytes",
         {{"catalog", file_size_or_zero(dir.catalog_path()) +
                          file_size_or_zero(dir.root() / "catalog.sqlite-wal")},
          {"keyword", store::keyword_index_bytes(dir.keyword_index_path())}}},
    };
    // The dense arm: which embedder made the vectors, and how many there are.
    if (auto identity = store::VectorIndexReader::stored_identity(store::vector_index_path(dir))) {
        out["embedder"] = vectors::describe(*identity);
        out["vectors"] = store::VectorIndexReader(store::vector_index_path(dir), *identity).size();
    } else {
        out["embedder"] = nullptr;
        out["vectors"] = 0;
    }
    if (auto run = catalog.last_run()) {
        out["last_run"] = {
            {"started", iso_time(run->started_at)},
            {"finished", run->finished_at ? nlohmann::json(iso_time(run->finished_at))
                                          : nlohmann::json(nullptr)},
            {"completed", run->finished_at != 0},
            {"indexed", run->indexed},
            {"unchanged", run->unchanged},
            {"failed", run->failed},
            {"removed", run->removed},
            {"seconds", run->seconds},
        };
    } else {
        out["last_run"] = nullptr;
    }
    auto failures = catalog.failures();
    std::map<std::string, int> reasons;  // failures grouped by the reason's first words
    for (const auto& f : failures) {
        std::string key = f.reason.substr(0, f.reason.find_first_of(":("));
        while (!key.empty() && key.back() == ' ') key.pop_back();
        ++reasons[key];
    }
    out["failure_reasons"] = reasons;
    if (options.errors) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& f : failures)
            list.push_back({{"path", f.path},
                            {"reason", f.reason},
                            {"collection", f.collection},
                            {"failed_at", iso_time(f.failed_at)}});
        out["errors"] = list;
    }
    if (options.check) {
        auto report = store::check_consistency(dir);
        out["check"] = {{"consistent", report.consistent()},
                        {"catalog_passages", report.catalog_passages},
                        {"keyword_passages", report.keyword_passages},
                        {"unfinished_documents", report.unfinished_documents},
                        {"problems", report.problems}};
    }
    return out;
}

}  // namespace deskside::api
