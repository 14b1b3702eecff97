// Grounded answers: `deskside ask` and `/api/ask` share this one code path. The answerer
// retrieves the top passages for a question, then either composes an answer from their best
// supporting sentences (the extractive answerer, the default when no LLM is configured) or
// packs them, numbered, into a prompt for a TextGenerator that must answer only from them and
// cite [n]. Citations in the model's answer are checked afterwards: a number that names no
// given passage is removed from the text and listed in removed_citations.
//
// A GroundedAnswerer holds a HybridSearcher (read handles on the data directory): use one per
// thread, or guard it. The generator is shared and may be used from several answerers at once.
// Errors: deskside::Error from retrieval (query_syntax, corrupt_index...) and from the
// generator (busy, io, invalid_argument); a cancelled answer is not an error.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "llm/text_generator.h"
#include "retriever/hybrid_search.h"
#include "store/data_dir.h"
#include "vectors/embeddings.h"

namespace deskside::answer {

struct AskRequest {
    std::string question;
    std::string collection;          // "" = all collections
    std::vector<std::string> types;  // formats to keep; empty = all
    int passages = 8;                // passages retrieved (and, for an LLM, packed at most)
    // For an LLM answerer: asked while the answer waits for the model (llm::GenerationRequest::
    // still_wanted); false withdraws it, and the answer comes back cancelled.
    std::function<bool()> still_wanted;
};

struct Citation {
    int number = 0;  // the [n] the answer uses, 1-based in retrieval order
    std::int64_t document_id = 0;
    std::int64_t passage_id = 0;
    std::string title, path, format, collection;
    int page = 0;  // 0 when unknown
    std::string location;
    std::string heading;
    // The passage text as given to the answerer (an LLM's prompt leaves out the document's own
    // reference marks such as "[4]", which it would mistake for passage numbers).
    std::string text;
    std::int64_t char_start = 0;  // the passage's code-point offsets in the document text
    std::int64_t char_end = 0;
    // Code-point offsets within `text` of the sentence(s) the answer rests on; -1 when unknown
    // (an LLM answer, or a passage not cited).
    std::int64_t quote_start = -1;
    std::int64_t quote_end = -1;
    bool cited = false;  // false = given to the answerer but not cited in the answer
};

struct Answer {
    std::string question;
    std::string text;                    // the answer, each claim followed by its [n]
    std::vector<Citation> citations;     // every passage given, in number order
    std::vector<int> removed_citations;  // [n] the model invented, removed from text
    // false = the documents do not contain the answer and the text says so: the extractive
    // answerer found no sentence covering enough of the question, or the model replied with
    // kModelNoAnswer and cited nothing.
    bool answered = false;
    bool cancelled = false;  // on_text returned false; text holds what was produced
    std::string answerer;    // "extractive" or the model name
    double retrieval_ms = 0;
    double first_token_ms = 0;  // from the call to the first piece of answer text
    double total_ms = 0;
};

// Called with each new piece of answer text, in order, from the calling thread; return false
// to cancel (client gone). The pieces concatenate to Answer::text: a citation the model invents
// is held back until it is complete and removed before it is sent.
using AnswerTextCallback = std::function<bool(std::string_view)>;

struct AnswerOptions {
    int max_tokens = 512;  // answer budget of an LLM answer (answer.max_tokens)
    retriever::SearchMode mode = retriever::SearchMode::hybrid;  // keyword when no vectors
    int per_document = 3;  // passages kept per document at most
    // Candidates taken from each retrieval arm before fusion, at most (lowers the hybrid
    // search's HybridOptions::depth): an answer needs the top few passages, not a deep list,
    // and every keyword candidate costs a snippet.
    int depth = 32;
    int max_sentences = 4;  // extractive: sentences in an answer at most
    int max_sources = 3;    // extractive: passages an answer draws from at most
    // Extractive: the best sentence must cover at least this share of the question's content
    // words (IDF-weighted), else the answer is "the documents do not seem to answer this".
    double min_coverage = 0.5;
    llm::SamplingParams sampling;  // for the LLM answerer (temperature 0 = greedy)
};

// The fixed phrases of a not-answered answer.
inline constexpr std::string_view kExtractiveNoAnswer =
    "The indexed documents do not seem to answer this question.";
inline constexpr std::string_view kModelNoAnswer = "The documents do not contain the answer.";

class GroundedAnswerer {
  public:
    GroundedAnswerer(const store::DataDir& dir, const vectors::EmbeddingConfig& embedding,
                     retriever::HybridOptions hybrid,
                     std::shared_ptr<llm::TextGenerator> generator,  // null = extractive
                     AnswerOptions options);
    ~GroundedAnswerer();
    GroundedAnswerer(GroundedAnswerer&&) noexcept;

    // Error(invalid_argument) for a question without words or passages outside 1..50;
    // Error(not_found) from the constructor when DIR holds no index.
    Answer ask(const AskRequest& request, const AnswerTextCallback& on_text = {});

  private:
    struct State;
    std::unique_ptr<State> state_;
};

// llm.* settings, as read from the settings table.
struct LlmConfig {
    std::string backend = "extractive";  // extractive | local | openai
    std::string model;                   // local: a GGUF file
    std::string url;                     // openai: the server's base URL
    std::string remote_model;            // openai: the model name
    std::string api_key;                 // openai: the key ("" = none)
    int context = 4096;                  // context tokens (local)
    int threads = 0;                     // 0 = one per core (local)
    int parallel = 1;                    // concurrent generations
    int max_queue = 16;                  // waiting requests before Error(busy)
    int timeout_s = 120;                 // per request (openai)
};

// llm.* settings -> a generator (null for "extractive"). Error(invalid_argument) naming the
// setting when the configuration is incomplete; Error(unsupported) for a backend not built in.
std::shared_ptr<llm::TextGenerator> open_text_generator(const LlmConfig& config);

}  // namespace deskside::answer
