#include "retriever/hybrid_search.h"

#include <algorithm>
#include <chrono>
#include <list>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "base/dates.h"
#include "base/error.h"
#include "base/utf8.h"
#include "retriever/keyword_search.h"
#include "store/catalog.h"
#include "store/vector_index.h"

namespace deskside::retriever {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kSnippetCodePoints = 240;

// The first words of a passage, cut at a word boundary, as the snippet of a hit the keyword
// arm did not return (it has no matched terms to centre on).
std::string leading_snippet(const std::string& text) {
    std::size_t pos = 0, count = 0, cut = 0;
    while (pos < text.size() && count < kSnippetCodePoints) {
        char32_t cp = utf8::decode(text, pos);
        ++count;
        if (cp == ' ' || cp == '\n') cut = pos;
    }
    if (pos >= text.size()) return text;
    std::string snippet = text.substr(0, cut ? cut : pos);
    while (!snippet.empty() && (snippet.back() == ' ' || snippet.back() == '\n'))
        snippet.pop_back();
    return snippet + "…";
}

bool is_operator(std::string_view word) {
    return word == "AND" || word == "OR" || word == "NOT" || word == "NEAR" || word == "XOR";
}

// "2020-01-31" or "20200131" as the Unix seconds of that day's start (UTC).
std::optional<std::int64_t> parse_day(std::string_view text) {
    std::string iso(text);
    if (iso.size() == 8 && iso.find('-') == std::string::npos)
        iso = iso.substr(0, 4) + "-" + iso.substr(4, 2) + "-" + iso.substr(6, 2);
    if (iso.size() != 10) return std::nullopt;
    return parse_iso_datetime(iso);
}

}  // namespace

DateBounds date_bounds_of_query(std::string_view query) {
    constexpr std::string_view kPrefix = "date:";
    DateBounds bounds;
    for (std::size_t at = query.find(kPrefix); at != std::string_view::npos;
         at = query.find(kPrefix, at + 1)) {
        if (at > 0 && query[at - 1] != ' ' && query[at - 1] != '(') continue;
        std::size_t end = query.find_first_of(" )", at);
        std::string_view range = query.substr(at + kPrefix.size(), end == std::string_view::npos
                                                                       ? std::string_view::npos
                                                                       : end - at - kPrefix.size());
        std::size_t dots = range.find("..");
        if (dots == std::string_view::npos) return {};
        std::string_view from = range.substr(0, dots), to = range.substr(dots + 2);
        if (!from.empty()) {
            auto day = parse_day(from);
            if (!day) return {};
            bounds.from = bounds.from ? std::max(*bounds.from, *day) : *day;
        }
        if (!to.empty()) {
            auto day = parse_day(to);
            if (!day) return {};
            const std::int64_t last_second = *day + 86399;
            bounds.to = bounds.to ? std::min(*bounds.to, last_second) : last_second;
        }
    }
    return bounds;
}

SearchMode parse_search_mode(std::string_view name) {
    if (name == "keyword") return SearchMode::keyword;
    if (name == "vector") return SearchMode::vector;
    if (name == "hybrid") return SearchMode::hybrid;
    throw Error(ErrorCode::invalid_argument, "search mode '" + std::string(name) +
                                                 "' is not known: use keyword, vector or hybrid");
}

std::string_view search_mode_name(SearchMode mode) {
    switch (mode) {
        case SearchMode::keyword:
            return "keyword";
        case SearchMode::vector:
            return "vector";
        default:
            return "hybrid";
    }
}

std::string plain_words(std::string_view query) {
    std::string out;
    std::size_t start = 0;
    while (start < query.size()) {
        std::size_t end = query.find_first_of(" \t\n", start);
        if (end == std::string_view::npos) end = query.size();
        std::string_view token = query.substr(start, end - start);
        start = end + 1;
        if (token.empty() || is_operator(token)) continue;
        if (std::size_t colon = token.find(':'); colon != std::string_view::npos) {
            std::string_view field = token.substr(0, colon);
            if (field == "date" || field == "type" || field == "collection" || field == "path")
                continue;  // filters, not words
            token = token.substr(colon + 1);
        }
        std::string word;
        for (char c : token)
            if (c != '"' && c != '(' && c != ')' && c != '*' && c != '+' && c != '-') word += c;
        if (!word.empty()) out += (out.empty() ? "" : " ") + word;
    }
    return out;
}

// Filters whose passage lists are kept (per searcher, most recently used first).
constexpr std::size_t kAllowedCacheSize = 8;

// The passages one filter lets through, as of one catalog state.
struct AllowedPassages {
    std::string key;
    std::int64_t catalog_version = 0;
    std::vector<std::int64_t> ids;         // ascending
    std::unordered_set<std::int64_t> set;  // only for lists the graph walk filters by
};

struct HybridSearcher::State {
    store::DataDir dir;
    KeywordSearcher keyword;
    store::Catalog catalog;
    std::unique_ptr<embed::Embedder> embedder;
    std::optional<store::VectorIndexReader> vectors;
    // At a million passages the catalog query behind a filter and the set built from it cost
    // hundreds of milliseconds, a search a few: the lists are reused while the catalog is
    // unchanged (std::list: references stay valid while entries move to the front).
    std::list<AllowedPassages> allowed_cache;

    State(const store::DataDir& d, const vectors::EmbeddingConfig& embedding)
        : dir(d), keyword(d), catalog(d.catalog_path(), store::Catalog::Mode::read_only) {
        embedder = vectors::open_query_embedder(d, embedding);
        if (embedder)
            vectors.emplace(store::vector_index_path(d),
                            vectors::to_index_identity(embedder->identity()));
    }

    const AllowedPassages& allowed_passages(const std::string& collection,
                                            const std::vector<std::string>& types,
                                            std::optional<std::int64_t> from,
                                            std::optional<std::int64_t> to, std::size_t scan_max) {
        std::string key = collection;
        for (const auto& type : types) key += '\x1f' + type;
        key +=
            '\x1e' + (from ? std::to_string(*from) : "") + '\x1e' + (to ? std::to_string(*to) : "");
        const std::int64_t version = catalog.data_version();
        for (auto it = allowed_cache.begin(); it != allowed_cache.end(); ++it) {
            if (it->key != key) continue;
            if (it->catalog_version == version &&
                (it->ids.size() <= scan_max || !it->set.empty())) {
                allowed_cache.splice(allowed_cache.begin(), allowed_cache, it);
                return allowed_cache.front();
            }
            allowed_cache.erase(it);
            break;
        }
        AllowedPassages entry;
        entry.key = std::move(key);
        entry.catalog_version = version;
        entry.ids = catalog.passage_ids_where(collection, types, from, to);
        if (entry.ids.size() > scan_max) entry.set.insert(entry.ids.begin(), entry.ids.end());
        allowed_cache.push_front(std::move(entry));
        if (allowed_cache.size() > kAllowedCacheSize) allowed_cache.pop_back();
        return allowed_cache.front();
    }

    std::vector<ArmHit> vector_arm(const SearchRequest& request, const HybridOptions& options) {
        std::string text = plain_words(request.query);
        if (text.empty()) return {};
        std::vector<std::string> texts{text};
        std::vector<float> query = embedder->embed(texts);
        store::VectorQuery q;
        q.k = static_cast<std::size_t>(options.depth);
        q.ef_search = options.ef_search;
        q.mode = options.vector_mode;
        DateBounds dates = date_bounds_of_query(request.query);
        if (request.date_from)
            dates.from =
                dates.from ? std::max(*dates.from, *request.date_from) : *request.date_from;
        if (request.date_to)
            dates.to = dates.to ? std::min(*dates.to, *request.date_to) : *request.date_to;
        if (!request.collection.empty() || !request.types.empty() || dates.from || dates.to) {
            const AllowedPassages& allowed = allowed_passages(
                request.collection, request.types, dates.from, dates.to, options.filter_scan_max);
            if (allowed.ids.size() <= options.filter_scan_max) {
                q.candidates = &allowed.ids;
            } else {
                q.filter = [&set = allowed.set](std::int64_t id) { return set.count(id) > 0; };
            }
        }
        std::vector<store::VectorHit> hits = vectors->search(query, q);
        std::vector<std::int64_t> ids;
        for (const auto& hit : hits) ids.push_back(hit.passage_id);
        std::unordered_map<std::int64_t, std::int64_t> document_of;
        for (const auto& passage : catalog.get_passages(ids))
            document_of[passage.id] = passage.document_id;
        std::vector<ArmHit> arm;
        for (const auto& hit : hits)
            if (auto it = document_of.find(hit.passage_id); it != document_of.end())
                arm.push_back({hit.passage_id, it->second, hit.score});
        return arm;
    }

    // A hit the keyword arm did not return, built from the catalog.
    std::optional<SearchHit> hit_from_catalog(std::int64_t passage_id) {
        std::vector<std::int64_t> ids{passage_id};
        auto passages = catalog.get_passages(ids);
        if (passages.empty()) return std::nullopt;
        const store::PassageRecord& p = passages.front();
        auto document = catalog.get_document(p.document_id);
        if (!document || document->state != store::DocumentState::indexed) return std::nullopt;
        SearchHit hit;
        hit.passage_id = p.id;
        hit.document_id = p.document_id;
        hit.title = document->title;
        hit.path = document->path;
        hit.format = document->format;
        hit.collection = document->collection;
        hit.date = document->date;
        hit.page = p.page;
        hit.location = p.location;
        hit.heading = p.heading;
        hit.char_start = p.char_start;
        hit.char_end = p.char_end;
        return hit;
    }
};

HybridSearcher::HybridSearcher(const store::DataDir& dir, const vectors::EmbeddingConfig& embedding)
    : state_(std::make_unique<State>(dir, embedding)) {}
HybridSearcher::~HybridSearcher() = default;
HybridSearcher::HybridSearcher(HybridSearcher&&) noexcept = default;

bool HybridSearcher::has_vectors() const {
    return state_->vectors.has_value();
}

std::string HybridSearcher::embedder() const {
    return state_->vectors ? vectors::describe(state_->vectors->identity()) : std::string();
}

SearchResults HybridSearcher::search(const SearchRequest& request, SearchMode mode,
                                     const HybridOptions& options) {
    if (mode == SearchMode::keyword) return state_->keyword.search(request);
    if (!has_vectors())
        throw Error(ErrorCode::invalid_argument,
                    std::string(search_mode_name(mode)) +
                        " search needs vectors, and this data directory has none: run "
                        "`deskside index` (embeddings are on unless embed.enabled is false)");
    const auto started = Clock::now();
    SearchResults results;
    results.query = request.query;

    std::vector<ArmHit> keyword_arm;
    if (mode == SearchMode::hybrid) {
        SearchRequest candidates = request;
        candidates.offset = 0;
        candidates.limit = options.depth;
        candidates.per_document = 0;  // fusion applies the per-document limit
        try {
            SearchResults keyword = state_->keyword.search(candidates, /*with_snippets=*/false);
            results.parsed_query = keyword.parsed_query;
            for (const auto& hit : keyword.hits)
                keyword_arm.push_back({hit.passage_id, hit.document_id, hit.score});
        } catch (const Error& e) {
            // A question of only common words has no keyword arm; the vector arm still answers.
            // A query that does not parse is still the user's to fix.
            if (e.code() != ErrorCode::query_syntax ||
                std::string_view(e.what()).find("no searchable words") == std::string_view::npos)
                throw;
        }
    }
    std::vector<ArmHit> vector_arm = state_->vector_arm(request, options);
    FusionOptions fusion = options.fusion;
    fusion.per_document = request.per_document;
    std::vector<FusedHit> fused = fuse(keyword_arm, vector_arm, fusion);
    std::unordered_map<std::int64_t, double> cosine_of;
    for (const ArmHit& hit : vector_arm) cosine_of.emplace(hit.passage_id, hit.score);
    results.estimated_matches = fused.size();

    // Snippets only for the page shown, marked with the keyword query's terms wherever they
    // occur (vector-only hits too); a passage without any of them starts at its beginning.
    std::vector<std::int64_t> page_ids;
    for (std::size_t i = static_cast<std::size_t>(std::max(0, request.offset));
         i < fused.size() && page_ids.size() < static_cast<std::size_t>(std::max(0, request.limit));
         ++i)
        page_ids.push_back(fused[i].passage_id);
    std::unordered_map<std::int64_t, std::string> text_of;
    for (auto& passage : state_->catalog.get_passages(page_ids))
        text_of.emplace(passage.id, std::move(passage.text));
    auto fill_snippet = [&](SearchHit& hit) {
        auto text = text_of.find(hit.passage_id);
        if (text == text_of.end()) return;
        if (mode == SearchMode::hybrid && !keyword_arm.empty()) {
            if (auto marked = state_->keyword.snippet_of_last_search(text->second);
                marked && !marked->highlights.empty()) {
                hit.snippet = std::move(marked->text);
                hit.highlights = std::move(marked->highlights);
                return;
            }
        }
        hit.snippet = leading_snippet(text->second);
        hit.highlights.clear();
    };

    int rank = request.offset;
    for (std::size_t i = static_cast<std::size_t>(std::max(0, request.offset));
         i < fused.size() && static_cast<int>(results.hits.size()) < request.limit; ++i) {
        std::optional<SearchHit> hit = state_->hit_from_catalog(fused[i].passage_id);
        if (!hit) continue;
        fill_snippet(*hit);
        hit->rank = ++rank;
        // Vector mode shows the cosine itself: comparable across queries, unlike a fused score.
        hit->score =
            mode == SearchMode::vector ? cosine_of.at(fused[i].passage_id) : fused[i].score;
        results.hits.push_back(std::move(*hit));
    }
    results.elapsed_ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
    return results;
}

}  // namespace deskside::retriever
