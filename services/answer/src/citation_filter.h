// Checks a model's citations while its answer streams. Every bracketed group of numbers
// ("[2]", "[1, 3]", "[1-3]", "[1][2]") is parsed as it completes: numbers that name a passage
// given to the model are kept, the others are removed from the text (with the space before
// them) and recorded, so what the client sees equals the final answer text. Text that only
// might start a citation ("... [1") is held back until it is decided; leading and trailing
// whitespace is never sent. Other brackets ("[note]", "[a](url)") pass through unchanged.
//
// One instance per answer, used on one thread; it does not throw (the sink may).
#pragma once

#include <functional>
#include <set>
#include <string>
#include <string_view>

namespace deskside::answer {

class CitationFilter {
  public:
    using Sink = std::function<bool(std::string_view)>;  // false = stop (client gone)

    // Passages 1..given were given to the model.
    CitationFilter(int given, Sink sink);

    // Feeds generated text; returns false once the sink has returned false.
    bool feed(std::string_view piece);
    // Sends whatever is still held (an unfinished bracket is sent as written).
    bool finish();

    const std::string& text() const { return text_; }  // everything sent so far
    const std::set<int>& cited() const { return cited_; }
    const std::set<int>& removed() const { return removed_; }

  private:
    bool emit(std::string_view piece);
    bool process(bool at_end);

    int given_;
    Sink sink_;
    std::string pending_;
    std::string text_;
    std::set<int> cited_;
    std::set<int> removed_;
    bool open_ = true;
};

// Finds the citation groups of a finished text: every number cited (valid or not).
std::set<int> find_citations(std::string_view text);

}  // namespace deskside::answer
