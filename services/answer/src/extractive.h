// The extractive answerer's core: scores every sentence of the retrieved passages by how well
// it supports the question and picks the best few, non-redundant, from at most a few passages.
// Pure computation over its arguments: any thread; it does not fail.
//
// Score of a sentence = coverage x (0.8 + 0.2 proximity) x rank factor x shape factor, where
//   coverage  = IDF-weighted share of the question's content words the sentence holds,
//   proximity = how tightly those words cluster (distinct matched words / window length),
//   rank      = 1 / (1 + 0.1 x the passage's retrieval rank),
//   shape     = penalties for fragments, headings, questions and run-on sentences.
// The question counts as answered when the best sentence covers at least min_coverage.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sentences.h"
#include "terms.h"

namespace deskside::answer {

struct ExtractiveOptions {
    int max_sentences = 4;
    int max_sources = 3;
    double min_coverage = 0.5;
};

struct ChosenSentence {
    int passage = 0;    // index into the passages given
    SentenceSpan span;  // bytes in that passage's text
    double score = 0;
    double coverage = 0;
};

struct ExtractivePlan {
    bool answered = false;
    double best_coverage = 0;               // of any sentence (0 when no passage)
    std::vector<ChosenSentence> sentences;  // in reading order: by passage, then position
};

ExtractivePlan plan_extractive_answer(const std::vector<QuestionTerm>& terms,
                                      const std::vector<std::string_view>& passages,
                                      const Stemmer& stemmer, const ExtractiveOptions& options);

// A sentence as it reads in an answer: whitespace collapsed, a leading bullet and the
// document's own reference marks ("[4]") dropped, and
// " [n]" placed before its closing full stop (or appended with one).
std::string render_cited_sentence(std::string_view sentence, int number);

}  // namespace deskside::answer
