// A line-based reading of CommonMark/GFM that keeps what search needs: headings with their
// level, one paragraph block per paragraph, list item, quote or fenced code block, one table_row
// per GFM table row, and the text of links and images without their markup. Nested structure
// (lists in quotes, lazy continuation subtleties) is flattened, which costs nothing for search.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "base/dates.h"
#include "ingest/extractor.h"
#include "ingest/text_decoding.h"

namespace deskside::ingest {
namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
    while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
    return text;
}

std::string_view ltrim(std::string_view text) {
    while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
    return text;
}

bool is_alnum(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || (c & 0x80);
}

bool all_of_char(std::string_view text, char c) {
    return !text.empty() && std::all_of(text.begin(), text.end(), [c](char x) { return x == c; });
}

// Position just past the bracket that closes the one at text[open], or npos.
std::size_t find_closing(std::string_view text, std::size_t open, char open_char, char close_char) {
    int depth = 0;
    for (std::size_t i = open; i < text.size(); ++i) {
        if (text[i] == '\\')
            ++i;
        else if (text[i] == open_char)
            ++depth;
        else if (text[i] == close_char && --depth == 0)
            return i + 1;
    }
    return std::string_view::npos;
}

// Inline markup removed: emphasis, code spans, links and images (their text kept), HTML tags,
// backslash escapes.
std::string strip_inline(std::string_view text, int depth = 0) {
    std::string out;
    for (std::size_t i = 0; i < text.size();) {
        char c = text[i];
        if (c == '\\' && i + 1 < text.size() &&
            std::ispunct(static_cast<unsigned char>(text[i + 1]))) {
            out += text[i + 1];
            i += 2;
        } else if (c == '`') {
            std::size_t run = text.find_first_not_of('`', i) - i;
            if (i + run > text.size()) run = text.size() - i;
            std::string fence(run, '`');
            std::size_t close = text.find(fence, i + run);
            if (close == std::string_view::npos) {
                out += fence;
                i += run;
                continue;
            }
            out += trim(text.substr(i + run, close - i - run));
            i = close + run;
        } else if ((c == '[' || (c == '!' && i + 1 < text.size() && text[i + 1] == '[')) &&
                   depth < 8) {
            std::size_t open = c == '!' ? i + 1 : i;
            std::size_t close = find_closing(text, open, '[', ']');
            if (close == std::string_view::npos) {
                out += c;
                ++i;
                continue;
            }
            std::string_view label = text.substr(open + 1, close - open - 2);
            std::size_t end = close;
            if (close < text.size() && text[close] == '(')
                end = find_closing(text, close, '(', ')');
            else if (close < text.size() && text[close] == '[')
                end = find_closing(text, close, '[', ']');
            if (end == std::string_view::npos) end = close;
            out += strip_inline(label, depth + 1);
            i = end;
        } else if (c == '<') {
            std::size_t close = text.find('>', i);
            std::string_view inside =
                close == std::string_view::npos ? "" : text.substr(i + 1, close - i - 1);
            if (inside.find("://") != std::string_view::npos || inside.starts_with("mailto:")) {
                out += inside;  // autolink
                i = close + 1;
            } else if (!inside.empty() && (std::isalpha(static_cast<unsigned char>(inside[0])) ||
                                           inside[0] == '/' || inside[0] == '!')) {
                i = close + 1;  // inline HTML tag
            } else {
                out += c;
                ++i;
            }
        } else if (c == '*' || c == '~' || c == '_') {
            std::size_t run = std::min(text.find_first_not_of(c, i), text.size()) - i;
            bool before = i > 0 && is_alnum(text[i - 1]);
            bool after = i + run < text.size() && is_alnum(text[i + run]);
            bool spaced = (i == 0 || is_space(text[i - 1])) &&
                          (i + run == text.size() || is_space(text[i + run]));
            // "snake_case", "5 * 3" and a single "~" are text, not markup.
            bool literal = spaced || (c == '_' && before && after) || (c == '~' && run == 1);
            if (literal) out.append(run, c);
            i += run;
        } else {
            out += c;
            ++i;
        }
    }
    return std::string(trim(out));
}

struct ListMarker {
    bool found = false;
    std::string_view rest;
};

ListMarker list_marker(std::string_view line) {
    line = ltrim(line);
    std::size_t digits = 0;
    while (digits < line.size() && digits < 9 &&
           std::isdigit(static_cast<unsigned char>(line[digits])))
        ++digits;
    std::size_t marker = 0;
    if (!line.empty() && (line[0] == '-' || line[0] == '*' || line[0] == '+'))
        marker = 1;
    else if (digits > 0 && digits < line.size() && (line[digits] == '.' || line[digits] == ')'))
        marker = digits + 1;
    if (marker == 0 || (marker < line.size() && !is_space(line[marker]))) return {};
    std::string_view rest = ltrim(line.substr(std::min(marker, line.size())));
    if (rest.starts_with("[ ] ") || rest.starts_with("[x] ") || rest.starts_with("[X] "))
        rest.remove_prefix(4);
    return {true, rest};
}

bool is_thematic_break(std::string_view t) {
    std::string compact;
    for (char c : t)
        if (!is_space(c)) compact += c;
    return compact.size() >= 3 &&
           (all_of_char(compact, '-') || all_of_char(compact, '*') || all_of_char(compact, '_'));
}

bool is_table_separator(std::string_view t) {
    if (t.find('-') == std::string_view::npos) return false;
    return std::all_of(t.begin(), t.end(),
                       [](char c) { return c == '|' || c == '-' || c == ':' || is_space(c); }) &&
           t.find('|') != std::string_view::npos;
}

std::string table_row(std::string_view line) {
    line = trim(line);
    if (line.starts_with('|')) line.remove_prefix(1);
    if (line.ends_with('|') && !line.ends_with("\\|")) line.remove_suffix(1);
    std::string row;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= line.size(); ++i) {
        if (i < line.size() && line[i] == '\\') {
            ++i;
            continue;
        }
        if (i < line.size() && line[i] != '|') continue;
        if (!row.empty() || start > 0) row += " | ";
        row += strip_inline(line.substr(start, i - start));
        start = i + 1;
    }
    return row;
}

std::string unquote(std::string_view value) {
    value = trim(value);
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front())
        value = value.substr(1, value.size() - 2);
    return std::string(value);
}

class MarkdownReader {
  public:
    explicit MarkdownReader(ExtractedDocument& document) : document_(document) {}

    void read(std::string_view text) {
        std::vector<std::string_view> lines;
        for (std::size_t start = 0; start <= text.size();) {
            std::size_t eol = text.find('\n', start);
            if (eol == std::string_view::npos) eol = text.size();
            lines.push_back(text.substr(start, eol - start));
            start = eol + 1;
        }
        std::size_t first = front_matter(lines);
        for (std::size_t i = first; i < lines.size(); ++i) line(lines[i]);
        flush();
        if (in_fence_) add(BlockKind::paragraph, code_);
    }

  private:
    // YAML front matter between "---" lines: title, author, date, lang. Returns the body start.
    std::size_t front_matter(const std::vector<std::string_view>& lines) {
        if (lines.empty() || trim(lines[0]) != "---") return 0;
        for (std::size_t i = 1; i < lines.size() && i < 200; ++i) {
            std::string_view t = trim(lines[i]);
            if (t == "---" || t == "...") {
                for (std::size_t k = 1; k < i; ++k) front_matter_field(lines[k]);
                return i + 1;
            }
        }
        return 0;
    }

    void front_matter_field(std::string_view line) {
        std::size_t colon = line.find(':');
        if (colon == std::string_view::npos || is_space(line[0])) return;
        std::string key(trim(line.substr(0, colon)));
        for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        std::string value = unquote(line.substr(colon + 1));
        DocumentMetadata& meta = document_.metadata;
        if (key == "title")
            meta.title = value;
        else if (key == "author")
            meta.author = value;
        else if (key == "date")
            meta.created = parse_iso_datetime(value);
        else if (key == "lang" || key == "language")
            meta.language = value;
    }

    void line(std::string_view raw) {
        if (in_fence_) {
            std::string_view t = trim(raw);
            if (t.size() >= fence_.size() && all_of_char(t, fence_[0])) {  // the closing fence
                add(BlockKind::paragraph, code_);
                code_.clear();
                in_fence_ = false;
            } else {
                if (!code_.empty()) code_ += '\n';
                code_ += raw;
            }
            return;
        }
        std::string_view body = ltrim(raw);
        while (body.starts_with('>')) body = ltrim(body.substr(1));  // block quote markers
        std::string_view t = trim(body);
        if (t.empty()) {
            flush();
            in_table_ = false;
            return;
        }
        if (t.starts_with("```") || t.starts_with("~~~")) {
            flush();
            char c = t[0];
            fence_ = std::string(std::min(t.find_first_not_of(c), t.size()), c);
            in_fence_ = true;
            return;
        }
        if (t[0] == '#') {
            std::size_t level = std::min(t.find_first_not_of('#'), t.size());
            if (level <= 6 && (level == t.size() || is_space(t[level]))) {
                flush();
                std::string_view title = trim(t.substr(level));
                while (title.ends_with('#')) title.remove_suffix(1);
                add(BlockKind::heading, strip_inline(title), static_cast<int>(level));
                return;
            }
        }
        if (!paragraph_.empty() && !list_item_ &&
            (all_of_char(t, '=') || (t.size() >= 2 && all_of_char(t, '-')))) {
            std::string heading = strip_inline(paragraph_);
            paragraph_.clear();
            paragraph_lines_ = 0;
            add(BlockKind::heading, heading, t[0] == '=' ? 1 : 2);
            return;
        }
        if (is_thematic_break(t)) {
            flush();
            return;
        }
        if (is_table_separator(t) && paragraph_lines_ == 1 &&
            paragraph_.find('|') != std::string::npos) {
            std::string header = table_row(paragraph_);
            paragraph_.clear();
            paragraph_lines_ = 0;
            add(BlockKind::table_row, header);
            in_table_ = true;
            return;
        }
        if (in_table_ && t.find('|') != std::string_view::npos) {
            add(BlockKind::table_row, table_row(t));
            return;
        }
        in_table_ = false;
        if (t[0] == '[' && t.find("]:") != std::string_view::npos && t.find("]:") < t.find(' '))
            return;
        if (ListMarker item = list_marker(body); item.found) {
            flush();
            list_item_ = true;
            paragraph_ = item.rest;
            paragraph_lines_ = 1;
            return;
        }
        if (!paragraph_.empty()) paragraph_ += raw.ends_with("  ") ? '\n' : ' ';
        paragraph_ += t;
        ++paragraph_lines_;
    }

    void flush() {
        if (!paragraph_.empty()) add(BlockKind::paragraph, strip_inline(paragraph_));
        paragraph_.clear();
        paragraph_lines_ = 0;
        list_item_ = false;
    }

    void add(BlockKind kind, std::string_view text, int level = 0) {
        text = trim(text);
        if (text.empty()) return;
        Block block;
        block.kind = kind;
        block.text = std::string(text);
        block.level = level;
        document_.blocks.push_back(std::move(block));
    }

    ExtractedDocument& document_;
    std::string paragraph_;
    int paragraph_lines_ = 0;
    bool list_item_ = false;
    bool in_table_ = false;
    bool in_fence_ = false;
    std::string fence_;
    std::string code_;
};

class MarkdownExtractor final : public Extractor {
  public:
    std::string_view name() const override { return "markdown"; }
    bool accepts(const FileType& type) const override { return type.format == "markdown"; }

    ExtractedDocument extract(const SourceFile& file,
                              const ExtractOptions& options) const override {
        DecodedText decoded = decode_text(file.bytes);
        ExtractedDocument document;
        document.format = "markdown";
        document.metadata.encoding = decoded.encoding;
        MarkdownReader(document).read(decoded.utf8);
        if (document.metadata.title.empty()) {
            auto h1 = std::find_if(
                document.blocks.begin(), document.blocks.end(),
                [](const Block& b) { return b.kind == BlockKind::heading && b.level == 1; });
            if (h1 != document.blocks.end()) document.metadata.title = h1->text;
        }
        // Markup only shrinks text, so the cap is enforced on the output afterwards.
        std::int64_t used = 0;
        for (std::size_t i = 0; i < document.blocks.size(); ++i) {
            used += static_cast<std::int64_t>(document.blocks[i].text.size());
            if (used > options.max_output_bytes) {
                document.blocks.resize(i);
                document.warnings.push_back("text truncated at " +
                                            std::to_string(options.max_output_bytes) +
                                            " bytes (max_output_bytes)");
                break;
            }
        }
        return document;
    }
};

}  // namespace

std::unique_ptr<Extractor> make_markdown_extractor() {
    return std::make_unique<MarkdownExtractor>();
}

}  // namespace deskside::ingest
