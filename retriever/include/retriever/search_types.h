// Requests and results of a search, shared by the CLI (`deskside search`) and, later, the HTTP
// API. Plain values. The JSON form is documented in docs/search-json.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace deskside::retriever {

struct SearchRequest {
    std::string query;               // Xapian query syntax (docs/search-syntax.md)
    int limit = 10;                  // results to return
    int offset = 0;                  // results to skip (paging)
    std::string collection;          // "" = every collection
    std::vector<std::string> types;  // formats to keep ("html", "text"); empty = all
    int per_document = 1;            // best passages kept per document; 0 = no limit
    bool match_any = false;          // default operator OR instead of AND
    // Document date range, Unix seconds, inclusive; a document without a date is left out when
    // either bound is set. Applied inside both arms, like the query's date: filter.
    std::optional<std::int64_t> date_from;
    std::optional<std::int64_t> date_to;
};

// A marked span in a snippet, as code-point offsets [start, end) into `snippet`.
struct Highlight {
    std::int64_t start = 0;
    std::int64_t end = 0;
};

struct SearchHit {
    int rank = 0;  // 1-based, counting from the first result overall (offset included)
    double score = 0;
    std::int64_t passage_id = 0;
    std::int64_t document_id = 0;
    std::string title;
    std::string path;
    std::string format;
    std::string collection;
    std::optional<std::int64_t> date;  // Unix seconds
    int page = 0;                      // 0 when unknown
    std::string location;
    std::string heading;
    std::int64_t char_start = 0;  // the passage's code-point offsets in the document text
    std::int64_t char_end = 0;
    std::string snippet;  // plain text, "…" where text was cut
    std::vector<Highlight> highlights;
};

struct SearchResults {
    std::string query;
    std::string parsed_query;             // Xapian's description, for debugging queries
    std::uint64_t estimated_matches = 0;  // matching passages (estimate)
    std::vector<SearchHit> hits;
    double elapsed_ms = 0;
};

}  // namespace deskside::retriever
