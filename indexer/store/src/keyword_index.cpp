#include "store/keyword_index.h"

#include <ctime>

#include "base/dates.h"
#include "base/error.h"

namespace deskside::store {
namespace {

std::string document_term(std::int64_t document_id) {
    return std::string(KeywordSchema::document_prefix) + std::to_string(document_id);
}

// Xapian errors at this boundary become ours; the database lock error means another writer.
[[noreturn]] void rethrow_xapian(const Xapian::Error& e, const std::filesystem::path& dir) {
    std::string message = "keyword index " + dir.string() + ": " + e.get_description();
    const std::string type = e.get_type();  // Xapian::Error is not polymorphic
    if (type == "DatabaseLockError")
        throw Error(ErrorCode::busy, message + " (another process is writing it)");
    if (type == "DatabaseCorruptError" || type == "DatabaseVersionError")
        throw Error(ErrorCode::corrupt_index, message);
    throw Error(ErrorCode::io, message);
}

}  // namespace

std::string KeywordSchema::stem_language(const std::string& language) {
    if (language.empty() || language == "none") return "none";
    return language;
}

std::string date_value(std::int64_t unix_seconds) {
    return format_utc(unix_seconds, "%Y%m%d");
}

KeywordIndexWriter::KeywordIndexWriter(const std::filesystem::path& dir,
                                       KeywordIndexConfig config) {
    try {
        db_ = Xapian::WritableDatabase(dir.string(), Xapian::DB_CREATE_OR_OPEN);
        generator_.set_stemmer(Xapian::Stem(KeywordSchema::stem_language(config.language)));
        generator_.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
        generator_.set_flags(Xapian::TermGenerator::FLAG_CJK_NGRAM);
    } catch (const Xapian::InvalidArgumentError& e) {
        throw Error(ErrorCode::invalid_argument,
                    "unknown index language '" + config.language + "': " + e.get_msg() +
                        " (use e.g. english, french, german, spanish, or none)");
    } catch (const Xapian::Error& e) {
        rethrow_xapian(e, dir);
    }
}

KeywordIndexWriter::~KeywordIndexWriter() {
    try {
        // Uncommitted changes are abandoned on purpose: the catalog still marks those documents
        // pending, and the next run replays them.
        db_.close();
    } catch (...) {
    }
}

// E-mail fields: "from: ..." under the from prefix, "to: ..." and "cc: ..." under the to
// prefix, so that from:alice and to:bob work; other fields are left to the text.
void KeywordIndexWriter::index_fields(const std::string& fields) {
    std::size_t start = 0;
    while (start < fields.size()) {
        std::size_t end = fields.find('\n', start);
        if (end == std::string::npos) end = fields.size();
        std::string_view line(fields.data() + start, end - start);
        std::size_t colon = line.find(": ");
        if (colon != std::string_view::npos) {
            std::string_view name = line.substr(0, colon), value = line.substr(colon + 2);
            const char* prefix = name == "from"                   ? KeywordSchema::from_prefix
                                 : (name == "to" || name == "cc") ? KeywordSchema::to_prefix
                                                                  : nullptr;
            if (prefix) generator_.index_text(std::string(value), 1, prefix);
        }
        start = end + 1;
    }
}

void KeywordIndexWriter::replace_document(const DocumentRecord& document,
                                          const std::vector<PassageRecord>& passages) {
    try {
        db_.delete_document(document_term(document.id));
        const std::string doc_value = Xapian::sortable_serialise(static_cast<double>(document.id));
        const std::string date = document.date ? date_value(*document.date) : std::string();
        for (const auto& passage : passages) {
            Xapian::Document xdoc;
            generator_.set_document(xdoc);
            generator_.index_text(passage.text);
            // Title and heading words also match unprefixed queries, after a gap so that a
            // phrase cannot run from the body into them.
            generator_.increase_termpos(100);
            generator_.index_text(document.title);
            generator_.index_text(document.title, 1, KeywordSchema::title_prefix);
            generator_.increase_termpos(100);
            generator_.index_text(passage.heading);
            generator_.index_text(document.author, 1, KeywordSchema::author_prefix);
            generator_.index_text(document.path, 1, KeywordSchema::path_prefix);
            index_fields(document.fields);
            xdoc.add_boolean_term(KeywordSchema::type_prefix + document.format);
            xdoc.add_boolean_term(KeywordSchema::collection_prefix + document.collection);
            xdoc.add_boolean_term(document_term(document.id));
            xdoc.add_value(KeywordSchema::document_slot, doc_value);
            if (!date.empty()) xdoc.add_value(KeywordSchema::date_slot, date);
            xdoc.add_value(KeywordSchema::page_slot,
                           Xapian::sortable_serialise(static_cast<double>(passage.page)));
            xdoc.set_data(std::to_string(passage.id));
            db_.replace_document(static_cast<Xapian::docid>(passage.id), xdoc);
        }
    } catch (const Xapian::Error& e) {
        rethrow_xapian(e, db_.get_description());
    }
}

void KeywordIndexWriter::delete_document(std::int64_t document_id) {
    try {
        db_.delete_document(document_term(document_id));
    } catch (const Xapian::Error& e) {
        rethrow_xapian(e, db_.get_description());
    }
}

void KeywordIndexWriter::commit() {
    try {
        db_.commit();
    } catch (const Xapian::Error& e) {
        rethrow_xapian(e, db_.get_description());
    }
}

std::uint64_t KeywordIndexWriter::passage_count() const {
    return db_.get_doccount();
}

KeywordIndexReader::KeywordIndexReader(const std::filesystem::path& dir) {
    try {
        db_ = Xapian::Database(dir.string());
    } catch (const Xapian::DatabaseOpeningError& e) {
        throw Error(ErrorCode::not_found, "no keyword index at " + dir.string() + ": " +
                                              e.get_msg() + " (run `deskside index` first)");
    } catch (const Xapian::Error& e) {
        rethrow_xapian(e, dir);
    }
}

void KeywordIndexReader::reopen() {
    db_.reopen();
}

std::vector<std::int64_t> KeywordIndexReader::passages_of(std::int64_t document_id) const {
    std::vector<std::int64_t> ids;
    const std::string term = document_term(document_id);
    for (auto it = db_.postlist_begin(term); it != db_.postlist_end(term); ++it) ids.push_back(*it);
    return ids;
}

std::int64_t KeywordIndexReader::document_of(Xapian::docid passage_id) const {
    return static_cast<std::int64_t>(Xapian::sortable_unserialise(
        db_.get_document(passage_id).get_value(KeywordSchema::document_slot)));
}

std::uint64_t keyword_index_bytes(const std::filesystem::path& dir) {
    std::uint64_t total = 0;
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file(ec)) total += it->file_size(ec);
    }
    return total;
}

}  // namespace deskside::store
