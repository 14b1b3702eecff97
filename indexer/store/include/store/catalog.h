// The catalog: the SQLite database that is the source of truth for what is indexed —
// documents (one per file), their passages, files that failed and why, and indexing runs.
// The keyword index is derived from it and can always be rebuilt from it.
//
// Crash safety (see docs/architecture.md, "Order of commits"): a document is first written
// here in state `pending` with its passages, then into the keyword index, and marked
// `indexed` only after the keyword index has committed. Removal goes `deleting` -> keyword
// index delete + commit -> rows erased. Recovery replays whatever is left pending/deleting.
//
// A Catalog is one connection: use it from one thread. Only the indexing process (holding the
// WriterLock) opens it read_write; any number of readers may open it read_only at once (WAL).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace deskside::store {

class SqliteDb;

enum class DocumentState { pending, indexed, deleting };

struct DocumentRecord {
    std::int64_t id = 0;
    std::string path;        // absolute, UTF-8
    std::string collection;  // "default" unless given
    std::int64_t size = 0;
    std::int64_t mtime_ns = 0;
    std::string content_hash;  // hex XXH3-128 of the bytes
    std::string format;        // "text", "markdown", "html", ...
    std::string mime;
    std::string title;
    std::string author;
    std::optional<std::int64_t> date;  // Unix seconds: the document's own date, else file mtime
    std::string language;
    std::string encoding;
    std::int64_t indexed_at = 0;  // Unix seconds
    DocumentState state = DocumentState::pending;
    std::int64_t passage_count = 0;
    // For a document found inside a file (an e-mail attachment, an embedded file): the path of
    // that file; its own path is "<container>//<n>-<name>" (ingest/extraction.h). Empty for
    // documents that are files.
    std::string container;
    std::string fields;  // other named fields, one "name: value" per line ("from: ...")
};

struct PassageRecord {
    std::int64_t id = 0;  // also the keyword index's document id for this passage
    std::int64_t document_id = 0;
    int ordinal = 0;
    std::string text;
    std::int64_t char_start = 0;
    std::int64_t char_end = 0;
    int page = 0;
    std::string location;
    std::string heading;
    bool ocr = false;
};

struct FailureRecord {
    std::string path;  // UTF-8; bytes of a non-UTF-8 name escaped as \xNN
    std::string collection;
    std::string reason;  // one line: what was wrong
    std::int64_t size = 0;
    std::int64_t mtime_ns = 0;
    std::int64_t failed_at = 0;
};

struct RunRecord {
    std::int64_t id = 0;
    std::int64_t started_at = 0;
    std::int64_t finished_at = 0;  // 0 while running or if the run was killed
    std::int64_t indexed = 0, unchanged = 0, failed = 0, removed = 0;
    double seconds = 0;
    std::string roots;  // the folders given, newline-separated
};

struct CatalogCounts {
    std::int64_t documents = 0;  // indexed (searchable) documents
    std::int64_t passages = 0;
    std::int64_t failed = 0;
    std::int64_t pending = 0;  // left by an interrupted run; replayed by the next one
    std::int64_t bytes = 0;    // total size of indexed files
};

// A document to write together with its passages (ids are filled in by write_pending).
struct PendingDocument {
    DocumentRecord document;
    std::vector<PassageRecord> passages;
};

class Catalog {
  public:
    enum class Mode { read_only, read_write };
    // read_write creates the schema if needed. Throws Error(corrupt_index) for a file that is
    // not a Deskside catalog or has a newer schema.
    Catalog(const std::filesystem::path& file, Mode mode);
    ~Catalog();
    Catalog(Catalog&&) noexcept;
    Catalog& operator=(Catalog&&) noexcept;

    // ---- reads
    std::optional<DocumentRecord> find_document(const std::string& path);
    std::optional<DocumentRecord> get_document(std::int64_t id);
    std::vector<DocumentRecord> documents_in_state(DocumentState state);
    // Every document's id and path (for pruning).
    std::vector<std::pair<std::int64_t, std::string>> document_paths();
    std::vector<PassageRecord> passages_of(std::int64_t document_id);
    std::vector<PassageRecord> get_passages(std::span<const std::int64_t> passage_ids);
    // Ids of every passage of an indexed document, ascending (what the vector index mirrors).
    std::vector<std::int64_t> indexed_passage_ids();
    // Ids of the indexed passages whose document matches: collection ("" = any), formats
    // (empty = any), document date in [from, to] (Unix seconds; unset = open). Ascending.
    std::vector<std::int64_t> passage_ids_where(const std::string& collection,
                                                const std::vector<std::string>& formats,
                                                std::optional<std::int64_t> from,
                                                std::optional<std::int64_t> to);
    // Changes whenever another connection commits to the catalog (SQLite's data_version): a
    // cheap test of whether something derived from it is still current.
    std::int64_t data_version();
    std::optional<FailureRecord> find_failure(const std::string& path);
    std::vector<FailureRecord> failures();
    CatalogCounts counts();
    std::optional<RunRecord> last_run();
    std::string meta(const std::string& key, const std::string& fallback = "");

    // ---- writes (read_write only; each call is one transaction)
    // Inserts or replaces each document (matched by path) in state `pending`, replaces its
    // passages, clears any failure recorded for its path. Fills in document and passage ids.
    void write_pending(std::span<PendingDocument> documents);
    void mark_indexed(std::span<const std::int64_t> document_ids);
    void mark_deleting(std::span<const std::int64_t> document_ids);
    void erase_documents(std::span<const std::int64_t> document_ids);
    // The file is unchanged in content but its size/mtime record is stale (e.g. touched).
    void update_file_stat(std::int64_t document_id, std::int64_t size, std::int64_t mtime_ns);
    void record_failure(const FailureRecord& failure);
    void clear_failures(std::span<const std::string> paths);
    std::int64_t begin_run(const std::string& roots);
    void finish_run(const RunRecord& run);
    void set_meta(const std::string& key, const std::string& value);

  private:
    std::unique_ptr<SqliteDb> db_;
};

std::string_view document_state_name(DocumentState state);

}  // namespace deskside::store
