// HTML through libxml2's forgiving parser. We decode to UTF-8 ourselves (BOM, then valid UTF-8,
// then the declared charset, then detection) and tell libxml2 to ignore <meta charset>, because
// real pages declare the wrong charset or none. The tree is walked iteratively with a depth cap,
// so hostile nesting cannot exhaust the stack.
//
// Boilerplate: <nav>, <aside>, <footer>, role="navigation" and a <header> without an <h1> are
// dropped, and so are short blocks made only of link text (menus built from tables or lists),
// unless the page has nothing else.
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <climits>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "base/error.h"
#include "ingest/extractor.h"
#include "ingest/text_decoding.h"

namespace deskside::ingest {
namespace {

constexpr int kMaxDepth = 256;
constexpr std::size_t kCharsetScanBytes = 64 * 1024;
constexpr int kMaxNavigationWords = 8;
constexpr int kMaxCellWords = 60;  // a longer cell is prose laid out with a table

struct DocDeleter {
    void operator()(xmlDocPtr doc) const { xmlFreeDoc(doc); }
};
using HtmlDoc = std::unique_ptr<xmlDoc, DocDeleter>;

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

std::string_view trim(std::string_view text) {
    while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
    while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
    return text;
}

bool starts_with_icase(std::string_view text, std::size_t at, std::string_view prefix) {
    return text.size() - at >= prefix.size() && lower(text.substr(at, prefix.size())) == prefix;
}

// ---- declared charset -------------------------------------------------------------------------

// Attributes of the tag whose name ends at text[pos], up to its '>'; pos is left after it.
std::vector<std::pair<std::string, std::string>> tag_attributes(std::string_view text, std::size_t& pos) {
    std::vector<std::pair<std::string, std::string>> attributes;
    while (pos < text.size() && text[pos] != '>') {
        while (pos < text.size() && (is_space(text[pos]) || text[pos] == '/')) ++pos;
        std::size_t start = pos;
        while (pos < text.size() && !is_space(text[pos]) && text[pos] != '=' && text[pos] != '>' && text[pos] != '/')
            ++pos;
        std::string name = lower(text.substr(start, pos - start));
        std::string value;
        while (pos < text.size() && is_space(text[pos])) ++pos;
        if (pos < text.size() && text[pos] == '=') {
            ++pos;
            while (pos < text.size() && is_space(text[pos])) ++pos;
            char quote = pos < text.size() && (text[pos] == '"' || text[pos] == '\'') ? text[pos++] : 0;
            start = pos;
            while (pos < text.size() && (quote ? text[pos] != quote : !is_space(text[pos]) && text[pos] != '>'))
                ++pos;
            value = std::string(text.substr(start, pos - start));
            if (quote && pos < text.size()) ++pos;
        }
        if (!name.empty()) attributes.emplace_back(std::move(name), std::move(value));
        else if (pos < text.size() && text[pos] != '>') ++pos;
    }
    return attributes;
}

std::string charset_from_content(std::string_view content) {
    std::string low = lower(content);
    std::size_t at = low.find("charset");
    if (at == std::string::npos) return "";
    at = low.find_first_not_of(" \t", at + 7);
    if (at == std::string::npos || low[at] != '=') return "";
    at = low.find_first_not_of(" \t\"'", at + 1);
    if (at == std::string::npos) return "";
    std::size_t end = low.find_first_of(" \t;\"'", at);
    return std::string(content.substr(at, end == std::string::npos ? std::string::npos : end - at));
}

// The charset a page names for itself: XML declaration or <meta>, outside comments and scripts.
std::string declared_charset(std::string_view bytes) {
    std::string_view text = bytes.substr(0, kCharsetScanBytes);
    if (text.starts_with("<?xml")) {
        std::size_t end = text.find("?>");
        std::size_t pos = 5;
        for (auto& [name, value] : tag_attributes(text.substr(0, end), pos))
            if (name == "encoding") return value;
    }
    for (std::size_t pos = text.find('<'); pos != std::string_view::npos; pos = text.find('<', pos + 1)) {
        if (text.substr(pos).starts_with("<!--")) {
            pos = text.find("-->", pos + 4);
            if (pos == std::string_view::npos) break;
        } else if (starts_with_icase(text, pos, "<script")) {
            std::string low = lower(text.substr(pos));
            std::size_t end = low.find("</script");
            if (end == std::string::npos) break;
            pos += end;
        } else if (starts_with_icase(text, pos, "<meta") && pos + 5 < text.size() &&
                   (is_space(text[pos + 5]) || text[pos + 5] == '/')) {
            pos += 5;
            std::string http_equiv, content;
            for (auto& [name, value] : tag_attributes(text, pos)) {
                if (name == "charset") return value;
                if (name == "http-equiv") http_equiv = lower(value);
                if (name == "content") content = value;
            }
            if (http_equiv == "content-type")
                if (std::string charset = charset_from_content(content); !charset.empty()) return charset;
        }
    }
    return "";
}

// ---- dates ----------------------------------------------------------------------------------

// Unix seconds from "YYYY-MM-DD[( |T)HH:MM[:SS]]..." (time zone ignored); nullopt otherwise.
std::optional<std::int64_t> parse_iso_date(std::string_view text) {
    text = trim(text);
    auto digits = [&](std::size_t at, std::size_t n) -> std::optional<int> {
        if (at + n > text.size()) return std::nullopt;
        int value = 0;
        for (std::size_t i = at; i < at + n; ++i) {
            if (!std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
            value = value * 10 + (text[i] - '0');
        }
        return value;
    };
    auto y = digits(0, 4), m = digits(5, 2), d = digits(8, 2);
    if (!y || !m || !d || text[4] != '-' || text[7] != '-') return std::nullopt;
    using namespace std::chrono;
    year_month_day date{year{*y}, month(static_cast<unsigned>(*m)), day(static_cast<unsigned>(*d))};
    if (!date.ok()) return std::nullopt;
    std::int64_t seconds = duration_cast<std::chrono::seconds>(sys_days(date).time_since_epoch()).count();
    if (text.size() > 10 && (text[10] == 'T' || text[10] == ' '))
        if (auto hh = digits(11, 2), mm = digits(14, 2); hh && mm) seconds += *hh * 3600 + *mm * 60;
    return seconds;
}

// ---- tree walking -------------------------------------------------------------------------------

std::string_view name_of(xmlNodePtr node) {
    return node->name ? reinterpret_cast<const char*>(node->name) : "";
}

std::string attribute(xmlNodePtr node, const char* name) {
    xmlChar* value = xmlGetProp(node, reinterpret_cast<const xmlChar*>(name));
    if (!value) return "";
    std::string out(reinterpret_cast<const char*>(value));
    xmlFree(value);
    return out;
}

template <std::size_t N>
bool one_of(std::string_view value, const std::string_view (&options)[N]) {
    return std::find(std::begin(options), std::end(options), value) != std::end(options);
}

constexpr std::string_view kSkipped[] = {
    "script", "style", "noscript", "template", "svg",  "math",   "head",     "title",  "iframe",
    "object", "embed", "canvas",   "select",   "button", "nav", "aside", "footer"};

constexpr std::string_view kBlocks[] = {
    "html",   "body",   "p",       "div",    "section", "article", "main",    "li",      "dt",
    "dd",     "ul",     "ol",      "dl",     "blockquote", "address", "figure", "figcaption",
    "form",   "fieldset", "legend", "center", "caption", "details", "summary", "hr",      "table",
    "thead",  "tbody",  "tfoot",   "tr",     "td",      "th",      "header",  "hgroup",  "noframes"};

int heading_level(std::string_view name) {
    if (name.size() == 2 && name[0] == 'h' && name[1] >= '1' && name[1] <= '6') return name[1] - '0';
    return 0;
}

// Visits the elements under `root` (not root itself) depth-first, up to kMaxDepth below it.
// `visit` returns whether to descend into an element.
template <typename Visit>
void for_each_element(xmlNodePtr root, Visit visit) {
    std::vector<std::pair<xmlNodePtr, int>> stack;
    for (xmlNodePtr child = root->last; child; child = child->prev) stack.emplace_back(child, 1);
    while (!stack.empty()) {
        auto [node, depth] = stack.back();
        stack.pop_back();
        if (node->type != XML_ELEMENT_NODE || !visit(node) || depth >= kMaxDepth) continue;
        for (xmlNodePtr child = node->last; child; child = child->prev) stack.emplace_back(child, depth + 1);
    }
}

bool contains_element(xmlNodePtr root, bool (*match)(std::string_view)) {
    bool found = false;
    for_each_element(root, [&](xmlNodePtr node) {
        found = found || match(name_of(node));
        return !found;
    });
    return found;
}

bool is_dropped(xmlNodePtr node) {
    std::string_view name = name_of(node);
    if (one_of(name, kSkipped)) return true;
    std::string role = lower(attribute(node, "role"));
    if (role == "navigation" || role == "menu" || role == "menubar") return true;
    return name == "header" && !contains_element(node, [](std::string_view n) { return n == "h1"; });
}

// Text of a subtree with whitespace collapsed; counts which of its letters sit inside links.
struct TextRun {
    std::string text;
    std::size_t letters = 0;
    std::size_t link_letters = 0;

    void append(std::string_view raw, bool in_link, bool preformatted = false) {
        for (std::size_t i = 0; i < raw.size(); ++i) {
            char c = raw[i];
            bool nbsp = c == '\xC2' && i + 1 < raw.size() && raw[i + 1] == '\xA0';
            if (!preformatted && (is_space(c) || nbsp)) {
                if (!text.empty() && text.back() != ' ' && text.back() != '\n') text += ' ';
                i += nbsp;
                continue;
            }
            if (nbsp) {
                text += ' ';
                ++i;
                continue;
            }
            text += c;
            if (!is_space(c) && (static_cast<unsigned char>(c) & 0xC0) != 0x80) {
                ++letters;
                link_letters += in_link;
            }
        }
    }
    void line_break() {
        while (!text.empty() && text.back() == ' ') text.pop_back();
        text += '\n';
    }
    int words() const {
        int count = 0;
        bool in_word = false;
        for (char c : text) {
            bool word_char = !is_space(c) && c != '|';
            count += word_char && !in_word;
            in_word = word_char;
        }
        return count;
    }
    // Short and made of link text only: a menu, a breadcrumb, a "next page" line.
    bool navigation_like() const {
        if (letters == 0 || link_letters * 10 < letters * 9) return false;
        return words() <= kMaxNavigationWords;
    }
};

// Collects the text of a subtree (table cells): no blocks, line breaks become spaces.
void gather_text(xmlNodePtr root, TextRun& run) {
    std::vector<std::tuple<xmlNodePtr, int, bool>> stack{{root, 0, false}};
    while (!stack.empty()) {
        auto [node, depth, in_link] = stack.back();
        stack.pop_back();
        if (node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE) {
            if (node->content) run.append(reinterpret_cast<const char*>(node->content), in_link);
            continue;
        }
        if (node->type != XML_ELEMENT_NODE || depth >= kMaxDepth) continue;
        if (node != root && is_dropped(node)) continue;
        std::string_view name = name_of(node);
        if (name == "br") run.append(" ", false);
        bool link = in_link || (name == "a" && xmlHasProp(node, reinterpret_cast<const xmlChar*>("href")));
        for (xmlNodePtr child = node->last; child; child = child->prev) stack.emplace_back(child, depth + 1, link);
    }
}

class HtmlWalker {
public:
    HtmlWalker(ExtractedDocument& document, std::int64_t max_bytes) : document_(document), max_bytes_(max_bytes) {}

    void walk(xmlNodePtr root) {
        struct Frame {
            xmlNodePtr node;
            int depth;
            bool exiting;
        };
        std::vector<Frame> stack{{root, 0, false}};
        while (!stack.empty() && !full_) {
            Frame frame = stack.back();
            stack.pop_back();
            if (frame.exiting) {
                leave(frame.node);
                continue;
            }
            if (!enter(frame.node) || frame.depth >= kMaxDepth) continue;
            stack.push_back({frame.node, frame.depth, true});
            for (xmlNodePtr child = frame.node->last; child; child = child->prev)
                stack.push_back({child, frame.depth + 1, false});
        }
        flush();
        drop_navigation();
    }

private:
    // Returns whether to descend (and later leave) the node.
    bool enter(xmlNodePtr node) {
        if (node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE) {
            if (node->content)
                run_.append(reinterpret_cast<const char*>(node->content), links_ > 0, pre_ > 0);
            return false;
        }
        if (node->type != XML_ELEMENT_NODE && node->type != XML_HTML_DOCUMENT_NODE &&
            node->type != XML_DOCUMENT_NODE)
            return false;
        if (node->type != XML_ELEMENT_NODE) return true;
        if (is_dropped(node)) return false;
        std::string_view name = name_of(node);
        if (name == "br") {
            run_.line_break();
            return false;
        }
        if (int level = heading_level(name)) {
            flush();
            heading_ = level;
        } else if (name == "tr") {
            flush();
            if (auto row = data_row(node)) {
                add(BlockKind::table_row, *row, 0);
                return false;
            }
        } else if (name == "pre") {
            flush();
            ++pre_;
        } else if (name == "a" && xmlHasProp(node, reinterpret_cast<const xmlChar*>("href"))) {
            ++links_;
        } else if (one_of(name, kBlocks)) {
            flush();
        }
        return true;
    }

    void leave(xmlNodePtr node) {
        if (node->type != XML_ELEMENT_NODE) return;
        std::string_view name = name_of(node);
        if (heading_level(name) || name == "pre" || one_of(name, kBlocks)) flush();
        if (name == "pre" && pre_ > 0) --pre_;
        if (name == "a" && xmlHasProp(node, reinterpret_cast<const xmlChar*>("href")) && links_ > 0) --links_;
    }

    // A row of a data table has cells of inline content; layout tables hold blocks or prose.
    static bool inline_cells(xmlNodePtr row) {
        bool any_cell = false;
        for (xmlNodePtr cell = row->children; cell; cell = cell->next) {
            if (cell->type != XML_ELEMENT_NODE) continue;
            std::string_view name = name_of(cell);
            if (name != "td" && name != "th") continue;
            any_cell = true;
            if (contains_element(cell, [](std::string_view n) {
                    return n == "table" || n == "p" || n == "div" || n == "ul" || n == "ol" || n == "dl" ||
                           n == "blockquote" || n == "pre" || heading_level(n) > 0;
                }))
                return false;
        }
        return any_cell;
    }

    // The row's cells joined by " | ", or nullopt for a row of a layout table.
    static std::optional<TextRun> data_row(xmlNodePtr row) {
        if (!inline_cells(row)) return std::nullopt;
        std::vector<std::string> cells;
        TextRun whole;
        for (xmlNodePtr cell = row->children; cell; cell = cell->next) {
            if (cell->type != XML_ELEMENT_NODE || (name_of(cell) != "td" && name_of(cell) != "th")) continue;
            TextRun run;
            gather_text(cell, run);
            if (run.words() > kMaxCellWords) return std::nullopt;
            cells.emplace_back(trim(run.text));
            whole.letters += run.letters;
            whole.link_letters += run.link_letters;
        }
        while (!cells.empty() && cells.back().empty()) cells.pop_back();
        std::size_t first = 0;
        while (first < cells.size() && cells[first].empty()) ++first;
        for (std::size_t i = first; i < cells.size(); ++i) whole.text += (i > first ? " | " : "") + cells[i];
        return whole;
    }

    void flush() {
        int level = heading_;
        heading_ = 0;
        TextRun run = std::move(run_);
        run_ = TextRun{};
        // Trim each line (keeping a <pre>'s indentation); drop blank lines.
        std::string text;
        std::string_view rest = run.text;
        while (!rest.empty()) {
            std::size_t eol = rest.find('\n');
            std::string_view line = pre_ > 0 ? rest.substr(0, eol) : trim(rest.substr(0, eol));
            rest.remove_prefix(eol == std::string_view::npos ? rest.size() : eol + 1);
            while (!line.empty() && is_space(line.back())) line.remove_suffix(1);
            if (trim(line).empty()) continue;
            if (!text.empty()) text += '\n';
            text += line;
        }
        run.text = std::move(text);
        add(level ? BlockKind::heading : BlockKind::paragraph, run, level);
    }

    void add(BlockKind kind, const TextRun& run, int level) {
        std::string_view text = trim(run.text);
        if (text.empty() || full_) return;
        used_ += static_cast<std::int64_t>(text.size());
        if (used_ > max_bytes_) {
            full_ = true;
            document_.warnings.push_back("text truncated at " + std::to_string(max_bytes_) + " bytes (max_output_bytes)");
            return;
        }
        Block block;
        block.kind = kind;
        block.text = std::string(text);
        block.level = level;
        document_.blocks.push_back(std::move(block));
        navigation_.push_back(kind != BlockKind::heading && run.navigation_like());
    }

    void drop_navigation() {
        std::vector<Block>& blocks = document_.blocks;
        bool has_content = false;
        for (std::size_t i = 0; i < blocks.size(); ++i)
            has_content = has_content || (!navigation_[i] && blocks[i].kind != BlockKind::heading);
        if (!has_content) return;
        std::vector<Block> kept;
        for (std::size_t i = 0; i < blocks.size(); ++i)
            if (!navigation_[i]) kept.push_back(std::move(blocks[i]));
        blocks = std::move(kept);
    }

    ExtractedDocument& document_;
    std::int64_t max_bytes_;
    std::int64_t used_ = 0;
    bool full_ = false;
    TextRun run_;
    int heading_ = 0;
    int links_ = 0;
    int pre_ = 0;
    std::vector<bool> navigation_;  // parallel to document_.blocks
};

void read_metadata(xmlNodePtr root, DocumentMetadata& meta) {
    for_each_element(root, [&](xmlNodePtr node) {
        std::string_view name = name_of(node);
        if (name == "html") {
            meta.language = attribute(node, "lang");
            if (meta.language.empty()) meta.language = attribute(node, "xml:lang");
        } else if (name == "title" && meta.title.empty()) {
            TextRun run;
            gather_text(node, run);
            meta.title = std::string(trim(run.text));
        } else if (name == "meta") {
            std::string key = lower(attribute(node, "name"));
            if (key.empty()) key = lower(attribute(node, "property"));
            if (key.empty()) key = lower(attribute(node, "http-equiv"));
            std::string content(trim(attribute(node, "content")));
            if (content.empty()) return false;
            if ((key == "author" || key == "dc.creator" || key == "dcterms.creator") && meta.author.empty())
                meta.author = content;
            else if (key == "dcterms.created" || key == "dc.date.created" || key == "date" || key == "dc.date" ||
                     key == "dcterms.date" || key == "article:published_time")
                meta.created = meta.created ? meta.created : parse_iso_date(content);
            else if (key == "dcterms.modified" || key == "dc.date.modified" || key == "article:modified_time")
                meta.modified = meta.modified ? meta.modified : parse_iso_date(content);
            else if ((key == "content-language" || key == "dc.language") && meta.language.empty())
                meta.language = content;
        }
        return name != "svg" && name != "math" && name != "body";  // metadata lives outside body
    });
}

class HtmlExtractor final : public Extractor {
public:
    HtmlExtractor() { xmlInitParser(); }  // once, before any thread parses

    std::string_view name() const override { return "html"; }
    bool accepts(const FileType& type) const override { return type.format == "html"; }

    ExtractedDocument extract(const SourceFile& file, const ExtractOptions& options) const override {
        ExtractedDocument document;
        document.format = "html";
        std::string declared = declared_charset(file.bytes);
        DecodedText decoded;
        try {
            decoded = decode_text(file.bytes, declared);
        } catch (const Error& error) {
            // Markup with stray NULs (mail gateways leave them) is still a page; binary is not.
            std::string cleaned(file.bytes);
            std::erase(cleaned, '\0');
            if (error.code() != ErrorCode::bad_document || cleaned.size() == file.bytes.size()) throw;
            decoded = decode_text(cleaned, declared);
            document.warnings.push_back("NUL bytes removed");
        }
        document.metadata.encoding = decoded.encoding;
        if (decoded.utf8.size() > static_cast<std::size_t>(INT_MAX))
            throw Error(ErrorCode::bad_document, "HTML file too large to parse");
        HtmlDoc doc(htmlReadMemory(decoded.utf8.data(), static_cast<int>(decoded.utf8.size()), nullptr, "UTF-8",
                                   HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NOERROR |
                                       HTML_PARSE_NOWARNING | HTML_PARSE_COMPACT | HTML_PARSE_IGNORE_ENC));
        if (!doc) {
            if (trim(decoded.utf8).empty()) return document;
            throw Error(ErrorCode::bad_document, "HTML could not be parsed");
        }
        xmlNodePtr root = reinterpret_cast<xmlNodePtr>(doc.get());
        read_metadata(root, document.metadata);
        HtmlWalker(document, options.max_output_bytes).walk(root);
        if (document.metadata.title.empty()) {
            for (const Block& block : document.blocks) {
                if (block.kind == BlockKind::heading && block.level == 1) {
                    document.metadata.title = block.text;
                    break;
                }
            }
        }
        return document;
    }
};

}  // namespace

std::unique_ptr<Extractor> make_html_extractor() { return std::make_unique<HtmlExtractor>(); }

}  // namespace deskside::ingest
