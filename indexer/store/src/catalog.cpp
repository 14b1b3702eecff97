#include "store/catalog.h"

#include <chrono>

#include "base/error.h"
#include "sqlite_db.h"

namespace deskside::store {
namespace {

constexpr int kSchemaVersion = 2;  // 2: documents.container, documents.fields

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS documents (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    path         TEXT NOT NULL UNIQUE,
    collection   TEXT NOT NULL,
    size         INTEGER NOT NULL,
    mtime_ns     INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    format       TEXT NOT NULL,
    mime         TEXT NOT NULL,
    title        TEXT NOT NULL,
    author       TEXT NOT NULL,
    date         INTEGER,
    language     TEXT NOT NULL,
    encoding     TEXT NOT NULL,
    indexed_at   INTEGER NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('pending', 'indexed', 'deleting')),
    container    TEXT NOT NULL DEFAULT '',
    fields       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS documents_state ON documents(state);
CREATE INDEX IF NOT EXISTS documents_collection ON documents(collection);
CREATE INDEX IF NOT EXISTS documents_container ON documents(container) WHERE container != '';
-- AUTOINCREMENT: passage ids are the keyword index's document ids and are never reused.
CREATE TABLE IF NOT EXISTS passages (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    ordinal     INTEGER NOT NULL,
    text        TEXT NOT NULL,
    char_start  INTEGER NOT NULL,
    char_end    INTEGER NOT NULL,
    page        INTEGER NOT NULL,
    location    TEXT NOT NULL,
    heading     TEXT NOT NULL,
    ocr         INTEGER NOT NULL,
    UNIQUE (document_id, ordinal)
);
CREATE TABLE IF NOT EXISTS failures (
    path       TEXT PRIMARY KEY,
    collection TEXT NOT NULL,
    reason     TEXT NOT NULL,
    size       INTEGER NOT NULL,
    mtime_ns   INTEGER NOT NULL,
    failed_at  INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER NOT NULL DEFAULT 0,
    indexed     INTEGER NOT NULL DEFAULT 0,
    unchanged   INTEGER NOT NULL DEFAULT 0,
    failed      INTEGER NOT NULL DEFAULT 0,
    removed     INTEGER NOT NULL DEFAULT 0,
    seconds     REAL NOT NULL DEFAULT 0,
    roots       TEXT NOT NULL
);
)sql";

constexpr const char* kDocumentColumns =
    "id, path, collection, size, mtime_ns, content_hash, format, mime, title, author, date, "
    "language, encoding, indexed_at, state, "
    "(SELECT COUNT(*) FROM passages p WHERE p.document_id = documents.id), container, fields";

constexpr const char* kPassageColumns =
    "id, document_id, ordinal, text, char_start, char_end, page, location, heading, ocr";

std::int64_t now_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

DocumentState parse_state(const std::string& text) {
    if (text == "indexed") return DocumentState::indexed;
    if (text == "deleting") return DocumentState::deleting;
    return DocumentState::pending;
}

DocumentRecord read_document(const Statement& s) {
    DocumentRecord d;
    d.id = s.column_int(0);
    d.path = s.column_text(1);
    d.collection = s.column_text(2);
    d.size = s.column_int(3);
    d.mtime_ns = s.column_int(4);
    d.content_hash = s.column_text(5);
    d.format = s.column_text(6);
    d.mime = s.column_text(7);
    d.title = s.column_text(8);
    d.author = s.column_text(9);
    d.date = s.column_optional_int(10);
    d.language = s.column_text(11);
    d.encoding = s.column_text(12);
    d.indexed_at = s.column_int(13);
    d.state = parse_state(s.column_text(14));
    d.passage_count = s.column_int(15);
    d.container = s.column_text(16);
    d.fields = s.column_text(17);
    return d;
}

PassageRecord read_passage(const Statement& s) {
    PassageRecord p;
    p.id = s.column_int(0);
    p.document_id = s.column_int(1);
    p.ordinal = static_cast<int>(s.column_int(2));
    p.text = s.column_text(3);
    p.char_start = s.column_int(4);
    p.char_end = s.column_int(5);
    p.page = static_cast<int>(s.column_int(6));
    p.location = s.column_text(7);
    p.heading = s.column_text(8);
    p.ocr = s.column_int(9) != 0;
    return p;
}

FailureRecord read_failure(const Statement& s) {
    return FailureRecord{s.column_text(0), s.column_text(1), s.column_text(2),
                         s.column_int(3),  s.column_int(4),  s.column_int(5)};
}

// Version 1 catalogs lack the container and fields columns; add them in place (the new index
// on container is created by kSchema right after).
void migrate_to_version_2(SqliteDb& db) {
    Statement table(
        db, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'documents'");
    if (!table.step() || table.column_int(0) == 0) return;  // a new catalog
    Statement columns(
        db, "SELECT COUNT(*) FROM pragma_table_info('documents') WHERE name = 'container'");
    if (columns.step() && columns.column_int(0) > 0) return;
    db.exec(
        "ALTER TABLE documents ADD COLUMN container TEXT NOT NULL DEFAULT '';"
        "ALTER TABLE documents ADD COLUMN fields TEXT NOT NULL DEFAULT '';"
        "UPDATE meta SET value = '2' WHERE key = 'schema_version';");
}

void set_state(SqliteDb& db, std::span<const std::int64_t> ids, DocumentState state) {
    Transaction txn(db);
    Statement update(db, "UPDATE documents SET state = ? WHERE id = ?");
    for (auto id : ids) update.bind(1, document_state_name(state)).bind(2, id).run();
    txn.commit();
}

}  // namespace

std::string_view document_state_name(DocumentState state) {
    switch (state) {
        case DocumentState::indexed:
            return "indexed";
        case DocumentState::deleting:
            return "deleting";
        default:
            return "pending";
    }
}

Catalog::Catalog(const std::filesystem::path& file, Mode mode)
    : db_(std::make_unique<SqliteDb>(
          file, mode == Mode::read_only ? SqliteDb::Mode::read_only : SqliteDb::Mode::read_write)) {
    if (mode == Mode::read_write) {
        Transaction txn(*db_);
        migrate_to_version_2(*db_);
        db_->exec(kSchema);
        txn.commit();
    }
    std::string version;
    try {
        version = meta("schema_version");
    } catch (const Error& e) {
        throw Error(ErrorCode::corrupt_index,
                    file.string() + " is not a Deskside catalog (" + e.what() + ")");
    }
    if (version.empty() && mode == Mode::read_write) {
        set_meta("schema_version", std::to_string(kSchemaVersion));
    } else if (version.empty() || std::stoi(version) > kSchemaVersion) {
        throw Error(ErrorCode::corrupt_index,
                    file.string() + " has catalog schema version '" + version +
                        "', this deskside reads version " + std::to_string(kSchemaVersion) +
                        ": use a newer deskside or index into a new --data directory");
    }
}

Catalog::~Catalog() = default;
Catalog::Catalog(Catalog&&) noexcept = default;
Catalog& Catalog::operator=(Catalog&&) noexcept = default;

std::optional<DocumentRecord> Catalog::find_document(const std::string& path) {
    Statement s(*db_, std::string("SELECT ") + kDocumentColumns + " FROM documents WHERE path = ?");
    s.bind(1, path);
    if (!s.step()) return std::nullopt;
    return read_document(s);
}

std::optional<DocumentRecord> Catalog::get_document(std::int64_t id) {
    Statement s(*db_, std::string("SELECT ") + kDocumentColumns + " FROM documents WHERE id = ?");
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return read_document(s);
}

std::vector<DocumentRecord> Catalog::documents_in_state(DocumentState state) {
    Statement s(*db_, std::string("SELECT ") + kDocumentColumns +
                          " FROM documents WHERE state = ? ORDER BY id");
    s.bind(1, document_state_name(state));
    std::vector<DocumentRecord> out;
    while (s.step()) out.push_back(read_document(s));
    return out;
}

std::vector<std::pair<std::int64_t, std::string>> Catalog::document_paths() {
    Statement s(*db_, "SELECT id, path FROM documents ORDER BY path");
    std::vector<std::pair<std::int64_t, std::string>> out;
    while (s.step()) out.emplace_back(s.column_int(0), s.column_text(1));
    return out;
}

std::vector<PassageRecord> Catalog::passages_of(std::int64_t document_id) {
    Statement s(*db_, std::string("SELECT ") + kPassageColumns +
                          " FROM passages WHERE document_id = ? ORDER BY ordinal");
    s.bind(1, document_id);
    std::vector<PassageRecord> out;
    while (s.step()) out.push_back(read_passage(s));
    return out;
}

std::vector<PassageRecord> Catalog::get_passages(std::span<const std::int64_t> passage_ids) {
    Statement s(*db_, std::string("SELECT ") + kPassageColumns + " FROM passages WHERE id = ?");
    std::vector<PassageRecord> out;
    out.reserve(passage_ids.size());
    for (auto id : passage_ids) {
        s.bind(1, id);
        if (s.step()) out.push_back(read_passage(s));
        s.reset();
    }
    return out;
}

std::vector<std::int64_t> Catalog::indexed_passage_ids() {
    Statement s(*db_, R"sql(
        SELECT p.id FROM passages p JOIN documents d ON d.id = p.document_id
        WHERE d.state = 'indexed' ORDER BY p.id)sql");
    std::vector<std::int64_t> ids;
    while (s.step()) ids.push_back(s.column_int(0));
    return ids;
}

std::vector<std::int64_t> Catalog::passage_ids_where(const std::string& collection,
                                                     const std::vector<std::string>& formats,
                                                     std::optional<std::int64_t> from,
                                                     std::optional<std::int64_t> to) {
    std::string sql =
        "SELECT p.id FROM passages p JOIN documents d ON d.id = p.document_id "
        "WHERE d.state = 'indexed'";
    if (!collection.empty()) sql += " AND d.collection = ?";
    if (!formats.empty()) {
        sql += " AND d.format IN (";
        for (std::size_t i = 0; i < formats.size(); ++i) sql += i ? ", ?" : "?";
        sql += ")";
    }
    if (from) sql += " AND d.date >= ?";
    if (to) sql += " AND d.date <= ?";
    sql += " ORDER BY p.id";
    Statement s(*db_, sql);
    int at = 1;
    if (!collection.empty()) s.bind(at++, collection);
    for (const auto& format : formats) s.bind(at++, format);
    if (from) s.bind(at++, *from);
    if (to) s.bind(at++, *to);
    std::vector<std::int64_t> ids;
    while (s.step()) ids.push_back(s.column_int(0));
    return ids;
}

std::int64_t Catalog::data_version() {
    Statement s(*db_, "PRAGMA data_version");
    return s.step() ? s.column_int(0) : 0;
}

std::optional<FailureRecord> Catalog::find_failure(const std::string& path) {
    Statement s(*db_,
                "SELECT path, collection, reason, size, mtime_ns, failed_at FROM failures "
                "WHERE path = ?");
    s.bind(1, path);
    if (!s.step()) return std::nullopt;
    return read_failure(s);
}

std::vector<FailureRecord> Catalog::failures() {
    Statement s(*db_,
                "SELECT path, collection, reason, size, mtime_ns, failed_at FROM failures "
                "ORDER BY path");
    std::vector<FailureRecord> out;
    while (s.step()) out.push_back(read_failure(s));
    return out;
}

CatalogCounts Catalog::counts() {
    CatalogCounts c;
    Statement docs(
        *db_, "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM documents WHERE state = 'indexed'");
    docs.step();
    c.documents = docs.column_int(0);
    c.bytes = docs.column_int(1);
    Statement passages(*db_,
                       "SELECT COUNT(*) FROM passages p JOIN documents d ON d.id = p.document_id "
                       "WHERE d.state = 'indexed'");
    passages.step();
    c.passages = passages.column_int(0);
    Statement failed(*db_, "SELECT COUNT(*) FROM failures");
    failed.step();
    c.failed = failed.column_int(0);
    Statement pending(*db_, "SELECT COUNT(*) FROM documents WHERE state <> 'indexed'");
    pending.step();
    c.pending = pending.column_int(0);
    return c;
}

std::optional<RunRecord> Catalog::last_run() {
    Statement s(*db_,
                "SELECT id, started_at, finished_at, indexed, unchanged, failed, removed, seconds, "
                "roots FROM runs ORDER BY id DESC LIMIT 1");
    if (!s.step()) return std::nullopt;
    RunRecord r;
    r.id = s.column_int(0);
    r.started_at = s.column_int(1);
    r.finished_at = s.column_int(2);
    r.indexed = s.column_int(3);
    r.unchanged = s.column_int(4);
    r.failed = s.column_int(5);
    r.removed = s.column_int(6);
    r.seconds = s.column_double(7);
    r.roots = s.column_text(8);
    return r;
}

std::string Catalog::meta(const std::string& key, const std::string& fallback) {
    Statement s(*db_, "SELECT value FROM meta WHERE key = ?");
    s.bind(1, key);
    return s.step() ? s.column_text(0) : fallback;
}

void Catalog::write_pending(std::span<PendingDocument> documents) {
    Transaction txn(*db_);
    Statement upsert(*db_, R"sql(
        INSERT INTO documents (path, collection, size, mtime_ns, content_hash, format, mime, title,
                               author, date, language, encoding, indexed_at, state, container,
                               fields)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)
        ON CONFLICT(path) DO UPDATE SET
            collection = excluded.collection, size = excluded.size, mtime_ns = excluded.mtime_ns,
            content_hash = excluded.content_hash, format = excluded.format, mime = excluded.mime,
            title = excluded.title, author = excluded.author, date = excluded.date,
            language = excluded.language, encoding = excluded.encoding,
            indexed_at = excluded.indexed_at, state = 'pending', container = excluded.container,
            fields = excluded.fields
        RETURNING id)sql");
    Statement drop_passages(*db_, "DELETE FROM passages WHERE document_id = ?");
    Statement insert_passage(*db_, R"sql(
        INSERT INTO passages (document_id, ordinal, text, char_start, char_end, page, location,
                              heading, ocr)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?))sql");
    Statement clear_failure(*db_, "DELETE FROM failures WHERE path = ?");
    std::int64_t now = now_seconds();
    for (auto& pending : documents) {
        DocumentRecord& d = pending.document;
        d.indexed_at = now;
        d.state = DocumentState::pending;
        upsert.bind(1, d.path).bind(2, d.collection).bind(3, d.size).bind(4, d.mtime_ns);
        upsert.bind(5, d.content_hash).bind(6, d.format).bind(7, d.mime).bind(8, d.title);
        upsert.bind(9, d.author).bind(10, d.date).bind(11, d.language).bind(12, d.encoding);
        upsert.bind(13, now).bind(14, d.container).bind(15, d.fields);
        upsert.step();
        d.id = upsert.column_int(0);
        upsert.reset();
        drop_passages.bind(1, d.id).run();
        for (auto& p : pending.passages) {
            p.document_id = d.id;
            insert_passage.bind(1, d.id).bind(2, p.ordinal).bind(3, p.text).bind(4, p.char_start);
            insert_passage.bind(5, p.char_end).bind(6, p.page).bind(7, p.location);
            insert_passage.bind(8, p.heading).bind(9, p.ocr ? 1 : 0);
            insert_passage.run();
            p.id = db_->last_insert_id();
        }
        d.passage_count = static_cast<std::int64_t>(pending.passages.size());
        clear_failure.bind(1, d.path).run();
    }
    txn.commit();
}

void Catalog::mark_indexed(std::span<const std::int64_t> ids) {
    set_state(*db_, ids, DocumentState::indexed);
}

void Catalog::mark_deleting(std::span<const std::int64_t> ids) {
    set_state(*db_, ids, DocumentState::deleting);
}

void Catalog::erase_documents(std::span<const std::int64_t> ids) {
    Transaction txn(*db_);
    Statement erase(*db_, "DELETE FROM documents WHERE id = ?");
    for (auto id : ids) erase.bind(1, id).run();
    txn.commit();
}

void Catalog::update_file_stat(std::int64_t document_id, std::int64_t size, std::int64_t mtime_ns) {
    Statement s(*db_, "UPDATE documents SET size = ?, mtime_ns = ? WHERE id = ?");
    s.bind(1, size).bind(2, mtime_ns).bind(3, document_id).run();
}

void Catalog::record_failure(const FailureRecord& f) {
    Statement s(*db_, R"sql(
        INSERT INTO failures (path, collection, reason, size, mtime_ns, failed_at)
        VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT(path) DO UPDATE SET collection = excluded.collection,
            reason = excluded.reason, size = excluded.size, mtime_ns = excluded.mtime_ns,
            failed_at = excluded.failed_at)sql");
    s.bind(1, f.path).bind(2, f.collection).bind(3, f.reason).bind(4, f.size);
    s.bind(5, f.mtime_ns).bind(6, f.failed_at ? f.failed_at : now_seconds()).run();
}

void Catalog::clear_failures(std::span<const std::string> paths) {
    Transaction txn(*db_);
    Statement s(*db_, "DELETE FROM failures WHERE path = ?");
    for (const auto& path : paths) s.bind(1, path).run();
    txn.commit();
}

std::int64_t Catalog::begin_run(const std::string& roots) {
    Statement s(*db_, "INSERT INTO runs (started_at, roots) VALUES (?, ?)");
    s.bind(1, now_seconds()).bind(2, roots).run();
    return db_->last_insert_id();
}

void Catalog::finish_run(const RunRecord& run) {
    Statement s(*db_,
                "UPDATE runs SET finished_at = ?, indexed = ?, unchanged = ?, failed = ?, "
                "removed = ?, seconds = ? WHERE id = ?");
    s.bind(1, now_seconds()).bind(2, run.indexed).bind(3, run.unchanged).bind(4, run.failed);
    s.bind(5, run.removed).bind_double(6, run.seconds).bind(7, run.id).run();
}

void Catalog::set_meta(const std::string& key, const std::string& value) {
    Statement s(*db_,
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    s.bind(1, key).bind(2, value).run();
}

}  // namespace deskside::store
