// The single writer of a data directory: holds the WriterLock, the catalog (read_write) and
// the keyword index writer, and applies the order of commits that keeps them consistent
// whatever moment the process is killed at:
//
//   add:    catalog commit (documents `pending` + passages)  ->  keyword replace + commit
//           ->  catalog commit (`indexed`)
//   remove: catalog commit (`deleting`)  ->  keyword delete + commit  ->  catalog erase
//
// The catalog always knows about a change before the keyword index does, so on open
// recover() finds every document whose keyword state is in doubt (pending or deleting) and
// replays it. Keyword writes are idempotent (passage id = Xapian docid), so replaying is safe.
//
// One IndexWriter per data directory at a time (the lock enforces it across processes); use it
// from one thread.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string_view>

#include "store/catalog.h"
#include "store/data_dir.h"
#include "store/keyword_index.h"

namespace deskside::store {

struct RecoveryReport {
    std::int64_t replayed = 0;  // pending documents re-written into the keyword index
    std::int64_t erased = 0;    // deleting documents finished off
};

class IndexWriter {
  public:
    // Called at each named step of the commit protocol ("catalog-pending", "keyword-commit",
    // "catalog-deleting", "keyword-delete-commit"). Tests use it to kill the process at a
    // precise point; production passes nothing.
    using StepHook = std::function<void(std::string_view step)>;

    // Takes the lock (Error(busy) if held), opens or creates the index, and recovers.
    // `config.language` must match the language the index was built with, if any
    // (Error(invalid_argument) otherwise: re-index into a new data directory).
    IndexWriter(const DataDir& dir, KeywordIndexConfig config, StepHook hook = {});

    Catalog& catalog() { return catalog_; }
    const RecoveryReport& recovery() const { return recovery_; }

    // Writes new or changed documents with their passages (ids are filled in).
    void add_documents(std::span<PendingDocument> documents);
    // Removes documents and their passages.
    void remove_documents(std::span<const std::int64_t> document_ids);

  private:
    void recover();
    void step(std::string_view name) {
        if (hook_) hook_(name);
    }

    WriterLock lock_;
    Catalog catalog_;
    KeywordIndexWriter keyword_;
    StepHook hook_;
    RecoveryReport recovery_;
};

}  // namespace deskside::store
