// The JSON forms of search results, index status, documents and collections, shared by
// `--json` on the command line and the HTTP API so both speak one documented schema
// (docs/search-json.md, docs/api.md). Fields are only ever added, never renamed.
//
// Pure functions of their arguments, except status_json and collection_summaries, which read
// the data directory (a read-only catalog connection of their own, or the one given: use that
// Catalog from one thread). Errors: deskside::Error from the store (not_found without an index).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "retriever/search_types.h"
#include "store/catalog.h"
#include "store/data_dir.h"

namespace deskside::api {

nlohmann::json search_results_json(const retriever::SearchResults& results);

struct StatusOptions {
    bool errors = false;  // include every failure
    bool check = false;   // run the consistency check
};
nlohmann::json status_json(const store::DataDir& dir, const StatusOptions& options);

// "2024-03-01" (UTC) for a Unix time.
std::string iso_date(std::int64_t unix_seconds);
// "2024-03-01T12:00:00Z" (UTC) for a Unix time.
std::string iso_time(std::int64_t unix_seconds);

// A document with its metadata and, when `passages` is not null, its passages in order:
// {"id","title","path","type","mime","collection","date","size","author","language",
//  "indexed_at","fields":{name:value},"container":path|null,"passage_count",
//  "passages":[{"id","ordinal","page","location","heading","char_start","char_end","text",
//               "ocr"}]}
nlohmann::json document_json(const store::DocumentRecord& document,
                             const std::vector<store::PassageRecord>* passages);

// The "name: value" lines of DocumentRecord::fields as an object; a name given twice keeps
// both values joined by ", ".
nlohmann::json fields_json(const std::string& fields);

// One collection of the index: what it holds and where its files come from.
struct CollectionSummary {
    std::string name;
    std::int64_t documents = 0;  // indexed documents (attachments included)
    std::int64_t passages = 0;
    std::int64_t bytes = 0;   // size of the files (attachments are counted in their file)
    std::int64_t failed = 0;  // recorded failures
    // The folders and files given to `deskside index` for this collection, when the catalog
    // recorded them (meta "roots:<name>", one path a line); else empty.
    std::vector<std::string> roots;
    // Every file of the collection (a document that is a file, or a recorded failure), sorted:
    // what a re-index walks when no roots were recorded.
    std::vector<std::string> files;
};

// Every collection with indexed documents or recorded failures, sorted by name. Reads the
// whole catalog (one query per document): callers cache the result.
std::vector<CollectionSummary> collection_summaries(store::Catalog& catalog);

// {"collections":[{"name","documents","passages","bytes","failed","roots"}]}
nlohmann::json collections_json(const std::vector<CollectionSummary>& collections);

}  // namespace deskside::api
