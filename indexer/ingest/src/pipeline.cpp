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

struct WorkResult {
    enum class Kind { document, same_content, failure } kind = Kind::failure;
    WorkItem item;
    store::PendingDocument pending;  // kind == document
    std::string reason;              // kind == failure
};

std::string read_whole_file(const std::filesystem::path& path, std::int64_t expected_size) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        throw Error(ErrorCode::bad_document, std::string("cannot open: ") + std::strerror(errno));
    std::string bytes;
    bytes.reserve(static_cast<std::size_t>(expected_size));
    char buffer[1 << 16];
    for (;;) {
        ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0) {
            int err = errno;
            ::close(fd);
            throw Error(ErrorCode::bad_document, std::string("cannot read: ") + std::strerror(err));
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

class FileProcessor {
  public:
    FileProcessor(const IndexOptions& options, const ExtractorRegistry& registry)
        : options_(options), registry_(registry) {}

    WorkResult process(WorkItem item) const {
        WorkResult result;
        result.item = std::move(item);
        try {
            fill(result);
        } catch (const Error& e) {
            result.kind = WorkResult::Kind::failure;
            result.reason = e.what();
        } catch (const std::bad_alloc&) {
            result.kind = WorkResult::Kind::failure;
            result.reason = "out of memory while extracting";
        } catch (const std::exception& e) {
            result.kind = WorkResult::Kind::failure;
            result.reason = std::string("extraction failed: ") + e.what();
        }
        return result;
    }

  private:
    void fill(WorkResult& result) const {
        const WalkedFile& file = result.item.file;
        if (file.size > options_.max_file_bytes)
            throw Error(ErrorCode::bad_document,
                        "file is " + megabytes(file.size) + ", over the " +
                            megabytes(options_.max_file_bytes) +
                            " limit: raise index.max_file_mb (--max-file-mb) to index it");
        std::string bytes = read_whole_file(file.path, file.size);
        std::string hash = content_hash(bytes);
        if (!result.item.old_hash.empty() && hash == result.item.old_hash) {
            result.kind = WorkResult::Kind::same_content;
            return;
        }
        if (bytes.empty())
            throw Error(ErrorCode::bad_document, "empty file (0 bytes): nothing to index");
        FileType type = detect_file_type(file.path, std::string_view(bytes).substr(0, 65536));
        const Extractor* extractor = registry_.find(type);
        if (!extractor) {
            if (type.format == "binary")
                throw Error(ErrorCode::bad_document,
                            "not a document: binary data of no known format");
            throw Error(ErrorCode::unsupported, "unsupported format: " + type.format + " (" +
                                                    type.mime +
                                                    "); this build has no extractor for it");
        }
        ExtractOptions extract_options;
        ExtractedDocument extracted =
            extractor->extract(SourceFile{file.path, bytes, type}, extract_options);
        std::vector<Passage> passages = chunk_document(extracted, options_.chunk);
        if (passages.empty())
            throw Error(ErrorCode::bad_document, "no text found in this " + type.format + " file");

        store::DocumentRecord& d = result.pending.document;
        d.path = file.path.string();
        d.collection = options_.collection;
        d.size = file.size;
        d.mtime_ns = file.mtime_ns;
        d.content_hash = std::move(hash);
        d.format = extracted.format.empty() ? type.format : extracted.format;
        d.mime = type.mime;
        d.title =
            extracted.metadata.title.empty() ? file.path.stem().string() : extracted.metadata.title;
        d.author = extracted.metadata.author;
        d.date = extracted.metadata.modified ? extracted.metadata.modified
                 : extracted.metadata.created
                     ? extracted.metadata.created
                     : std::optional<std::int64_t>(file.mtime_ns / 1'000'000'000);
        d.language = extracted.metadata.language.empty() ? options_.keyword.language
                                                         : extracted.metadata.language;
        d.encoding = extracted.metadata.encoding;
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
            result.pending.passages.push_back(std::move(record));
        }
        result.kind = WorkResult::Kind::document;
    }

    const IndexOptions& options_;
    const ExtractorRegistry& registry_;
};

// Runs FileProcessor over the work list on `threads` workers; results come back through
// next() in completion order. At most `capacity` finished results wait, bounding memory.
class WorkerPool {
  public:
    WorkerPool(std::vector<WorkItem> items, const FileProcessor& processor, int threads)
        : items_(std::move(items)), processor_(processor) {
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
        for (;;) {
            std::size_t index = next_item_.fetch_add(1);
            if (index >= items_.size()) return;
            WorkResult result = processor_.process(std::move(items_[index]));
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
    std::atomic<std::size_t> next_item_{0};
    std::mutex mutex_;
    std::condition_variable ready_, space_;
    std::deque<WorkResult> done_;
    std::size_t delivered_ = 0;
    bool stopping_ = false;
    std::vector<std::thread> workers_;
};

bool is_under(const std::string& path, const std::vector<std::string>& roots) {
    for (const auto& root : roots) {
        if (path == root) return true;
        if (path.size() > root.size() && path.compare(0, root.size(), root) == 0 &&
            (root.back() == '/' || path[root.size()] == '/'))
            return true;
    }
    return false;
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

    WalkOptions walk_options = options.walk;
    walk_options.exclude_dirs.push_back(dir.root());
    WalkResult walked = walk_files(options.roots, walk_options);

    // What the catalog already holds, by path.
    std::map<std::string, store::DocumentRecord> known;
    for (const auto& [id, path] : catalog.document_paths()) {
        if (auto doc = catalog.get_document(id)) known.emplace(path, std::move(*doc));
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
        for (const auto& pending : batch)
            summary.passages += static_cast<std::int64_t>(pending.passages.size());
        summary.indexed += static_cast<std::int64_t>(batch.size());
        batch.clear();
        batch_bytes = 0;
        batch_started = Clock::now();
    };

    {
        WorkerPool pool(std::move(work), processor, threads);
        while (auto result = pool.next()) {
            const WalkedFile& file = result->item.file;
            summary.bytes_read += file.size;
            switch (result->kind) {
                case WorkResult::Kind::same_content:
                    catalog.update_file_stat(*result->item.document_id, file.size, file.mtime_ns);
                    ++summary.unchanged;
                    break;
                case WorkResult::Kind::document:
                    batch_bytes += file.size;
                    batch.push_back(std::move(result->pending));
                    break;
                case WorkResult::Kind::failure:
                    // The old version would be stale now: take it out of the index.
                    if (result->item.document_id) {
                        std::int64_t id = *result->item.document_id;
                        writer.remove_documents(std::span<const std::int64_t>(&id, 1));
                    }
                    record_failure(file.path.string(), file.size, file.mtime_ns, result->reason);
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
        for (const auto& [path, doc] : known)
            if (!seen.count(path) && is_under(path, roots)) gone.push_back(doc.id);
        writer.remove_documents(gone);
        summary.removed = static_cast<std::int64_t>(gone.size());
        std::vector<std::string> stale_failures;
        std::set<std::string> problem_paths;
        for (const auto& problem : walked.problems) problem_paths.insert(problem.path);
        for (const auto& failure : catalog.failures())
            if (!seen.count(failure.path) && !problem_paths.count(failure.path) &&
                is_under(failure.path, roots))
                stale_failures.push_back(failure.path);
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
