#include "write_tasks.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <set>

#include "base/error.h"
#include "file_names.h"
#include "ingest/file_walker.h"
#include "store/catalog.h"
#include "store/index_writer.h"

namespace deskside::http {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

std::int64_t now_seconds() {
    return static_cast<std::int64_t>(std::time(nullptr));
}

// A set of roots that answers "is this path one of them or under one" in O(depth log n), for
// collections re-indexed file by file (thousands of roots).
class RootSet {
  public:
    explicit RootSet(const std::vector<std::string>& roots) : roots_(roots.begin(), roots.end()) {}
    bool covers(std::string path) const {
        for (;;) {
            if (roots_.count(path)) return true;
            std::size_t slash = path.rfind('/');
            if (slash == std::string::npos || slash == 0) return roots_.count("/") > 0;
            path.resize(slash);
        }
    }

  private:
    std::set<std::string> roots_;
};

// The options of `deskside index`, in the language the index was built with: a service
// started without --language must still write into a French index.
ingest::IndexOptions index_options_for(const WriteContext& context) {
    ingest::IndexOptions options = context.index;
    if (context.dir.exists()) {
        store::Catalog catalog(context.dir.catalog_path(), store::Catalog::Mode::read_only);
        std::string language = catalog.meta("language");
        if (!language.empty()) options.keyword.language = language;
    }
    return options;
}

// Feeds run_index's progress into the job, stops the run when the job is cancelled, and
// keeps the job's list of failed files current (at most once a second).
class JobProgress : public ingest::ProgressSink {
  public:
    JobProgress(Job& job, const store::DataDir& dir, const std::vector<std::string>& roots)
        : job_(job), dir_(dir), roots_(roots), since_(now_seconds()) {}

    void update(const ingest::ProgressState& state) override {
        // Throwing here ends run_index cleanly: committed batches stay, a later run resumes.
        if (job_.cancel_requested()) throw JobCancelled{};
        job_.set_progress(state);
        if (state.failed != reported_failed_ && Clock::now() - last_refresh_ > kRefresh) {
            refresh_errors();
            reported_failed_ = state.failed;
        }
    }
    void finish() override {}

    // Reads the failures this job recorded: under its roots, recorded since it started.
    void refresh_errors() {
        last_refresh_ = Clock::now();
        if (!dir_.exists()) return;
        store::Catalog catalog(dir_.catalog_path(), store::Catalog::Mode::read_only);
        std::vector<std::pair<std::string, std::string>> errors;
        std::int64_t total = 0;
        for (const auto& failure : catalog.failures()) {
            if (failure.failed_at < since_) continue;
            std::string file = failure.path.substr(0, failure.path.find("//"));
            if (!roots_.covers(file)) continue;
            ++total;
            if (errors.size() < Job::kMaxErrors) errors.emplace_back(failure.path, failure.reason);
        }
        job_.set_errors(std::move(errors), total);
    }

  private:
    static constexpr auto kRefresh = std::chrono::seconds(1);
    Job& job_;
    const store::DataDir& dir_;
    RootSet roots_;
    std::int64_t since_;
    std::int64_t reported_failed_ = 0;
    Clock::time_point last_refresh_{};
};

nlohmann::json summary_json(const ingest::IndexSummary& summary) {
    return {{"indexed", summary.indexed},       {"attachments", summary.attachments},
            {"unchanged", summary.unchanged},   {"failed", summary.failed},
            {"removed", summary.removed},       {"files_seen", summary.files_seen},
            {"bytes_read", summary.bytes_read}, {"passages", summary.passages},
            {"seconds", summary.seconds}};
}

// Vectors follow the catalog as after `deskside index`. A failure here (another process
// holds the vector lock, a model that will not load) leaves keyword search correct, so it is
// reported rather than failing the job; the next job's sync catches up.
nlohmann::json sync_vectors(Job& job, const WriteContext& context) {
    try {
        auto synced = vectors::sync_vectors(context.dir, context.embedding, {},
                                            [&](std::int64_t, std::int64_t) {
                                                if (job.cancel_requested()) throw JobCancelled{};
                                            });
        return {{"embedder", synced.embedder},
                {"embedded", synced.embedded},
                {"removed", synced.removed},
                {"total", synced.total},
                {"seconds", synced.seconds}};
    } catch (const Error& e) {
        context.log.warn("vector sync failed", {{"message", e.what()}});
        return {{"error", e.what()}};
    }
}

std::vector<std::string> root_strings(const std::vector<fs::path>& roots) {
    std::vector<std::string> out;
    for (const auto& root : roots) out.push_back(ingest::normalized_path(root).string());
    return out;
}

// Removes documents (with what they hold) and the failures recorded inside them.
std::int64_t remove_documents(store::IndexWriter& writer, const std::vector<std::string>& paths) {
    store::Catalog& catalog = writer.catalog();
    std::vector<std::int64_t> ids;
    std::vector<std::string> failures;
    std::set<std::string> files(paths.begin(), paths.end());
    for (const auto& [id, path] : catalog.document_paths())
        if (files.count(path.substr(0, path.find("//")))) ids.push_back(id);
    for (const auto& failure : catalog.failures())
        if (files.count(failure.path.substr(0, failure.path.find("//"))))
            failures.push_back(failure.path);
    writer.remove_documents(ids);
    catalog.clear_failures(failures);
    return static_cast<std::int64_t>(ids.size());
}

}  // namespace

TaskOutcome run_reindex(Job& job, const WriteContext& context) {
    const JobSpec& spec = job.spec();
    ingest::IndexOptions options = index_options_for(context);
    options.collection = spec.collection;
    options.roots = spec.roots;
    // Pruning walks every known document against every root: only folders can have lost
    // files (a file root that is gone is in spec.missing instead), so a collection re-indexed
    // file by file skips it.
    options.prune =
        spec.prune && std::any_of(spec.roots.begin(), spec.roots.end(), [](const fs::path& root) {
            std::error_code ec;
            return fs::is_directory(root, ec);
        });
    JobProgress progress(job, context.dir, root_strings(spec.roots));
    TaskOutcome outcome;
    ingest::IndexSummary summary;
    if (!options.roots.empty()) {
        summary = ingest::run_index(context.dir, options, &progress, context.log.child("index"));
        outcome.changed = true;
    }
    // Files of the collection that are gone (a collection re-indexed file by file).
    std::int64_t missing_removed = 0;
    if (spec.prune && !spec.missing.empty()) {
        store::IndexWriter writer(context.dir, options.keyword);
        missing_removed = remove_documents(writer, spec.missing);
        outcome.changed = true;
    }
    progress.refresh_errors();
    outcome.summary = summary_json(summary);
    outcome.summary["removed"] = summary.removed + missing_removed;
    outcome.summary["vectors"] = sync_vectors(job, context);
    return outcome;
}

TaskOutcome run_upload(Job& job, const WriteContext& context) {
    const JobSpec& spec = job.spec();
    fs::path folder = context.uploads_dir / spec.collection;
    std::error_code ec;
    fs::create_directories(folder, ec);
    if (ec) throw_io_error("cannot create the upload folder", folder.string(), ec.value());

    // Place each file under a name that is not taken yet: never overwrite.
    std::vector<fs::path> placed;
    for (const auto& file : spec.files) {
        fs::path target = place_without_overwrite(file.staged, folder, file.name);
        placed.push_back(target);
    }
    if (job.cancel_requested()) {
        for (const auto& path : placed) fs::remove(path, ec);
        throw JobCancelled{};
    }

    ingest::IndexOptions options = index_options_for(context);
    options.collection = spec.collection;
    options.roots = placed;
    std::vector<std::string> roots;
    for (const auto& path : placed) roots.push_back(path.string());
    JobProgress progress(job, context.dir, roots);
    ingest::IndexSummary summary;
    try {
        summary = ingest::run_index(context.dir, options, &progress, context.log.child("index"));
    } catch (...) {
        // Not indexed: the files would be orphans nobody can delete through the API.
        for (const auto& path : placed) fs::remove(path, ec);
        throw;
    }
    progress.refresh_errors();

    // Each file's document, or its failure. A file that failed is not kept: the uploader has
    // the reason, and a file without a document could not be deleted through the API.
    nlohmann::json documents = nlohmann::json::array();
    std::vector<std::string> rejected;
    {
        store::Catalog catalog(context.dir.catalog_path(), store::Catalog::Mode::read_only);
        for (std::size_t i = 0; i < placed.size(); ++i) {
            std::string path = ingest::normalized_path(placed[i]).string();
            nlohmann::json entry = {
                {"name", spec.files[i].name}, {"path", path}, {"size", spec.files[i].size}};
            auto document = catalog.find_document(path);
            if (document && document->state == store::DocumentState::indexed) {
                entry["id"] = document->id;
                entry["status"] = "indexed";
                entry["title"] = document->title;
                entry["type"] = document->format;
                entry["passages"] = document->passage_count;
                entry["reason"] = nullptr;
            } else {
                auto failure = catalog.find_failure(path);
                entry["id"] = nullptr;
                entry["status"] = "failed";
                entry["reason"] = failure ? failure->reason : "not indexed";
                rejected.push_back(path);
            }
            documents.push_back(std::move(entry));
        }
    }
    if (!rejected.empty()) {
        store::IndexWriter writer(context.dir, options.keyword);
        remove_documents(writer, rejected);
        for (const auto& path : rejected) fs::remove(path, ec);
    }
    TaskOutcome outcome;
    outcome.changed = true;
    outcome.summary = summary_json(summary);
    outcome.summary["vectors"] = sync_vectors(job, context);
    outcome.result = std::move(documents);
    return outcome;
}

TaskOutcome run_remove(Job& job, const WriteContext& context) {
    const JobSpec& spec = job.spec();
    context.dir.require_exists();
    ingest::IndexOptions options = index_options_for(context);
    TaskOutcome outcome;
    store::DocumentRecord document;
    std::int64_t removed = 0;
    {
        store::IndexWriter writer(context.dir, options.keyword);
        auto found = writer.catalog().get_document(spec.document_id);
        if (!found || found->state != store::DocumentState::indexed)
            throw Error(ErrorCode::not_found,
                        "no document " + std::to_string(spec.document_id) + " in the index");
        document = std::move(*found);
        if (!document.container.empty()) {
            auto container = writer.catalog().find_document(document.container);
            throw Error(ErrorCode::invalid_argument,
                        "document " + std::to_string(document.id) + " is stored inside " +
                            document.container +
                            (container ? " (document " + std::to_string(container->id) + ")" : "") +
                            ": delete that document instead");
        }
        removed = remove_documents(writer, {document.path});
    }
    outcome.changed = true;

    // An uploaded file is the service's own copy: it goes too. A file from an indexed folder
    // stays on disk (it comes back if its folder is re-indexed).
    bool uploaded =
        ingest::is_under(document.path, ingest::normalized_path(context.uploads_dir).string());
    bool file_deleted = false;
    if (uploaded) {
        std::error_code ec;
        file_deleted = fs::remove(document.path, ec);
        if (ec)
            context.log.warn("cannot delete an uploaded file",
                             {{"path", document.path}, {"message", ec.message()}});
    }
    outcome.summary = {{"removed", removed}};
    outcome.result = {{"id", document.id},
                      {"path", document.path},
                      {"collection", document.collection},
                      {"removed_documents", removed},
                      {"uploaded", uploaded},
                      {"file_deleted", file_deleted}};
    outcome.summary["vectors"] = sync_vectors(job, context);
    return outcome;
}

}  // namespace deskside::http
