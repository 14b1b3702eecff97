// The keyword index: a Xapian database with one Xapian document per passage, derived from the
// catalog. Its document id IS the catalog passage id, so writing a passage is an idempotent
// replace and recovery can simply replay the catalog.
//
// Terms (KeywordSchema): free text with positions (phrase and NEAR queries), stemmed per the
// index language, CJK as n-grams; prefixed fields title (S), author (A), path (XP); boolean
// filters type (XT), collection (XC), and the owning document (XD, used to delete a
// document's passages). Values: document id (collapse per document), date as YYYYMMDD
// (date ranges), page.
//
// KeywordIndexWriter is used by the single writer only (it holds Xapian's own write lock too).
// KeywordIndexReader may be opened by any number of processes and threads (one per thread).
#pragma once

#include <xapian.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "store/catalog.h"

namespace deskside::store {

struct KeywordSchema {
    static constexpr const char* title_prefix = "S";
    static constexpr const char* author_prefix = "A";
    static constexpr const char* path_prefix = "XP";
    static constexpr const char* type_prefix = "XT";
    static constexpr const char* collection_prefix = "XC";
    static constexpr const char* document_prefix = "XD";
    static constexpr const char* from_prefix = "XFROM";  // e-mail sender
    static constexpr const char* to_prefix = "XTO";      // e-mail recipients (to and cc)
    static constexpr Xapian::valueno document_slot = 0;  // sortable-serialised document id
    static constexpr Xapian::valueno date_slot = 1;      // "YYYYMMDD"
    static constexpr Xapian::valueno page_slot = 2;      // sortable-serialised page
    // Language name for Xapian::Stem ("english", "german", ..., or "none").
    static std::string stem_language(const std::string& language);
};

// Text-processing settings the index was built with; stored in the catalog so that queries
// are parsed exactly as documents were indexed.
struct KeywordIndexConfig {
    std::string language = "english";  // stemming language; "none" to switch stemming off
};

// Formats a Unix time as the "YYYYMMDD" date value (UTC).
std::string date_value(std::int64_t unix_seconds);

class KeywordIndexWriter {
  public:
    KeywordIndexWriter(const std::filesystem::path& dir, KeywordIndexConfig config);
    ~KeywordIndexWriter();

    // Removes the document's old passages and adds `passages` (each under its passage id).
    void replace_document(const DocumentRecord& document,
                          const std::vector<PassageRecord>& passages);
    void delete_document(std::int64_t document_id);
    // Makes every change since the last commit durable and visible to readers, atomically.
    void commit();
    std::uint64_t passage_count() const;

  private:
    void index_fields(const std::string& fields);

    Xapian::WritableDatabase db_;
    Xapian::TermGenerator generator_;
};

class KeywordIndexReader {
  public:
    explicit KeywordIndexReader(const std::filesystem::path& dir);
    // Re-opens at the latest committed revision (after DatabaseModifiedError).
    void reopen();
    const Xapian::Database& database() const { return db_; }
    std::uint64_t passage_count() const { return db_.get_doccount(); }
    // Every passage id that belongs to the document (from its XD term).
    std::vector<std::int64_t> passages_of(std::int64_t document_id) const;
    // The owning document of a passage (from its document value).
    std::int64_t document_of(Xapian::docid passage_id) const;

  private:
    Xapian::Database db_;
};

// Size of the keyword index files on disk, in bytes.
std::uint64_t keyword_index_bytes(const std::filesystem::path& dir);

}  // namespace deskside::store
