// Paragraphs from positioned words (see page_layout.h). Poppler already orders the words well
// (columns, then lines); what it does not give is where paragraphs end and which text is a
// heading, and on pages of short, widely spaced lines it reads side-by-side text boxes row by
// row. All thresholds are in units of the line's own height, so they hold at any font size.
#include "pdf/page_layout.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <iterator>
#include <map>
#include <optional>

#include "base/utf8.h"
#include "pdf/bidi.h"
#include "pdf/text_cleanup.h"

namespace deskside::ingest::pdf {
namespace {

// Limits of the geometry rules, in line heights unless said otherwise.
constexpr double kMinWordOverlap = 0.4;  // vertical overlap that keeps a word on the line
constexpr double kBacktrack = 0.5;       // a word this far left of the last one starts a line
constexpr double kWordGap = 0.25;        // a gap this wide is a space even if poppler says not
constexpr double kColumnGap = 2.5;       // a gap this wide separates columns or table cells
constexpr double kLooseRows = 0.8;       // rows this far apart are no lines of one paragraph
constexpr double kExtraGap = 0.45;       // line gap above the page's usual one: new paragraph
constexpr double kSizeChange = 1.2;      // height ratio between lines that ends a paragraph
constexpr double kMinIndent = 0.7;       // first-line indent of a new paragraph...
constexpr double kMaxIndent = 8.0;       // ...and more than this is a different column
constexpr double kShortLine = 2.0;       // a line ending this far before the right edge is short
constexpr double kChainGap = 2.0;        // blocks this close above each other continue a column
constexpr double kHeadingRatio = 1.2;    // heading: this much taller than the page's body text
constexpr std::size_t kMaxHeadingLines = 3;
constexpr std::size_t kMaxHeadingChars = 200;

// A box in the word's writing frame: u runs along the line, v from one line to the next.
struct Box {
    double u0 = 0, u1 = 0, v0 = 0, v1 = 0;
    double height() const { return v1 - v0; }
    double center() const { return (v0 + v1) / 2; }
    void unite(const Box& other) {
        u0 = std::min(u0, other.u0);
        u1 = std::max(u1, other.u1);
        v0 = std::min(v0, other.v0);
        v1 = std::max(v1, other.v1);
    }
};

Box text_frame(const Word& word) {
    switch (word.rotation & 3) {
        case 1:
            return {word.y0, word.y1, -word.x1, -word.x0};  // reads downwards
        case 2:
            return {-word.x1, -word.x0, -word.y1, -word.y0};
        case 3:
            return {-word.y1, -word.y0, word.x0, word.x1};  // reads upwards
        default:
            return {word.x0, word.x1, word.y0, word.y1};
    }
}

double overlap(double a0, double a1, double b0, double b1) {
    return std::min(a1, b1) - std::max(a0, b0);
}

char32_t first_code_point(std::string_view text) {
    std::size_t pos = 0;
    return text.empty() ? 0 : utf8::decode(text, pos);
}

// Start of the last code point of `text`.
std::size_t last_start(std::string_view text) {
    std::size_t pos = text.size();
    while (pos > 0 && (static_cast<unsigned char>(text[pos - 1]) & 0xC0) == 0x80) --pos;
    return pos > 0 ? pos - 1 : 0;
}

char32_t last_code_point(std::string_view text) {
    if (text.empty()) return 0;
    std::size_t pos = last_start(text);
    return utf8::decode(text, pos);
}

std::size_t code_points(std::string_view text) {
    std::size_t count = 0;
    for (char c : text) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    return count;
}

bool is_lower(char32_t cp) {
    return (cp >= 'a' && cp <= 'z') || (cp >= 0xDF && cp <= 0xFF && cp != 0xF7) ||
           (cp >= 0x430 && cp <= 0x45F) || (cp >= 0x3AC && cp <= 0x3CE);
}

bool is_letter(char32_t cp) {
    return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
           (cp >= 0xC0 && cp != 0xD7 && cp != 0xF7 && cp < 0x2000);
}

template <std::size_t N>
bool one_of(char32_t cp, const char32_t (&set)[N]) {
    return std::find(std::begin(set), std::end(set), cp) != std::end(set);
}

// Characters that start a list item: each item is a paragraph of its own.
constexpr char32_t kBullets[] = {0x2022, 0x2023, 0x2043, 0x25AA, 0x25AB, 0x25CF, 0x25CB, 0x25E6,
                                 0x25A0, 0x25A1, 0x27A2, 0x25BA, 0x2013, 0x2014, 0xB7,   0x2219};
constexpr char32_t kClosers[] = {')', ']', '"', '\'', 0x201D, 0x2019, 0xBB, ' '};
constexpr char32_t kSentenceEnds[] = {'.', '!', '?', ':', 0x2026, 0x3002, 0xFF01, 0xFF1F};

// Whether a line ends a sentence: its last character, past closing quotes and brackets, is a
// full stop, question or exclamation mark, or a colon.
bool ends_sentence(std::string_view text) {
    while (!text.empty()) {
        char32_t cp = last_code_point(text);
        text = text.substr(0, last_start(text));
        if (!one_of(cp, kClosers)) return one_of(cp, kSentenceEnds);
    }
    return false;
}

// Whitespace-free text, for finding text in the raw-order text whatever the spacing: the first
// `limit` bytes (whole code points).
std::string squeezed(std::string_view text, std::size_t limit) {
    std::string out;
    for (char c : text) {
        if (c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f') continue;
        if (out.size() >= limit && (static_cast<unsigned char>(c) & 0xC0) != 0x80) break;
        out += c;
    }
    return out;
}

// The last `limit` or so bytes of squeezed(text), from a code point boundary.
std::string squeezed_tail(std::string_view text, std::size_t limit) {
    std::string all = squeezed(text, std::string::npos);
    std::size_t start = all.size() > limit ? all.size() - limit : 0;
    while (start > 0 && (static_cast<unsigned char>(all[start]) & 0xC0) == 0x80) --start;
    return all.substr(start);
}

// Answers questions about the order in which the content stream draws text, from the
// raw-order text, fetched once, on first need (most pages never ask).
class StreamOrder {
  public:
    explicit StreamOrder(const RawOrderText& source) : source_(source) {}

    // Whether the stream draws `a` before `b` (both found in it).
    bool before(std::string_view a, std::string_view b) {
        const std::string& text = stream();
        std::string first = squeezed(a, 40);
        std::string second = squeezed(b, 40);
        if (first.empty() || second.empty() || first == second) return false;
        std::size_t at_a = text.find(first);
        std::size_t at_b = text.find(second);
        return at_a != std::string::npos && at_b != std::string::npos && at_a < at_b;
    }

    // Whether `right` follows `left` directly in the stream: one run of text with wide spaces,
    // not two columns that happen to share a baseline. True when the stream says nothing.
    bool adjacent(std::string_view left, std::string_view right) {
        const std::string& text = stream();
        if (text.empty()) return true;
        return text.find(squeezed_tail(left, 24) + squeezed(right, 24)) != std::string::npos;
    }

  private:
    const std::string& stream() {
        if (!text_) text_ = source_ ? squeezed(source_(), std::string::npos) : std::string();
        return *text_;
    }

    const RawOrderText& source_;
    std::optional<std::string> text_;
};

struct Line {
    std::string text;  // in logical order
    Box box;
    int rotation = 0;
    double height = 0;  // of its longest word, so superscripts and drop caps do not count
    std::size_t longest = 0;
    std::size_t chars = 0;
    bool rtl = false;  // written right to left: its start is at the right edge
};

struct Block {
    std::vector<Line> lines;
    std::vector<bool> full;  // per line: whether it runs to the block's far edge
    Box box;
    int rotation = 0;
    double height = 0;  // of its longest line
    std::size_t longest = 0;
    std::size_t chars = 0;
    int heading_level = 0;
};

// Words that share a baseline, left to right, as poppler lists them.
using WordRun = std::vector<const Word*>;

std::string run_text(const WordRun& run, std::size_t from, std::size_t to) {
    std::string out;
    for (std::size_t i = from; i < to; ++i) out += run[i]->text;
    return out;
}

// A gap between two words of a run wide enough to separate columns: [from, to] along the
// line, before word `at`.
struct Gutter {
    double from = 0, to = 0;
    std::size_t at = 0;
};

std::vector<Gutter> gutters(const WordRun& run) {
    std::vector<Gutter> out;
    for (std::size_t i = 1; i < run.size(); ++i) {
        Box left = text_frame(*run[i - 1]);
        Box right = text_frame(*run[i]);
        if (right.u0 - left.u1 > kColumnGap * std::max(left.height(), right.height()))
            out.push_back({left.u1, right.u0, i});
    }
    return out;
}

Box run_box(const WordRun& run) {
    Box box = text_frame(*run.front());
    for (const Word* word : run) box.unite(text_frame(*word));
    return box;
}

// Whether `neighbour`, the run before or after `run`, is a loose row (well apart from it) cut
// by a gutter that overlaps `gutter`: the pattern of side-by-side text boxes that poppler
// reads row by row, and of loosely set tables.
bool shares_gutter(const WordRun& run, const WordRun& neighbour, const Gutter& gutter) {
    if (run.front()->rotation != neighbour.front()->rotation) return false;
    Box a = run_box(run);
    Box b = run_box(neighbour);
    double distance = std::max(b.v0 - a.v1, a.v0 - b.v1);
    if (distance < kLooseRows * std::min(a.height(), b.height())) return false;
    for (const Gutter& g : gutters(neighbour))
        if (overlap(g.from, g.to, gutter.from, gutter.to) > 0) return true;
    return false;
}

Line make_line(const WordRun& run) {
    Line line;
    line.rotation = run.front()->rotation;
    std::vector<VisualWord> visual;
    Box last;
    for (const Word* word : run) {
        Box box = text_frame(*word);
        double height = std::max(box.height(), 0.01);
        std::size_t chars = code_points(word->text);
        if (visual.empty()) {
            line.box = box;
        } else {
            char32_t before = last_code_point(visual.back().text);
            char32_t after = first_code_point(word->text);
            bool wide_gap = box.u0 - last.u1 > kWordGap * std::min(height, last.height());
            visual.back().space_after =
                visual.back().space_after ||
                (wide_gap && !(joins_without_space(before) && joins_without_space(after)));
            line.box.unite(box);
        }
        line.chars += chars;
        if (chars > line.longest) {
            line.longest = chars;
            line.height = height;
        }
        visual.push_back({word->text, word->space_after});
        last = box;
    }
    if (std::any_of(visual.begin(), visual.end(),
                    [](const VisualWord& w) { return has_rtl(w.text); })) {
        line.text = logical_line(visual);
        line.rtl = has_rtl(std::string_view(line.text).substr(0, 16));
    } else {
        for (const VisualWord& word : visual)
            line.text += word.text + (word.space_after ? " " : "");
        if (!line.text.empty() && line.text.back() == ' ') line.text.pop_back();
    }
    return line;
}

std::vector<Line> build_lines(const std::vector<Word>& words, StreamOrder& stream) {
    std::vector<WordRun> runs;
    Box line_box;
    Box last;  // the previous word
    for (const Word& word : words) {
        if (word.text.empty()) continue;
        Box box = text_frame(word);
        bool same_line = false;
        if (!runs.empty() && runs.back().back()->rotation == word.rotation) {
            double small = std::min(box.height(), line_box.height());
            same_line =
                overlap(box.v0, box.v1, line_box.v0, line_box.v1) > kMinWordOverlap * small &&
                box.u0 > last.u1 - kBacktrack * small;
        }
        if (same_line) {
            runs.back().push_back(&word);
            line_box.unite(box);
        } else {
            runs.push_back({&word});
            line_box = box;
        }
        last = box;
    }
    // A run is cut at a gutter only where neighbouring rows share it and the content stream
    // does not draw both sides as one piece of text (a line set with very wide spaces).
    std::vector<Line> lines;
    for (std::size_t r = 0; r < runs.size(); ++r) {
        const WordRun& run = runs[r];
        std::size_t start = 0;
        for (const Gutter& gutter : gutters(run)) {
            bool rows = (r > 0 && shares_gutter(run, runs[r - 1], gutter)) ||
                        (r + 1 < runs.size() && shares_gutter(run, runs[r + 1], gutter));
            if (!rows || stream.adjacent(run_text(run, start, gutter.at),
                                         run_text(run, gutter.at, run.size())))
                continue;
            lines.push_back(make_line(WordRun(run.begin() + start, run.begin() + gutter.at)));
            start = gutter.at;
        }
        lines.push_back(make_line(WordRun(run.begin() + start, run.end())));
    }
    return lines;
}

// The usual gap between consecutive lines of running text on the page, in line heights.
double usual_line_gap(const std::vector<Line>& lines) {
    std::vector<double> gaps;
    for (std::size_t i = 1; i < lines.size(); ++i) {
        const Line& p = lines[i - 1];
        const Line& n = lines[i];
        double h = std::min(p.height, n.height);
        if (p.rotation != n.rotation || std::max(p.height, n.height) > 1.15 * h ||
            n.box.center() <= p.box.center() ||
            overlap(p.box.u0, p.box.u1, n.box.u0, n.box.u1) <= 0)
            continue;
        double gap = (n.box.v0 - p.box.v1) / h;
        if (gap > -0.5 && gap < 1.5) gaps.push_back(gap);
    }
    if (gaps.size() < 3) return 0.2;
    auto middle = gaps.begin() + static_cast<std::ptrdiff_t>(gaps.size() / 2);
    std::nth_element(gaps.begin(), middle, gaps.end());
    return *middle;
}

// Whether line `n` starts a new paragraph after `block`, whose last line is `p`.
bool starts_paragraph(const Block& block, const Line& p, const Line& n, double gap_limit) {
    if (n.rotation != p.rotation) return true;
    double h = std::min(p.height, n.height);
    if (n.box.center() < p.box.center() + 0.5 * h) return true;  // not below: another column
    if ((n.box.v0 - p.box.v1) / h > gap_limit) return true;
    if (n.box.u1 < block.box.u0 || n.box.u0 > block.box.u1) return true;
    if (std::max(p.height, n.height) > kSizeChange * h) return true;
    double left = block.box.u0;
    double right = std::max(block.box.u1, n.box.u1);
    if (one_of(first_code_point(n.text), kBullets)) return true;
    // Measured from where lines start: the left edge, or the right one for right-to-left text.
    double short_by = std::max(kShortLine * h, 0.1 * (right - left));
    bool p_short = p.rtl ? p.box.u0 > left + short_by : p.box.u1 < right - short_by;
    bool sentence_end = ends_sentence(p.text);
    if (p_short && sentence_end) return true;
    double indent = p.rtl ? right - n.box.u1 : n.box.u0 - left;
    bool p_at_margin = p.rtl ? p.box.u1 > right - 0.3 * h : p.box.u0 < left + 0.3 * h;
    return indent > kMinIndent * h && indent < kMaxIndent * h && p_at_margin &&
           (sentence_end || p_short) && block.lines.size() > 1;
}

std::vector<Block> build_blocks(std::vector<Line> lines) {
    std::vector<Block> blocks;
    double gap_limit = usual_line_gap(lines) + kExtraGap;
    for (Line& line : lines) {
        if (blocks.empty() ||
            starts_paragraph(blocks.back(), blocks.back().lines.back(), line, gap_limit)) {
            blocks.push_back(Block{});
            blocks.back().box = line.box;
            blocks.back().rotation = line.rotation;
        }
        Block& block = blocks.back();
        block.box.unite(line.box);
        block.chars += line.chars;
        if (line.chars > block.longest) {
            block.longest = line.chars;
            block.height = line.height;
        }
        block.lines.push_back(std::move(line));
    }
    for (Block& block : blocks) {
        for (const Line& line : block.lines) {
            double slack = std::max(kShortLine * line.height, 0.1 * (block.box.u1 - block.box.u0));
            block.full.push_back(line.rtl ? line.box.u0 <= block.box.u0 + slack
                                          : line.box.u1 >= block.box.u1 - slack);
        }
    }
    return blocks;
}

// The block that continues block `i` downwards in the same column, if exactly one does: close
// below it, overlapping it horizontally, in the same type size, nothing else in between.
std::optional<std::size_t> block_below(const std::vector<Block>& blocks, std::size_t i) {
    const Block& a = blocks[i];
    std::optional<std::size_t> found;
    double best = 0;
    int candidates = 0;
    for (std::size_t j = 0; j < blocks.size(); ++j) {
        const Block& b = blocks[j];
        if (j == i || b.rotation != a.rotation) continue;
        double h = std::min(a.height, b.height);
        double gap = b.box.v0 - a.box.v1;
        double width = std::min(a.box.u1 - a.box.u0, b.box.u1 - b.box.u0);
        if (gap < -0.2 * h || gap > kChainGap * h ||
            overlap(a.box.u0, a.box.u1, b.box.u0, b.box.u1) < 0.5 * width)
            continue;
        ++candidates;
        if (!found || gap < best) {
            found = j;
            best = gap;
        }
    }
    if (candidates != 1 || std::max(a.height, blocks[*found].height) >
                               kSizeChange * std::min(a.height, blocks[*found].height))
        return std::nullopt;
    return found;
}

// Poppler reads side-by-side boxes of short, widely spaced lines row by row; follow each column
// down before moving right. Only pulls blocks forward, along unambiguous chains, and only when
// the content stream draws them in that order too: the same geometry is also a table, whose
// rows come first.
std::vector<Block> follow_columns(std::vector<Block> blocks, StreamOrder& stream) {
    std::size_t n = blocks.size();
    std::vector<std::optional<std::size_t>> below(n);
    std::vector<int> above_count(n, 0);
    for (std::size_t i = 0; i < n; ++i) {
        below[i] = block_below(blocks, i);
        if (below[i]) ++above_count[*below[i]];
    }
    std::vector<bool> done(n, false);
    std::vector<std::size_t> order;
    order.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t k = i; k < n && !done[k];) {
            done[k] = true;
            order.push_back(k);
            if (!below[k] || *below[k] < k || above_count[*below[k]] != 1) break;
            std::size_t next = *below[k];
            std::size_t skipped = k + 1;
            while (skipped < next && done[skipped]) ++skipped;
            if (skipped < next &&
                !stream.before(blocks[next].lines.front().text, blocks[skipped].lines.front().text))
                break;
            k = next;
        }
    }
    std::vector<Block> ordered;
    ordered.reserve(n);
    for (std::size_t index : order) ordered.push_back(std::move(blocks[index]));
    return ordered;
}

// Large type: the page's body text size is the one most characters are set in.
void mark_headings(std::vector<Block>& blocks) {
    std::map<long, std::size_t> chars_by_height;
    std::size_t total = 0;
    for (const Block& block : blocks) {
        for (const Line& line : block.lines) {
            chars_by_height[std::lround(line.height * 2)] += line.chars;
            total += line.chars;
        }
    }
    if (total == 0) return;
    auto body = std::max_element(chars_by_height.begin(), chars_by_height.end(),
                                 [](const auto& a, const auto& b) { return a.second < b.second; });
    double body_height = static_cast<double>(body->first) / 2;
    if (body_height <= 0 || body->second * 3 < total) return;  // no dominant body text
    for (Block& block : blocks) {
        double ratio = block.height / body_height;
        if (ratio < kHeadingRatio || block.lines.size() > kMaxHeadingLines ||
            block.chars > kMaxHeadingChars)
            continue;
        // Headings hold letters, start with no lower-case letter, and are no sentence (tall
        // formulas and drop caps are also large type).
        const std::string& first = block.lines.front().text;
        const std::string& last = block.lines.back().text;
        bool letters = false;
        for (std::size_t pos = 0; pos < first.size() && !letters;)
            letters = is_letter(utf8::decode(first, pos));
        char32_t end = last_code_point(last);
        bool sentence = end == ',' || end == ';' || (end == '.' && block.chars > 40);
        if (letters && !is_lower(first_code_point(first)) && !sentence)
            block.heading_level = ratio >= 1.8 ? 1 : ratio >= 1.4 ? 2 : 3;
    }
}

// Appends a line to a paragraph: de-hyphenated, without a space between CJK characters, with a
// space after a full line and a line break after a short one (lists, addresses).
void append_line(std::string& text, std::string_view line, bool previous_full) {
    if (text.empty()) {
        text = line;
        return;
    }
    std::size_t last = last_start(text);
    char32_t end = last_code_point(text);
    char32_t next = first_code_point(line);
    if (end == 0xAD) {
        text.resize(last);
    } else if ((end == '-' || end == 0x2010) && last > 0 &&
               is_letter(last_code_point(std::string_view(text).substr(0, last)))) {
        if (is_lower(next)) text.resize(last);  // "compi-" "lation"; keep "Trace-" "Monkey"
    } else if (!(joins_without_space(end) && joins_without_space(next))) {
        text += previous_full ? ' ' : '\n';
    }
    text += line;
}

}  // namespace

std::string join_lines(const std::vector<std::string>& lines) {
    std::string text;
    for (const std::string& line : lines) append_line(text, line, true);
    return text;
}

std::vector<Paragraph> lay_out_words(const std::vector<Word>& words,
                                     const RawOrderText& raw_order_text) {
    StreamOrder stream(raw_order_text);
    std::vector<Block> blocks = follow_columns(build_blocks(build_lines(words, stream)), stream);
    mark_headings(blocks);
    std::vector<Paragraph> paragraphs;
    for (const Block& block : blocks) {
        std::string text;
        for (std::size_t i = 0; i < block.lines.size(); ++i)
            append_line(text, block.lines[i].text, i > 0 && block.full[i - 1]);
        std::string clean = clean_text(text);
        if (!clean.empty()) paragraphs.push_back({std::move(clean), block.heading_level});
    }
    return paragraphs;
}

}  // namespace deskside::ingest::pdf
