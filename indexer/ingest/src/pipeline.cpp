#include "ingest/pipeline.h"

#include <fcntl.h>
#include <unistd.h>
#include <xxhash.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "base/error.h"
#include "ingest/extract_failure.h"
#include "ingest/extraction.h"
#include "ingest/extractor.h"

namespace deskside::ingest {
namespace {

using Clock = std::chrono::steady_clock;

// A file to (re)read, with what the catalog knew of it.
struct WorkItem {
    WalkedFile file;
    std::optional<std::int64_t> document_id;
    std::string old_hash;
};

// A document of the file that failed on its own (an attachment that could not be read).
struct ItemFailure {
    std::string path;
    std::int64_t size = 0;
    std::string reason;
};

struct WorkResult {
    enum class Kind { document, same_content, failure } kind = Kind::failure;
    WorkItem item;
    std::vector<store::PendingDocument> documents;  // kind == document: the file first
    std::vector<ItemFailure> item_failures;         // kind == document: failed attachments
    std::string reason;                             // kind == failure
};

std::string read_whole_file(const std::filesystem::path& path, std::int64_t expected_size) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail(FailureKind::io, std::string("cannot open: ") + std::strerror(errno));
    std::string bytes;
    bytes.reserve(static_cast<std::size_t>(expected_size));
    char buffer[1 << 16];
    for (;;) {
        ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0) {
            int err = errno;
            ::close(fd);
            fail(FailureKind::io, std::string("cannot read: ") + std::strerror(err));
        }
        if (n == 0) break;
        bytes.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return bytes;
}

std::string megabytes(std::int64_t bytes) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.1f MB", bytes / 1048576.0);
    return buffer;
}

// What to say when a document has no text: the extractor's warnings often know why.
std::string empty_reason(const ExtractedItem& item) {
    std::string reason = "empty: no text found in this " + item.type.format + " file";
    if (item.document && !item.document->warnings.empty())
        reason += " (" + item.document->warnings.front() + ")";
    return reason;
}

class FileProcessor {
  public:
    FileProcessor(const IndexOptions& options, const ExtractorRegistry& registry)
        : options_(options), registry_(registry) {}

    // `worker` is the calling thread's extraction process, or null to extract in-process.
    WorkResult process(WorkItem item, ExtractionWorker* worker) const {
        WorkResult result;
        result.item = std::move(item);
        try {
            fill(result, worker);
        } catch (const Error& e) {
            result.kind = WorkResult::Kind::failure;
            result.reason = e.what();
        } catch (const std::bad_alloc&) {
            result.kind = WorkResult::Kind::failure;
            result.reason = "too large: out of memory while extracting";
        } catch (const std::exception& e) {
            result.kind = WorkResult::Kind::failure;
            result.reason = std::string("corrupt: extraction failed: ") + e.what();
        }
        return result;
    }

  private:
    void fill(WorkResult& result, ExtractionWorker* worker) const {
        const WalkedFile& file = result.item.file;
        if (file.size > options_.max_file_bytes)
            fail(FailureKind::too_large,
                 "file is " + megabytes(file.size) + ", over the " +
                     megabytes(options_.max_file_bytes) +
                     " limit: raise index.max_file_mb (--max-file-mb) to index it");
        std::string bytes = read_whole_file(file.path, file.size);
        std::string hash = content_hash(bytes);
        if (!result.item.old_hash.empty() && hash == result.item.old_hash) {
            result.kind = WorkResult::Kind::same_content;
            return;
        }
        if (bytes.empty()) fail(FailureKind::empty, "zero-byte file: nothing to index");

        std::vector<ExtractedItem> items;
        if (worker) {
            items = worker->extract(file.path, bytes, options_.extract, options_.tree);
        } else {
            ExtractOptions extract = options_.extract;
            extract.deadline = Clock::now() + options_.file_timeout;
            items = extract_tree(registry_, file.path, bytes, extract, options_.tree);
        }
        bytes.clear();
        bytes.shrink_to_fit();

        const std::string file_path = file.path.string();
        for (ExtractedItem& item : items) {
            const bool is_file = item.inner_path.empty();
            std::string path = is_file ? file_path : file_path + "//" + item.inner_path;
            std::string reason = item.failure;
            std::vector<Passage> passages;
            if (item.document) {
                passages = chunk_document(*item.document, options_.chunk);
                if (passages.empty()) reason = empty_reason(item);
            } else if (reason.empty()) {
                reason = "corrupt: extraction failed";
            }
            if (!reason.empty()) {
                if (is_file) fail_with(reason);
                result.item_failures.push_back({path, item.size, reason});
                continue;
            }
            result.documents.push_back(
                make_pending(item, passages, path, is_file ? std::string() : file_path, file));
            if (is_file) result.documents.back().document.content_hash = hash;
        }
        result.kind = WorkResult::Kind::document;
    }

    [[noreturn]] static void fail_with(const std::string& reason) {
        throw Error(failure_kind_of(reason) == FailureKind::unsupported ? ErrorCode::unsupported
                                                                        : ErrorCode::bad_document,
                    reason);
    }

    store::PendingDocument make_pending(ExtractedItem& item, std::vector<Passage>& passages,
                                        std::string path, std::string container,
                                        const WalkedFile& file) const {
        ExtractedDocument& extracted = *item.document;
        store::PendingDocument pending;
        store::DocumentRecord& d = pending.document;
        d.path = std::move(path);
        d.container = std::move(container);
        d.collection = options_.collection;
        d.size = item.inner_path.empty() ? file.size : item.size;
        d.mtime_ns = file.mtime_ns;
        d.content_hash = item.content_hash;
        d.format = extracted.format.empty() ? item.type.format : extracted.format;
        d.mime = item.type.mime;
        std::string fallback_title = item.inner_path.empty()
                                         ? file.path.stem().string()
                                         : std::filesystem::path(item.name).stem().string();
        d.title = extracted.metadata.title.empty() ? fallback_title : extracted.metadata.title;
        d.author = extracted.metadata.author;
        d.date = extracted.metadata.modified ? extracted.metadata.modified
                 : extracted.metadata.created
                     ? extracted.metadata.created
                     : std::optional<std::int64_t>(file.mtime_ns / 1'000'000'000);
        d.language = extracted.metadata.language.empty() ? options_.keyword.language
                                                         : extracted.metadata.language;
        d.encoding = extracted.metadata.encoding;
        for (const auto& [name, value] : extracted.metadata.fields)
            d.fields += name + ": " + value + "\n";
        for (auto& p : passages) {
            store::PassageRecord record;
            record.ordinal = p.ordinal;
            record.text = std::move(p.text);
            record.char_start = p.char_start;
            record.char_end = p.char_end;
            record.page = p.page;
            record.location = std::move(p.location);
            record.heading = std::move(p.heading);
            record.ocr = p.ocr;
            pending.passages.push_back(std::move(record));
        }
        return pending;
    }

    const IndexOptions& options_;
    const ExtractorRegistry& registry_;
};

// Runs FileProcessor over the work list on `threads` workers; results come back through
// next() in completion order. At most `capacity` finished results wait, bounding memory.
class WorkerPool {
  public:
    WorkerPool(std::vector<WorkItem> items, const FileProcessor& processor, int threads,
               const IndexOptions& options)
        : items_(std::move(items)), processor_(processor), options_(options) {
        for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { work(); });
    }
    ~WorkerPool() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        space_.notify_all();
        for (auto& worker : workers_) worker.join();
    }

    std::optional<WorkResult> next() {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [&] { return !done_.empty() || delivered_ == items_.size(); });
        if (done_.empty()) return std::nullopt;
        WorkResult result = std::move(done_.front());
        done_.pop_front();
        ++delivered_;
        space_.notify_one();
        return result;
    }

  private:
    void work() {
        std::unique_ptr<ExtractionWorker> worker;
        if (options_.worker)
            worker = std::make_unique<ExtractionWorker>(*options_.worker, options_.file_timeout);
        for (;;) {
            std::size_t index = next_item_.fetch_add(1);
            if (index >= items_.size()) return;
            WorkResult result = processor_.process(std::move(items_[index]), worker.get());
            std::unique_lock lock(mutex_);
            space_.wait(lock, [&] { return stopping_ || done_.size() < kCapacity; });
            if (stopping_) return;
            done_.push_back(std::move(result));
            ready_.notify_one();
        }
    }

    static constexpr std::size_t kCapacity = 64;
    std::vector<WorkItem> items_;
    const FileProcessor& processor_;
    const IndexOptions& options_;
    std::atomic<std::size_t> next_item_{0};
    std::mutex mutex_;
    std::condition_variable ready_, space_;
    std::deque<WorkResult> done_;
    std::size_t delivered_ = 0;
    bool stopping_ = false;
    std::vector<std::thread> workers_;
};

bool is_under_any(const std::string& path, const std::vector<std::string>& roots) {
    for (const auto& root : roots)
        if (is_under(path, root)) return true;
    return false;
}

// The folders a collection was indexed from, kept in catalog meta "roots:<collection>" (one
// path a line) so that a re-index of the whole collection (the service's jobs) walks them again
// and finds new files. Only folders: single files given as roots (uploads) are documents of the
// collection already.
void record_collection_roots(store::Catalog& catalog, const std::string& collection,
                             const std::vector<std::string>& roots) {
    const std::string key = "roots:" + collection;
    std::string known = catalog.meta(key);
    std::set<std::string> present;
    for (std::size_t start = 0; start < known.size();) {
        std::size_t end = known.find('\n', start);
        if (end == std::string::npos) end = known.size();
        if (end > start) present.insert(known.substr(start, end - start));
        start = end + 1;
    }
    bool changed = false;
    for (const auto& root : roots) {
        std::error_code ec;
        if (std::filesystem::is_directory(root, ec) && present.insert(root).second) changed = true;
    }
    if (!changed) return;
    std::string text;
    for (const auto& root : present) text += root + "\n";
    catalog.set_meta(key, text);
}

}  // namespace

std::string content_hash(std::string_view bytes) {
    XXH128_hash_t hash = XXH3_128bits(bytes.data(), bytes.size());
    char hex[33];
    std::snprintf(hex, sizeof hex, "%016llx%016llx", static_cast<unsigned long long>(hash.high64),
                  static_cast<unsigned long long>(hash.low64));
    return hex;
}

IndexSummary run_index(const store::DataDir& dir, const IndexOptions& options,
                       ProgressSink* progress, const Logger& log,
                       store::IndexWriter::StepHook hook) {
    const auto started = Clock::now();
    IndexSummary summary;
    if (options.roots.empty())
        throw Error(ErrorCode::invalid_argument,
                    "nothing to index: give one or more folders or files");

    store::IndexWriter writer(dir, options.keyword, std::move(hook));
    summary.recovery = writer.recovery();
    if (summary.recovery.replayed || summary.recovery.erased)
        log.info("recovered an interrupted run",
                 {{"replayed", std::to_string(summary.recovery.replayed)},
                  {"erased", std::to_string(summary.recovery.erased)}});
    store::Catalog& catalog = writer.catalog();

    std::vector<std::string> roots;
    std::string roots_text;
    for (const auto& root : options.roots) {
        roots.push_back(normalized_path(root).string());
        roots_text += roots.back() + "\n";
    }
    store::RunRecord run;
    run.id = catalog.begin_run(roots_text);
    record_collection_roots(catalog, options.collection, roots);

    WalkOptions walk_options = options.walk;
    walk_options.exclude_dirs.push_back(dir.root());
    WalkResult walked = walk_files(options.roots, walk_options);

    // What the catalog already holds, by path; and the documents found inside each file.
    std::map<std::string, store::DocumentRecord> known;
    std::map<std::string, std::vector<std::int64_t>> inside;  // container path -> document ids
    for (const auto& [id, path] : catalog.document_paths()) {
        if (auto doc = catalog.get_document(id)) {
            if (!doc->container.empty()) inside[doc->container].push_back(id);
            known.emplace(path, std::move(*doc));
        }
    }
    std::map<std::string, std::vector<std::string>> failures_inside;  // container -> paths
    for (const auto& failure : catalog.failures()) {
        std::size_t cut = failure.path.find("//");
        if (cut != std::string::npos)
            failures_inside[failure.path.substr(0, cut)].push_back(failure.path);
    }

    ProgressState state;
    state.files_total = static_cast<std::int64_t>(walked.files.size() + walked.problems.size());
    for (const auto& f : walked.files) state.bytes_total += f.size;

    auto record_failure = [&](const std::string& path, std::int64_t size, std::int64_t mtime_ns,
                              const std::string& reason) {
        catalog.record_failure(
            store::FailureRecord{path, options.collection, reason, size, mtime_ns, 0});
        ++summary.failed;
        ++state.failed;
        log.debug("file failed", {{"path", path}, {"reason", reason}});
    };

    for (const auto& problem : walked.problems) {
        record_failure(problem.path, problem.size, problem.mtime_ns, problem.reason);
        ++state.files_done;
    }

    std::vector<WorkItem> work;
    std::set<std::string> seen;
    for (const auto& file : walked.files) {
        std::string path = file.path.string();
        seen.insert(path);
        auto it = known.find(path);
        WorkItem item{file, std::nullopt, ""};
        if (it != known.end() && it->second.state == store::DocumentState::indexed) {
            const auto& doc = it->second;
            if (doc.size == file.size && doc.mtime_ns == file.mtime_ns &&
                doc.collection == options.collection) {
                ++summary.unchanged;
                ++state.files_done;
                state.bytes_done += file.size;
                continue;
            }
            item.document_id = doc.id;
            // A collection change must rewrite the document even if its bytes are the same.
            if (doc.collection == options.collection) item.old_hash = doc.content_hash;
        }
        work.push_back(std::move(item));
    }
    summary.files_seen = static_cast<std::int64_t>(walked.files.size() + walked.problems.size());
    if (progress) progress->update(state);

    auto registry = ExtractorRegistry::with_builtin_extractors();
    FileProcessor processor(options, registry);
    int threads = options.threads > 0
                      ? options.threads
                      : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));

    // Batches bound both the work lost to a crash and the cost of keyword-index commits.
    constexpr std::size_t kBatchDocuments = 256;
    constexpr std::size_t kBatchBytes = 32 << 20;
    constexpr auto kBatchTime = std::chrono::seconds(2);
    std::vector<store::PendingDocument> batch;
    std::size_t batch_bytes = 0;
    auto batch_started = Clock::now();
    auto flush = [&] {
        if (batch.empty()) return;
        writer.add_documents(batch);
        for (const auto& pending : batch) {
            summary.passages += static_cast<std::int64_t>(pending.passages.size());
            if (!pending.document.container.empty()) ++summary.attachments;
        }
        summary.indexed += static_cast<std::int64_t>(batch.size());
        batch.clear();
        batch_bytes = 0;
        batch_started = Clock::now();
    };
    // Takes out documents that came from inside `container` and are not in `keep`.
    auto remove_inside = [&](const std::string& container, const std::set<std::string>& keep) {
        auto it = inside.find(container);
        if (it == inside.end()) return;
        std::vector<std::int64_t> stale;
        for (std::int64_t id : it->second)
            if (auto doc = catalog.get_document(id); doc && !keep.count(doc->path))
                stale.push_back(id);
        writer.remove_documents(stale);
    };
    auto clear_failures_inside = [&](const std::string& container) {
        auto it = failures_inside.find(container);
        if (it != failures_inside.end()) catalog.clear_failures(it->second);
    };

    {
        WorkerPool pool(std::move(work), processor, threads, options);
        while (auto result = pool.next()) {
            const WalkedFile& file = result->item.file;
            const std::string path = file.path.string();
            summary.bytes_read += file.size;
            switch (result->kind) {
                case WorkResult::Kind::same_content:
                    catalog.update_file_stat(*result->item.document_id, file.size, file.mtime_ns);
                    ++summary.unchanged;
                    break;
                case WorkResult::Kind::document: {
                    std::set<std::string> keep;
                    for (const auto& pending : result->documents)
                        keep.insert(pending.document.path);
                    remove_inside(path, keep);
                    clear_failures_inside(path);
                    batch_bytes += file.size;
                    for (auto& pending : result->documents) batch.push_back(std::move(pending));
                    for (const ItemFailure& failure : result->item_failures)
                        catalog.record_failure(
                            store::FailureRecord{failure.path, options.collection, failure.reason,
                                                 failure.size, file.mtime_ns, 0});
                    break;
                }
                case WorkResult::Kind::failure:
                    // The old version would be stale now: take it out of the index.
                    if (result->item.document_id) {
                        std::int64_t id = *result->item.document_id;
                        writer.remove_documents(std::span<const std::int64_t>(&id, 1));
                    }
                    remove_inside(path, {});
                    clear_failures_inside(path);
                    record_failure(path, file.size, file.mtime_ns, result->reason);
                    break;
            }
            ++state.files_done;
            state.bytes_done += file.size;
            if (progress) progress->update(state);
            if (batch.size() >= kBatchDocuments || batch_bytes >= kBatchBytes ||
                Clock::now() - batch_started >= kBatchTime)
                flush();
        }
    }
    flush();

    if (options.prune) {
        std::vector<std::int64_t> gone;
        for (const auto& [path, doc] : known) {
            const std::string& file = doc.container.empty() ? path : doc.container;
            if (!seen.count(file) && is_under_any(file, roots)) gone.push_back(doc.id);
        }
        writer.remove_documents(gone);
        for (const auto& [path, doc] : known)
            if (doc.container.empty() && !seen.count(path) && is_under_any(path, roots))
                ++summary.removed;
        std::vector<std::string> stale_failures;
        std::set<std::string> problem_paths;
        for (const auto& problem : walked.problems) problem_paths.insert(problem.path);
        for (const auto& failure : catalog.failures()) {
            std::string file = failure.path.substr(0, failure.path.find("//"));
            if (!seen.count(file) && !problem_paths.count(failure.path) &&
                is_under_any(file, roots))
                stale_failures.push_back(failure.path);
        }
        catalog.clear_failures(stale_failures);
    }

    if (progress) progress->finish();
    summary.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    run.indexed = summary.indexed;
    run.unchanged = summary.unchanged;
    run.failed = summary.failed;
    run.removed = summary.removed;
    run.seconds = summary.seconds;
    catalog.finish_run(run);
    return summary;
}

}  // namespace deskside::ingest
