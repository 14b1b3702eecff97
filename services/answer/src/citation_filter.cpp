#include "citation_filter.h"

#include <cctype>
#include <optional>
#include <vector>

namespace deskside::answer {
namespace {

constexpr std::size_t kLongestCitation = 40;  // "[1, 2, 3, ...]" longer is not a citation

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

enum class Parse { incomplete, citation, not_citation };

// Parses a citation group starting at text[0] == '['. On success, `numbers` holds its numbers
// and `length` the bytes it takes (up to and including ']').
Parse parse_group(std::string_view text, std::vector<int>& numbers, std::size_t& length) {
    numbers.clear();
    std::optional<int> current;
    std::optional<int> range_from;
    auto close_number = [&]() {
        if (!current) return;
        if (range_from) {
            int from = *range_from, to = *current;
            if (from <= to && to - from < 50)
                for (int n = from; n <= to; ++n) numbers.push_back(n);
            else
                numbers.push_back(to);
            range_from.reset();
        } else {
            numbers.push_back(*current);
        }
        current.reset();
    };
    for (std::size_t i = 1; i < text.size(); ++i) {
        if (i > kLongestCitation) return Parse::not_citation;
        char c = text[i];
        if (std::isdigit(static_cast<unsigned char>(c))) {
            int value = current.value_or(0) * 10 + (c - '0');
            if (value > 100000) return Parse::not_citation;
            current = value;
        } else if (c == ',' || c == ';' || c == ' ') {
            close_number();
        } else if (c == '-') {
            if (!current) return Parse::not_citation;
            range_from = current;
            current.reset();
        } else if (c == ']') {
            close_number();
            if (numbers.empty()) return Parse::not_citation;
            length = i + 1;
            return Parse::citation;
        } else if (text.substr(i).starts_with("\u2013")) {  // en dash range
            if (!current) return Parse::not_citation;
            range_from = current;
            current.reset();
            i += 2;
        } else {
            return Parse::not_citation;
        }
    }
    return Parse::incomplete;
}

}  // namespace

CitationFilter::CitationFilter(int given, Sink sink) : given_(given), sink_(std::move(sink)) {}

bool CitationFilter::emit(std::string_view piece) {
    if (piece.empty() || !open_) return open_;
    text_.append(piece);
    if (sink_ && !sink_(piece)) open_ = false;
    return open_;
}

bool CitationFilter::feed(std::string_view piece) {
    if (!open_) return false;
    pending_.append(piece);
    return process(false);
}

bool CitationFilter::finish() {
    if (!open_) return false;
    return process(true);
}

bool CitationFilter::process(bool at_end) {
    std::vector<int> numbers;
    while (open_) {
        // Leading whitespace of the whole answer is dropped.
        if (text_.empty()) {
            std::size_t skip = 0;
            while (skip < pending_.size() && is_space(pending_[skip])) ++skip;
            pending_.erase(0, skip);
        }
        std::size_t bracket = pending_.find('[');
        if (bracket == std::string::npos) {
            // Hold trailing whitespace: a citation to remove may follow it.
            std::size_t keep = pending_.size();
            while (keep > 0 && is_space(pending_[keep - 1])) --keep;
            if (at_end) {
                emit(std::string_view(pending_).substr(0, keep));
                pending_.clear();
            } else {
                emit(std::string_view(pending_).substr(0, keep));
                pending_.erase(0, keep);
            }
            return open_;
        }
        std::size_t space_start = bracket;
        while (space_start > 0 && is_space(pending_[space_start - 1])) --space_start;
        std::size_t length = 0;
        Parse parse = parse_group(std::string_view(pending_).substr(bracket), numbers, length);
        if (parse == Parse::incomplete && !at_end) {
            emit(std::string_view(pending_).substr(0, space_start));
            pending_.erase(0, space_start);
            return open_;
        }
        if (parse != Parse::citation) {
            // Not a citation: send through the bracket and look further on.
            emit(std::string_view(pending_).substr(0, bracket + 1));
            pending_.erase(0, bracket + 1);
            continue;
        }
        std::vector<int> kept;
        for (int n : numbers) {
            if (n >= 1 && n <= given_) {
                kept.push_back(n);
                cited_.insert(n);
            } else {
                removed_.insert(n);
            }
        }
        std::string group;
        if (kept.size() == numbers.size()) {
            group = pending_.substr(space_start, bracket + length - space_start);
        } else if (!kept.empty()) {
            group = pending_.substr(space_start, bracket - space_start) + "[";
            for (std::size_t i = 0; i < kept.size(); ++i)
                group += (i ? ", " : "") + std::to_string(kept[i]);
            group += "]";
        }
        emit(std::string_view(pending_).substr(0, space_start));
        emit(group);
        pending_.erase(0, bracket + length);
    }
    return open_;
}

std::set<int> find_citations(std::string_view text) {
    std::set<int> found;
    std::vector<int> numbers;
    for (std::size_t pos = text.find('['); pos != std::string_view::npos;
         pos = text.find('[', pos + 1)) {
        std::size_t length = 0;
        if (parse_group(text.substr(pos), numbers, length) == Parse::citation)
            found.insert(numbers.begin(), numbers.end());
    }
    return found;
}

}  // namespace deskside::answer
