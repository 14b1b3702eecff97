#include "answer/grounded_answerer.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "base/error.h"
#include "base/utf8.h"
#include "citation_filter.h"
#include "extractive.h"
#include "prompt.h"
#include "store/catalog.h"
#include "terms.h"

namespace deskside::answer {
namespace {

using Clock = std::chrono::steady_clock;

// Keyword hits always among the candidates of an answer (see add_keyword_hits).
constexpr int kKeywordCandidates = 3;

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::int64_t code_points(std::string_view text, std::size_t bytes) {
    return static_cast<std::int64_t>(utf8::length(text.substr(0, bytes)));
}

// Measures the first piece of answer text and passes every piece to the caller's callback.
class Streamer {
  public:
    Streamer(const AnswerTextCallback& on_text, Clock::time_point started)
        : on_text_(on_text), started_(started) {}
    bool operator()(std::string_view piece) {
        if (piece.empty()) return true;
        if (first_ms_ < 0) first_ms_ = ms_since(started_);
        return on_text_ ? on_text_(piece) : true;
    }
    double first_ms() const { return first_ms_ < 0 ? ms_since(started_) : first_ms_; }

  private:
    const AnswerTextCallback& on_text_;
    Clock::time_point started_;
    double first_ms_ = -1;
};

}  // namespace

struct GroundedAnswerer::State {
    State(const store::DataDir& dir, const vectors::EmbeddingConfig& embedding,
          retriever::HybridOptions hybrid_options, std::shared_ptr<llm::TextGenerator> gen,
          AnswerOptions answer_options)
        : searcher(dir, embedding),
          catalog(dir.catalog_path(), store::Catalog::Mode::read_only),
          weights(dir),
          stemmer(catalog.meta("language", "english")),
          hybrid(std::move(hybrid_options)),
          generator(std::move(gen)),
          options(std::move(answer_options)) {}

    retriever::HybridSearcher searcher;
    store::Catalog catalog;
    TermWeights weights;
    Stemmer stemmer;
    retriever::HybridOptions hybrid;
    std::shared_ptr<llm::TextGenerator> generator;
    AnswerOptions options;

    std::vector<Citation> retrieve(const AskRequest& request, const QuestionQuery& query);
    void add_keyword_hits(const retriever::SearchRequest& search,
                          const retriever::HybridOptions& hybrid,
                          std::vector<retriever::SearchHit>& hits);
    Answer answer_extractively(const QuestionQuery& query, std::vector<Citation> passages,
                               Streamer& stream);
    Answer answer_with_model(const AskRequest& request, std::vector<Citation> passages,
                             Streamer& stream);
};

GroundedAnswerer::GroundedAnswerer(const store::DataDir& dir,
                                   const vectors::EmbeddingConfig& embedding,
                                   retriever::HybridOptions hybrid,
                                   std::shared_ptr<llm::TextGenerator> generator,
                                   AnswerOptions options) {
    dir.require_exists();
    state_ = std::make_unique<State>(dir, embedding, std::move(hybrid), std::move(generator),
                                     std::move(options));
}

GroundedAnswerer::~GroundedAnswerer() = default;
GroundedAnswerer::GroundedAnswerer(GroundedAnswerer&&) noexcept = default;

Answer GroundedAnswerer::ask(const AskRequest& request, const AnswerTextCallback& on_text) {
    const auto started = Clock::now();
    if (request.question.find_first_not_of(" \t\r\n") == std::string::npos)
        throw Error(ErrorCode::invalid_argument, "give a question to answer");
    if (request.passages < 1 || request.passages > 50)
        throw Error(ErrorCode::invalid_argument,
                    "passages (answer.passages) must be between 1 and 50, not " +
                        std::to_string(request.passages));
    State& s = *state_;

    QuestionQuery query = question_query(request.question, s.stemmer);
    std::vector<Citation> passages = s.retrieve(request, query);
    double retrieval_ms = ms_since(started);

    Streamer stream(on_text, started);
    Answer answer = s.generator ? s.answer_with_model(request, std::move(passages), stream)
                                : s.answer_extractively(query, std::move(passages), stream);
    answer.question = request.question;
    answer.retrieval_ms = retrieval_ms;
    answer.first_token_ms = stream.first_ms();
    answer.total_ms = ms_since(started);
    return answer;
}

// Retrieval: the question's content words, any of which may match; hybrid when the index has
// vectors (the vector arm finds passages that word the answer differently).
std::vector<Citation> GroundedAnswerer::State::retrieve(const AskRequest& request,
                                                        const QuestionQuery& query) {
    retriever::SearchRequest search;
    search.query = query.query;
    search.limit = request.passages;
    search.collection = request.collection;
    search.types = request.types;
    search.per_document = options.per_document;
    search.match_any = true;
    retriever::SearchMode mode = options.mode;
    if (mode != retriever::SearchMode::keyword && !searcher.has_vectors())
        mode = retriever::SearchMode::keyword;
    retriever::HybridOptions shallow = hybrid;
    if (options.depth > 0)
        shallow.depth = std::min(hybrid.depth, std::max(options.depth, 2 * request.passages));
    retriever::SearchResults results;
    try {
        results = searcher.search(search, mode, shallow);
    } catch (const Error& e) {
        // The query holds only plain words, so the one parse failure left is a question of
        // common words alone ("Is it?"): nothing to retrieve, hence nothing to answer from.
        if (e.code() != ErrorCode::query_syntax) throw;
        return {};
    }
    if (static_cast<int>(results.hits.size()) < search.limit && shallow.depth < hybrid.depth &&
        mode != retriever::SearchMode::keyword) {
        // The shallow candidate lists were used up by the per-document limit (a few long
        // documents hold most matches): search as deep as configured.
        shallow = hybrid;
        results = searcher.search(search, mode, shallow);
    }
    if (mode != retriever::SearchMode::keyword) add_keyword_hits(search, shallow, results.hits);

    // The passages' full texts from the catalog (hits carry only snippets).
    std::vector<std::int64_t> ids;
    for (const auto& hit : results.hits) ids.push_back(hit.passage_id);
    std::map<std::int64_t, std::string> texts;
    for (auto& passage : catalog.get_passages(ids)) texts[passage.id] = std::move(passage.text);
    std::vector<Citation> passages;
    for (const auto& hit : results.hits) {
        auto text = texts.find(hit.passage_id);
        if (text == texts.end()) continue;  // removed since the search
        Citation c;
        c.number = static_cast<int>(passages.size()) + 1;
        c.document_id = hit.document_id;
        c.passage_id = hit.passage_id;
        c.title = hit.title;
        c.path = hit.path;
        c.format = hit.format;
        c.collection = hit.collection;
        c.page = hit.page;
        c.location = hit.location;
        c.heading = hit.heading;
        c.text = std::move(text->second);
        c.char_start = hit.char_start;
        c.char_end = hit.char_end;
        passages.push_back(std::move(c));
    }
    return passages;
}

// Answers rest on passages that hold the question's words. A weak vector arm (LSA fitted on a
// small collection) can push those out of the fused top N, so the keyword arm's best few join
// the fused hits at their keyword rank (the fused list's last ones make room), within the
// per-document limit.
void GroundedAnswerer::State::add_keyword_hits(const retriever::SearchRequest& search,
                                               const retriever::HybridOptions& depth,
                                               std::vector<retriever::SearchHit>& hits) {
    retriever::SearchRequest lexical = search;
    lexical.limit = std::min(search.limit, kKeywordCandidates);
    std::vector<retriever::SearchHit> extra;
    try {
        extra = searcher.search(lexical, retriever::SearchMode::keyword, depth).hits;
    } catch (const Error& e) {
        if (e.code() != ErrorCode::query_syntax) throw;
        return;  // only common words: the fused hits come from the vector arm alone
    }
    std::set<std::int64_t> seen;
    std::map<std::int64_t, int> per_document;
    for (const auto& hit : hits) {
        seen.insert(hit.passage_id);
        ++per_document[hit.document_id];
    }
    std::erase_if(extra, [&](const retriever::SearchHit& hit) {
        return seen.count(hit.passage_id) > 0 ||
               (search.per_document > 0 && per_document[hit.document_id] >= search.per_document);
    });
    std::vector<retriever::SearchHit> merged;
    std::size_t h = 0, e = 0;
    while (h < hits.size() || e < extra.size()) {
        bool take_extra =
            e < extra.size() &&
            (h >= hits.size() || extra[e].rank <= static_cast<int>(merged.size()) + 1);
        merged.push_back(take_extra ? std::move(extra[e++]) : std::move(hits[h++]));
    }
    merged.resize(std::min(merged.size(), static_cast<std::size_t>(search.limit)));
    hits = std::move(merged);
}

Answer GroundedAnswerer::State::answer_extractively(const QuestionQuery& query,
                                                    std::vector<Citation> passages,
                                                    Streamer& stream) {
    Answer answer;
    answer.answerer = "extractive";
    std::vector<QuestionTerm> terms = query.terms;
    weights.weigh(terms);
    std::vector<std::string_view> texts;
    for (const auto& p : passages) texts.push_back(p.text);
    ExtractiveOptions extractive{options.max_sentences, options.max_sources, options.min_coverage};
    // A question of stop-words alone ("Is it the one?") gives no words a sentence could
    // support it with: any match would be chance.
    ExtractivePlan plan;
    if (query.content) plan = plan_extractive_answer(terms, texts, stemmer, extractive);

    if (!plan.answered) {
        // Nothing supports the question: say so, and still list the closest passages.
        answer.text = std::string(kExtractiveNoAnswer);
        answer.citations = std::move(passages);
        answer.cancelled = !stream(answer.text);
        return answer;
    }
    answer.answered = true;
    for (const ChosenSentence& sentence : plan.sentences) {
        Citation& c = passages[static_cast<std::size_t>(sentence.passage)];
        std::string_view text = c.text;
        std::string piece = answer.text.empty() ? "" : " ";
        piece += render_cited_sentence(
            text.substr(sentence.span.start, sentence.span.end - sentence.span.start), c.number);
        // The quote spans every chosen sentence of the passage (code points into its text).
        std::int64_t start = code_points(text, sentence.span.start);
        std::int64_t end = code_points(text, sentence.span.end);
        c.quote_start = c.cited ? std::min(c.quote_start, start) : start;
        c.quote_end = c.cited ? std::max(c.quote_end, end) : end;
        c.cited = true;
        if (!answer.cancelled) {
            answer.text += piece;
            answer.cancelled = !stream(piece);
        }
    }
    answer.citations = std::move(passages);
    return answer;
}

Answer GroundedAnswerer::State::answer_with_model(const AskRequest& request,
                                                  std::vector<Citation> passages,
                                                  Streamer& stream) {
    Answer answer;
    answer.answerer = generator->model_name();
    if (passages.empty()) {
        // No passage matched at all: nothing to ground an answer in, so the model is not asked.
        answer.text = std::string(kModelNoAnswer);
        answer.cancelled = !stream(answer.text);
        return answer;
    }
    std::vector<PromptPassage> candidates;
    for (const auto& p : passages)
        candidates.push_back({p.title, p.path, p.page, p.location, p.text});
    PackedPrompt prompt = pack_prompt(request.question, candidates, *generator, options.max_tokens);

    std::vector<Citation> given;
    for (std::size_t i = 0; i < prompt.given.size(); ++i) {
        Citation c = std::move(passages[prompt.given[i]]);
        c.number = static_cast<int>(i) + 1;
        if (prompt.texts[i].size() < c.text.size()) {
            // A cut passage: its end offset moves with the text given.
            c.char_end = c.char_start + static_cast<std::int64_t>(utf8::length(prompt.texts[i]));
            c.text = prompt.texts[i];
        }
        given.push_back(std::move(c));
    }

    CitationFilter filter(static_cast<int>(given.size()),
                          [&stream](std::string_view piece) { return stream(piece); });
    llm::GenerationRequest generation;
    generation.messages = std::move(prompt.messages);
    generation.max_tokens = options.max_tokens;
    generation.sampling = options.sampling;
    generation.still_wanted = request.still_wanted;
    llm::GenerationResult result = generator->generate(
        generation, [&filter](std::string_view piece) { return filter.feed(piece); });
    bool open = filter.finish();
    answer.cancelled = !open || result.finish == llm::FinishReason::cancelled;

    answer.text = filter.text();
    for (int n : filter.removed()) answer.removed_citations.push_back(n);
    for (int n : filter.cited()) given[static_cast<std::size_t>(n - 1)].cited = true;
    // The refusal phrase with no citation is the model saying the passages lack the answer; a
    // cited answer that also mentions the phrase still answered part of the question.
    answer.answered =
        !answer.text.empty() && !(says_not_answered(answer.text) && filter.cited().empty());
    answer.citations = std::move(given);
    return answer;
}

}  // namespace deskside::answer
