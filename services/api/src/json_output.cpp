#include "api/json_output.h"

#include <algorithm>
#include <ctime>
#include <map>
#include <set>

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

std::string iso_time(std::int64_t unix_seconds) {
    return format_utc(unix_seconds, "%Y-%m-%dT%H:%M:%SZ");
}

namespace {
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

namespace deskside::api {

nlohmann::json fields_json(const std::string& fields) {
    nlohmann::json out = nlohmann::json::object();
    std::size_t start = 0;
    while (start < fields.size()) {
        std::size_t end = fields.find('\n', start);
        if (end == std::string::npos) end = fields.size();
        std::string line = fields.substr(start, end - start);
        start = end + 1;
        std::size_t colon = line.find(": ");
        if (colon == std::string::npos || colon == 0) continue;
        std::string name = line.substr(0, colon);
        std::string value = line.substr(colon + 2);
        if (out.contains(name))
            out[name] = out[name].get<std::string>() + ", " + value;
        else
            out[name] = value;
    }
    return out;
}

nlohmann::json document_json(const store::DocumentRecord& document,
                             const std::vector<store::PassageRecord>* passages) {
    nlohmann::json out = {
        {"id", document.id},
        {"title", document.title},
        {"path", document.path},
        {"type", document.format},
        {"mime", document.mime},
        {"collection", document.collection},
        {"date", document.date ? nlohmann::json(iso_date(*document.date)) : nlohmann::json()},
        {"size", document.size},
        {"author", document.author},
        {"language", document.language},
        {"indexed_at",
         document.indexed_at ? nlohmann::json(iso_time(document.indexed_at)) : nlohmann::json()},
        {"fields", fields_json(document.fields)},
        {"container",
         document.container.empty() ? nlohmann::json() : nlohmann::json(document.container)},
        {"passage_count", document.passage_count},
    };
    if (passages) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& p : *passages)
            list.push_back({{"id", p.id},
                            {"ordinal", p.ordinal},
                            {"page", p.page > 0 ? nlohmann::json(p.page) : nlohmann::json()},
                            {"location", p.location},
                            {"heading", p.heading},
                            {"char_start", p.char_start},
                            {"char_end", p.char_end},
                            {"text", p.text},
                            {"ocr", p.ocr}});
        out["passages"] = std::move(list);
    }
    return out;
}

std::vector<CollectionSummary> collection_summaries(store::Catalog& catalog) {
    std::map<std::string, CollectionSummary> by_name;
    std::map<std::string, std::set<std::string>> files;
    auto entry = [&](const std::string& name) -> CollectionSummary& {
        CollectionSummary& summary = by_name[name];
        summary.name = name;
        return summary;
    };
    for (const auto& [id, path] : catalog.document_paths()) {
        auto document = catalog.get_document(id);
        if (!document || document->state != store::DocumentState::indexed) continue;
        CollectionSummary& summary = entry(document->collection);
        ++summary.documents;
        summary.passages += document->passage_count;
        if (document->container.empty()) {
            summary.bytes += document->size;
            files[document->collection].insert(document->path);
        }
    }
    for (const auto& failure : catalog.failures()) {
        ++entry(failure.collection).failed;
        // An attachment that failed is re-read with its file.
        files[failure.collection].insert(failure.path.substr(0, failure.path.find("//")));
    }
    std::vector<CollectionSummary> out;
    for (auto& [name, summary] : by_name) {
        std::string roots = catalog.meta("roots:" + name);
        for (std::size_t start = 0; start < roots.size();) {
            std::size_t end = roots.find('\n', start);
            if (end == std::string::npos) end = roots.size();
            if (end > start) summary.roots.push_back(roots.substr(start, end - start));
            start = end + 1;
        }
        std::sort(summary.roots.begin(), summary.roots.end());
        summary.files.assign(files[name].begin(), files[name].end());
        out.push_back(std::move(summary));
    }
    return out;
}

nlohmann::json collections_json(const std::vector<CollectionSummary>& collections) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& c : collections)
        list.push_back({{"name", c.name},
                        {"documents", c.documents},
                        {"passages", c.passages},
                        {"bytes", c.bytes},
                        {"failed", c.failed},
                        {"roots", c.roots}});
    return {{"collections", std::move(list)}};
}

}  // namespace deskside::api
