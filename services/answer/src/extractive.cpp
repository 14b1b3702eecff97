#include "extractive.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <map>
#include <set>

namespace deskside::answer {
namespace {

// A sentence joins the best one only when it scores at least this share of it: lower, and
// answers fill up with sentences that merely mention the question's words.
constexpr double kCompanionScore = 0.6;

struct Candidate {
    ChosenSentence chosen;
    std::set<std::string> stems;  // every stem of the sentence, for redundancy
};

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Smallest window (in tokens) holding every distinct matched term at least once.
int smallest_window(const std::vector<std::pair<int, int>>& hits, int distinct) {
    // hits: (token position, term index), in position order.
    std::map<int, int> counts;
    int best = std::numeric_limits<int>::max();
    std::size_t left = 0;
    for (std::size_t right = 0; right < hits.size(); ++right) {
        ++counts[hits[right].second];
        while (static_cast<int>(counts.size()) == distinct) {
            best = std::min(best, hits[right].first - hits[left].first + 1);
            if (--counts[hits[left].second] == 0) counts.erase(hits[left].second);
            ++left;
        }
    }
    return best;
}

double shape_factor(std::string_view sentence, int words) {
    double factor = 1.0;
    if (words < 4) factor *= 0.5;  // a fragment or a label says little on its own
    if (words > 45) factor *= std::max(0.5, std::sqrt(45.0 / words));  // matches by chance
    char last = sentence.empty() ? ' ' : sentence.back();
    while (!sentence.empty() && (last == '"' || last == ')' || last == '\'')) {
        sentence.remove_suffix(1);
        last = sentence.empty() ? ' ' : sentence.back();
    }
    if (last == '?') factor *= 0.6;  // a question restates the problem, not the answer
    bool terminated = last == '.' || last == '!' || last == ':' || last == ';' ||
                      sentence.ends_with("\u3002") || sentence.ends_with("\uff01");
    // Without a full stop it is a heading, a title, a table row or a caption: it names the
    // topic more often than it answers.
    if (!terminated) factor *= words < 8 ? 0.6 : 0.75;
    return factor;
}

double jaccard(const std::set<std::string>& a, const std::set<std::string>& b) {
    if (a.empty() || b.empty()) return 0;
    std::size_t common = 0;
    for (const auto& s : a) common += b.count(s);
    return static_cast<double>(common) / static_cast<double>(a.size() + b.size() - common);
}

}  // namespace

ExtractivePlan plan_extractive_answer(const std::vector<QuestionTerm>& terms,
                                      const std::vector<std::string_view>& passages,
                                      const Stemmer& stemmer, const ExtractiveOptions& options) {
    ExtractivePlan plan;
    double total_weight = 0;
    std::map<std::string, int> term_index;
    for (std::size_t i = 0; i < terms.size(); ++i) {
        total_weight += terms[i].weight;
        term_index.emplace(terms[i].stem, static_cast<int>(i));
    }
    if (total_weight <= 0 || passages.empty()) return plan;

    std::vector<Candidate> candidates;
    for (std::size_t p = 0; p < passages.size(); ++p) {
        std::string_view text = passages[p];
        double rank_factor = 1.0 / (1.0 + 0.1 * static_cast<double>(p));
        for (const SentenceSpan& span : split_sentences(text)) {
            std::string_view sentence = text.substr(span.start, span.end - span.start);
            std::vector<Token> tokens = tokenize(sentence);
            if (tokens.empty()) continue;
            Candidate candidate;
            std::vector<std::pair<int, int>> hits;
            std::set<int> matched;
            for (std::size_t t = 0; t < tokens.size(); ++t) {
                std::string stem = stemmer.stem(tokens[t]);
                auto found = term_index.find(stem);
                if (found != term_index.end()) {
                    hits.emplace_back(static_cast<int>(t), found->second);
                    matched.insert(found->second);
                }
                candidate.stems.insert(std::move(stem));
            }
            if (matched.empty()) continue;
            double covered = 0;
            for (int m : matched) covered += terms[static_cast<std::size_t>(m)].weight;
            double coverage = covered / total_weight;
            int distinct = static_cast<int>(matched.size());
            double proximity = distinct < 2 ? 0.0
                                            : static_cast<double>(distinct - 1) /
                                                  std::max(1, smallest_window(hits, distinct) - 1);
            int words = static_cast<int>(tokens.size());
            candidate.chosen.passage = static_cast<int>(p);
            candidate.chosen.span = span;
            candidate.chosen.coverage = coverage;
            candidate.chosen.score = coverage * (0.8 + 0.2 * std::min(1.0, proximity)) *
                                     rank_factor * shape_factor(sentence, words);
            plan.best_coverage = std::max(plan.best_coverage, coverage);
            candidates.push_back(std::move(candidate));
        }
    }
    if (candidates.empty() || plan.best_coverage < options.min_coverage) return plan;

    std::stable_sort(
        candidates.begin(), candidates.end(),
        [](const Candidate& a, const Candidate& b) { return a.chosen.score > b.chosen.score; });
    // The best sentence must itself be well supported; the others add to it when they score
    // close to it, say something new and keep the answer to a few sources.
    std::vector<const Candidate*> picked;
    std::vector<int> sources;
    double best_score = 0;
    for (const Candidate& candidate : candidates) {
        if (static_cast<int>(picked.size()) >= options.max_sentences) break;
        if (picked.empty()) {
            if (candidate.chosen.coverage < options.min_coverage) continue;
            best_score = candidate.chosen.score;
        } else {
            if (candidate.chosen.score < kCompanionScore * best_score) break;
            if (candidate.chosen.coverage < options.min_coverage) continue;
        }
        bool redundant = std::any_of(picked.begin(), picked.end(), [&](const Candidate* other) {
            return jaccard(other->stems, candidate.stems) >= 0.6;
        });
        if (redundant) continue;
        bool new_source =
            std::find(sources.begin(), sources.end(), candidate.chosen.passage) == sources.end();
        if (new_source && static_cast<int>(sources.size()) >= options.max_sources) continue;
        if (new_source) sources.push_back(candidate.chosen.passage);
        picked.push_back(&candidate);
    }
    if (picked.empty()) return plan;
    plan.answered = true;
    // Reading order: the best sentence's passage first, then the others as they were picked;
    // within a passage, in the order the sentences are written.
    for (int source : sources) {
        std::vector<ChosenSentence> group;
        for (const Candidate* c : picked)
            if (c->chosen.passage == source) group.push_back(c->chosen);
        std::sort(group.begin(), group.end(), [](const ChosenSentence& a, const ChosenSentence& b) {
            return a.span.start < b.span.start;
        });
        plan.sentences.insert(plan.sentences.end(), group.begin(), group.end());
    }
    return plan;
}

std::string render_cited_sentence(std::string_view sentence, int number) {
    std::string text;
    text.reserve(sentence.size() + 8);
    bool space = false;
    for (char c : without_reference_marks(sentence)) {
        if (is_space(c)) {
            space = !text.empty();
            continue;
        }
        if (space) text += ' ';
        space = false;
        text += c;
    }
    for (std::string_view bullet : {"- ", "* ", "\u2022 ", "\u2022", "\u25aa ", "\u2013 "})
        if (text.starts_with(bullet)) {
            text.erase(0, bullet.size());
            break;
        }
    std::string citation = " [" + std::to_string(number) + "]";
    // "... 30 days." -> "... 30 days [1]."; a sentence ending otherwise keeps its mark.
    if (text.ends_with("...") || text.ends_with("\u2026")) return text + citation + ".";
    if (!text.empty() && (text.back() == '.' || text.back() == '!' || text.back() == '?')) {
        char mark = text.back();
        text.pop_back();
        return text + citation + mark;
    }
    if (text.ends_with("\u3002")) {
        text.resize(text.size() - 3);
        return text + citation + "\u3002";
    }
    if (!text.empty() && (text.back() == ':' || text.back() == ';' || text.back() == ','))
        text.pop_back();
    return text + citation + ".";
}

}  // namespace deskside::answer
