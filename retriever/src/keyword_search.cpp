#include "retriever/keyword_search.h"

#include <xapian.h>

#include <chrono>
#include <map>

#include "base/dates.h"
#include "base/error.h"
#include "retriever/snippet.h"
#include "store/catalog.h"
#include "store/keyword_index.h"

namespace deskside::retriever {
namespace {

using store::KeywordSchema;

// Words too common to narrow an AND query; dropped by the parser except inside phrases.
const char* const kEnglishStopwords[] = {
    "a",   "an",    "and",  "are",   "as",    "at",   "be",   "but", "by",  "for",  "if",
    "in",  "into",  "is",   "it",    "no",    "not",  "of",   "on",  "or",  "such", "that",
    "the", "their", "then", "there", "these", "they", "this", "to",  "was", "will", "with"};

constexpr std::size_t kSnippetBytes = 320;

}  // namespace

struct KeywordSearcher::State {
    explicit State(const store::DataDir& dir)
        : catalog(dir.catalog_path(), store::Catalog::Mode::read_only),
          index(dir.keyword_index_path()),
          language(catalog.meta("language", "english")),
          stemmer(KeywordSchema::stem_language(language)) {
        if (language == "english")
            stopper = std::make_unique<Xapian::SimpleStopper>(std::begin(kEnglishStopwords),
                                                              std::end(kEnglishStopwords));
    }

    store::Catalog catalog;
    store::KeywordIndexReader index;
    std::string language;
    Xapian::Stem stemmer;
    std::unique_ptr<Xapian::SimpleStopper> stopper;
    std::optional<Xapian::MSet> last_mset;  // for snippet_of_last_search()

    PlainSnippet snippet(const Xapian::MSet& mset, const std::string& text) const {
        std::string marked =
            mset.snippet(text, kSnippetBytes, stemmer,
                         Xapian::MSet::SNIPPET_BACKGROUND_MODEL | Xapian::MSet::SNIPPET_EXHAUSTIVE |
                             Xapian::MSet::SNIPPET_CJK_NGRAM,
                         std::string(1, kHighlightStart), std::string(1, kHighlightEnd), "…");
        return unmark_snippet(marked);
    }
};

KeywordSearcher::KeywordSearcher(const store::DataDir& dir) {
    dir.require_exists();
    state_ = std::make_unique<State>(dir);
}

KeywordSearcher::~KeywordSearcher() = default;
KeywordSearcher::KeywordSearcher(KeywordSearcher&&) noexcept = default;

SearchResults KeywordSearcher::search(const SearchRequest& request, bool with_snippets) {
    state_->last_mset.reset();
    const auto started = std::chrono::steady_clock::now();
    if (request.limit < 0 || request.offset < 0)
        throw Error(ErrorCode::invalid_argument, "limit and offset must not be negative");
    SearchResults results;
    results.query = request.query;

    for (int attempt = 0;; ++attempt) {
        try {
            // The catalog's reads see its latest commit on their own; Xapian needs a reopen.
            state_->index.reopen();
            const Xapian::Database& db = state_->index.database();

            Xapian::QueryParser parser;
            parser.set_database(db);
            parser.set_stemmer(state_->stemmer);
            parser.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
            if (state_->stopper) parser.set_stopper(state_->stopper.get());
            parser.set_default_op(request.match_any ? Xapian::Query::OP_OR : Xapian::Query::OP_AND);
            parser.add_prefix("title", KeywordSchema::title_prefix);
            parser.add_prefix("author", KeywordSchema::author_prefix);
            parser.add_prefix("path", KeywordSchema::path_prefix);
            parser.add_prefix("from", KeywordSchema::from_prefix);
            parser.add_prefix("to", KeywordSchema::to_prefix);
            parser.add_boolean_prefix("type", KeywordSchema::type_prefix);
            parser.add_boolean_prefix("collection", KeywordSchema::collection_prefix);
            Xapian::DateRangeProcessor dates(KeywordSchema::date_slot, "date:");
            parser.add_rangeprocessor(&dates);
            parser.set_max_expansion(1000, Xapian::Query::WILDCARD_LIMIT_MOST_FREQUENT);
            unsigned flags =
                Xapian::QueryParser::FLAG_DEFAULT | Xapian::QueryParser::FLAG_WILDCARD |
                Xapian::QueryParser::FLAG_PURE_NOT | Xapian::QueryParser::FLAG_CJK_NGRAM;

            Xapian::Query query;
            try {
                query = parser.parse_query(request.query, flags);
            } catch (const Xapian::QueryParserError& e) {
                throw Error(ErrorCode::query_syntax,
                            "cannot parse the query: " + e.get_msg() +
                                ". Write operators in capitals (AND, OR, NOT, NEAR), close every "
                                "quote and bracket, and give field names as title:word");
            }
            if (query.empty())
                throw Error(ErrorCode::query_syntax,
                            "the query has no searchable words (only punctuation or common words)");

            std::vector<Xapian::Query> filters;
            if (!request.collection.empty())
                filters.emplace_back(KeywordSchema::collection_prefix + request.collection);
            if (!request.types.empty()) {
                std::vector<Xapian::Query> types;
                for (const auto& type : request.types)
                    types.emplace_back(KeywordSchema::type_prefix + type);
                filters.emplace_back(Xapian::Query::OP_OR, types.begin(), types.end());
            }
            // Date slot values are YYYYMMDD strings, so string order is date order.
            if (request.date_from && request.date_to)
                filters.emplace_back(Xapian::Query::OP_VALUE_RANGE, KeywordSchema::date_slot,
                                     format_utc(*request.date_from, "%Y%m%d"),
                                     format_utc(*request.date_to, "%Y%m%d"));
            else if (request.date_from)
                filters.emplace_back(Xapian::Query::OP_VALUE_GE, KeywordSchema::date_slot,
                                     format_utc(*request.date_from, "%Y%m%d"));
            else if (request.date_to)
                filters.emplace_back(Xapian::Query::OP_VALUE_LE, KeywordSchema::date_slot,
                                     format_utc(*request.date_to, "%Y%m%d"));
            if (!filters.empty()) {
                Xapian::Query filter(Xapian::Query::OP_AND, filters.begin(), filters.end());
                query = Xapian::Query(Xapian::Query::OP_FILTER, query, filter);
            }
            results.parsed_query = query.get_description();

            Xapian::Enquire enquire(db);
            enquire.set_query(query);
            enquire.set_weighting_scheme(Xapian::BM25Weight());
            if (request.per_document > 0)
                enquire.set_collapse_key(KeywordSchema::document_slot,
                                         static_cast<Xapian::doccount>(request.per_document));
            Xapian::MSet mset = enquire.get_mset(static_cast<Xapian::doccount>(request.offset),
                                                 static_cast<Xapian::doccount>(request.limit), 100);
            results.estimated_matches = mset.get_matches_estimated();

            results.hits.clear();
            if (!with_snippets) {
                // Candidates for fusion: the ranking alone, read from the index. The caller
                // looks up the few it shows in the catalog (and skips any not yet committed).
                int rank = request.offset;
                for (auto it = mset.begin(); it != mset.end(); ++it) {
                    SearchHit hit;
                    hit.rank = ++rank;
                    hit.score = it.get_weight();
                    hit.passage_id = *it;
                    hit.document_id = static_cast<std::int64_t>(Xapian::sortable_unserialise(
                        it.get_document().get_value(KeywordSchema::document_slot)));
                    results.hits.push_back(std::move(hit));
                }
                state_->last_mset = std::move(mset);
                break;
            }
            std::vector<std::int64_t> passage_ids;
            for (auto it = mset.begin(); it != mset.end(); ++it) passage_ids.push_back(*it);
            std::map<std::int64_t, store::PassageRecord> passages;
            for (auto& p : state_->catalog.get_passages(passage_ids))
                passages.emplace(p.id, std::move(p));
            std::map<std::int64_t, store::DocumentRecord> documents;

            results.hits.clear();
            int rank = request.offset;
            for (auto it = mset.begin(); it != mset.end(); ++it) {
                auto passage = passages.find(*it);
                if (passage == passages.end()) continue;  // written by a run not yet committed
                std::int64_t document_id = passage->second.document_id;
                auto doc = documents.find(document_id);
                if (doc == documents.end()) {
                    auto record = state_->catalog.get_document(document_id);
                    if (!record || record->state != store::DocumentState::indexed) continue;
                    doc = documents.emplace(document_id, std::move(*record)).first;
                }
                SearchHit hit;
                hit.rank = ++rank;
                hit.score = it.get_weight();
                hit.passage_id = *it;
                hit.document_id = document_id;
                hit.title = doc->second.title;
                hit.path = doc->second.path;
                hit.format = doc->second.format;
                hit.collection = doc->second.collection;
                hit.date = doc->second.date;
                hit.page = passage->second.page;
                hit.location = passage->second.location;
                hit.heading = passage->second.heading;
                hit.char_start = passage->second.char_start;
                hit.char_end = passage->second.char_end;
                if (with_snippets) {
                    PlainSnippet plain = state_->snippet(mset, passage->second.text);
                    hit.snippet = std::move(plain.text);
                    hit.highlights = std::move(plain.highlights);
                }
                results.hits.push_back(std::move(hit));
            }
            state_->last_mset = std::move(mset);
            break;
        } catch (const Xapian::DatabaseModifiedError&) {
            // A writer committed twice while we read: reopen and run again.
            if (attempt >= 3)
                throw Error(ErrorCode::busy, "the index is changing too fast to read; try again");
        } catch (const Xapian::Error& e) {
            throw Error(ErrorCode::io, "search failed: " + e.get_description());
        }
    }
    results.elapsed_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
            .count();
    return results;
}

std::optional<PlainSnippet> KeywordSearcher::snippet_of_last_search(const std::string& text) const {
    if (!state_->last_mset) return std::nullopt;
    try {
        return state_->snippet(*state_->last_mset, text);
    } catch (const Xapian::Error&) {
        return std::nullopt;  // the database moved on under the MSet: the caller falls back
    }
}

}  // namespace deskside::retriever
