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
#include <cstdio>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "base/dates.h"
#include "base/error.h"
#include "ingest/extract_failure.h"
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

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
    while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
    return text;
}

bool starts_with_icase(std::string_view text, std::size_t at, std::string_view prefix) {
    if (text.size() - at < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(text[at + i])) != prefix[i]) return false;
    return true;
}

// ---- declared charset -------------------------------------------------------------------------

// The value of `key`=value in a tag or attribute text ("charset=utf-8", "encoding='x'").
std::string value_after(std::string_view text, std::string_view key) {
    std::string low = lower(text);
    for (std::size_t at = low.find(key); at != std::string::npos; at = low.find(key, at + 1)) {
        std::size_t eq = low.find_first_not_of(" \t\r\n", at + key.size());
        if (eq == std::string::npos || low[eq] != '=') continue;
        std::size_t start = low.find_first_not_of(" \t\r\n\"'", eq + 1);
        if (start == std::string::npos) return "";
        std::size_t end = low.find_first_of(" \t\r\n;\"'>/", start);
        return std::string(text.substr(start, end == std::string::npos ? end : end - start));
    }
    return "";
}

// The charset a page names for itself: its XML declaration, or a <meta charset> or <meta
// http-equiv="Content-Type" content="...; charset=..."> outside comments and scripts.
std::string declared_charset(std::string_view bytes) {
    std::string_view text = bytes.substr(0, kCharsetScanBytes);
    if (text.starts_with("<?xml")) return value_after(text.substr(0, text.find("?>")), "encoding");
    for (std::size_t pos = text.find('<'); pos != std::string_view::npos;
         pos = text.find('<', pos + 1)) {
        if (text.substr(pos).starts_with("<!--")) {
            pos = text.find("-->", pos + 4);
            if (pos == std::string_view::npos) break;
        } else if (starts_with_icase(text, pos, "<script")) {
            while (pos < text.size() && !starts_with_icase(text, pos, "</script")) ++pos;
        } else if (starts_with_icase(text, pos, "<meta") && pos + 5 < text.size() &&
                   (is_space(text[pos + 5]) || text[pos + 5] == '/')) {
            std::size_t end = text.find('>', pos);
            if (std::string charset = value_after(text.substr(pos, end - pos), "charset");
                !charset.empty())
                return charset;
        }
    }
    return "";
}

// ---- dates ----------------------------------------------------------------------------------

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
    "script", "style", "noscript", "template", "svg",    "math", "head",  "title", "iframe",
    "object", "embed", "canvas",   "select",   "button", "nav",  "aside", "footer"};

constexpr std::string_view kBlocks[] = {
    "html",    "body",    "p",          "div",  "section",  "article", "main",
    "li",      "dt",      "dd",         "ul",   "ol",       "dl",      "blockquote",
    "address", "figure",  "figcaption", "form", "fieldset", "legend",  "center",
    "caption", "details", "summary",    "hr",   "table",    "thead",   "tbody",
    "tfoot",   "tr",      "td",         "th",   "header",   "hgroup",  "noframes"};

int heading_level(std::string_view name) {
    if (name.size() == 2 && name[0] == 'h' && name[1] >= '1' && name[1] <= '6')
        return name[1] - '0';
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
        for (xmlNodePtr child = node->last; child; child = child->prev)
            stack.emplace_back(child, depth + 1);
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
    return name == "header" &&
           !contains_element(node, [](std::string_view n) { return n == "h1"; });
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
        bool link =
            in_link || (name == "a" && xmlHasProp(node, reinterpret_cast<const xmlChar*>("href")));
        for (xmlNodePtr child = node->last; child; child = child->prev)
            stack.emplace_back(child, depth + 1, link);
    }
}

class HtmlWalker {
  public:
    HtmlWalker(ExtractedDocument& document, std::int64_t max_bytes)
        : document_(document), max_bytes_(max_bytes) {}

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
            if (frame.depth > kMaxDepth || !enter(frame.node)) continue;
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
        if (heading_level(name)) heading_ = 0;
        if (name == "pre" && pre_ > 0) --pre_;
        if (name == "a" && xmlHasProp(node, reinterpret_cast<const xmlChar*>("href")) && links_ > 0)
            --links_;
    }

    // The row's cells joined by " | ", or nullopt for a row of a layout table: one whose cells
    // hold blocks or prose.
    static std::optional<TextRun> data_row(xmlNodePtr row) {
        std::vector<std::string> cells;
        TextRun whole;
        for (xmlNodePtr cell = row->children; cell; cell = cell->next) {
            if (cell->type != XML_ELEMENT_NODE || (name_of(cell) != "td" && name_of(cell) != "th"))
                continue;
            if (contains_element(cell, [](std::string_view n) {
                    return n == "table" || n == "p" || n == "div" || n == "ul" || n == "ol" ||
                           n == "dl" || n == "blockquote" || n == "pre" || heading_level(n) > 0;
                }))
                return std::nullopt;
            TextRun run;
            gather_text(cell, run);
            if (run.words() > kMaxCellWords) return std::nullopt;
            cells.emplace_back(trim(run.text));
            whole.letters += run.letters;
            whole.link_letters += run.link_letters;
        }
        while (!cells.empty() && cells.back().empty()) cells.pop_back();
        auto first = std::find_if(cells.begin(), cells.end(), [](auto& c) { return !c.empty(); });
        for (auto it = first; it != cells.end(); ++it)
            whole.text += (it > first ? " | " : "") + *it;
        if (whole.text.empty()) return std::nullopt;
        return whole;
    }

    void flush() {
        int level = heading_;
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
            document_.warnings.push_back("text truncated at " + std::to_string(max_bytes_) +
                                         " bytes (max_output_bytes)");
            return;
        }
        Block block;
        block.kind = kind;
        block.text = std::string(text);
        block.level = level;
        document_.blocks.push_back(std::move(block));
        navigation_.push_back(kind != BlockKind::heading && run.navigation_like());
    }

    // Link-only blocks go, unless nothing but headings would be left.
    void drop_navigation() {
        std::vector<Block>& blocks = document_.blocks;
        bool content = false;
        for (std::size_t i = 0; i < blocks.size(); ++i)
            content = content || (!navigation_[i] && blocks[i].kind != BlockKind::heading);
        if (!content) return;
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
            static constexpr std::string_view kAuthor[] = {"author", "dc.creator",
                                                           "dcterms.creator"};
            static constexpr std::string_view kCreated[] = {
                "dcterms.created", "dc.date.created", "date",
                "dc.date",         "dcterms.date",    "article:published_time"};
            static constexpr std::string_view kModified[] = {"dcterms.modified", "dc.date.modified",
                                                             "article:modified_time"};
            if (one_of(key, kAuthor) && meta.author.empty()) meta.author = content;
            if (one_of(key, kCreated) && !meta.created) meta.created = parse_iso_datetime(content);
            if (one_of(key, kModified) && !meta.modified)
                meta.modified = parse_iso_datetime(content);
            if ((key == "content-language" || key == "dc.language") && meta.language.empty())
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

    ExtractedDocument extract(const SourceFile& file,
                              const ExtractOptions& options) const override {
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
            if (cleaned.size() == file.bytes.size()) throw;
            decoded = decode_text(cleaned, declared);
            document.warnings.push_back("NUL bytes removed");
        }
        document.metadata.encoding = decoded.encoding;
        if (decoded.utf8.size() > static_cast<std::size_t>(INT_MAX))
            fail(FailureKind::too_large, "HTML file too large to parse");
        HtmlDoc doc(htmlReadMemory(
            decoded.utf8.data(), static_cast<int>(decoded.utf8.size()), nullptr, "UTF-8",
            HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                HTML_PARSE_COMPACT | HTML_PARSE_IGNORE_ENC));
        if (!doc) {
            if (trim(decoded.utf8).empty()) return document;
            fail(FailureKind::corrupt, "HTML could not be parsed");
        }
        xmlNodePtr root = reinterpret_cast<xmlNodePtr>(doc.get());
        read_metadata(root, document.metadata);
        HtmlWalker(document, options.max_output_bytes).walk(root);
        auto h1 = std::find_if(document.blocks.begin(), document.blocks.end(), [](const Block& b) {
            return b.kind == BlockKind::heading && b.level == 1;
        });
        if (document.metadata.title.empty() && h1 != document.blocks.end())
            document.metadata.title = h1->text;
        // A page with a <title> and an empty body still says something a reader sees (the tab
        // and bookmark name): index the title rather than call the page empty.
        if (document.blocks.empty() && !document.metadata.title.empty()) {
            Block title;
            title.kind = BlockKind::heading;
            title.text = document.metadata.title;
            title.level = 1;
            document.blocks.push_back(std::move(title));
        }
        return document;
    }
};

}  // namespace

std::unique_ptr<Extractor> make_html_extractor() {
    return std::make_unique<HtmlExtractor>();
}

}  // namespace deskside::ingest
