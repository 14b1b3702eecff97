// OpenDocument text, spreadsheets and presentations (.odt/.ods/.odp), zipped or flat
// (.fodt/.fods/.fodp: the whole package as one XML document). content.xml, styles.xml and
// meta.xml are read with the streaming XmlReader, never as a DOM, so a 4 MB document or a
// sheet declaring a million repeated rows costs only what its text costs.
//
// Block order: the body (sheets in order with location = sheet name; slides with page = slide
// number, location "slide N", speaker notes "notes, slide N"), then notes ("footnotes",
// "endnotes"), annotations ("comments") and the master pages' headers and footers, each
// distinct text once. Auto-text fields in master pages (page numbers, dates, sheet names)
// are dropped, as is a header or footer line left with a single word once they are gone.
//
// The extractor is stateless; each call owns its archive and readers (thread-safe).
#include <algorithm>
#include <charconv>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/dates.h"
#include "ingest/extract_failure.h"
#include "ingest/extractor.h"
#include "office/text_blocks.h"
#include "office/xml_reader.h"
#include "office/zip_archive.h"

namespace deskside::ingest {
namespace {

using office::BlockSink;
using office::RowBuilder;
using office::XmlReader;

// Repeats written out at most this often: ODF declares padding as "this empty row, 1048571
// times", and a hostile file can do the same with text.
constexpr std::int64_t kMaxRepeats = 16;
constexpr int kMaxSpaces = 64;  // text:s c="1000000000" stays small

enum class Ns { text, table, office, draw, presentation, style, meta, dc, svg, other };

Ns ns_of(std::string_view uri) {
    if (uri == "http://purl.org/dc/elements/1.1/") return Ns::dc;
    constexpr std::string_view kOdf = "urn:oasis:names:tc:opendocument:xmlns:";
    if (!uri.starts_with(kOdf)) return Ns::other;
    uri.remove_prefix(kOdf.size());
    if (uri.starts_with("text:")) return Ns::text;
    if (uri.starts_with("table:")) return Ns::table;
    if (uri.starts_with("office:")) return Ns::office;
    if (uri.starts_with("drawing:")) return Ns::draw;
    if (uri.starts_with("presentation:")) return Ns::presentation;
    if (uri.starts_with("style:")) return Ns::style;
    if (uri.starts_with("meta:")) return Ns::meta;
    if (uri.starts_with("svg-compatible:")) return Ns::svg;
    return Ns::other;
}

std::int64_t parse_count(const std::optional<std::string>& value) {
    if (!value) return 1;
    std::int64_t count = 1;
    auto [ptr, ec] = std::from_chars(value->data(), value->data() + value->size(), count);
    return ec == std::errc() && count > 0 ? count : 1;
}

// The character data of the element whose start event was just read, up to its end.
std::string element_text(XmlReader& reader) {
    std::string out;
    int nesting = 0;
    for (auto event = reader.next(); event != XmlReader::Event::eof; event = reader.next()) {
        if (event == XmlReader::Event::start) ++nesting;
        if (event == XmlReader::Event::end && nesting-- == 0) break;
        if (event == XmlReader::Event::text) out += reader.text();
    }
    return out;
}

struct Outputs {
    std::vector<Block> body, notes, comments, master;
    DocumentMetadata metadata;
};

// Walks content.xml, styles.xml, meta.xml or a whole flat document.
class OdfWalker {
  public:
    OdfWalker(Outputs& outputs, BlockSink& sink, const ExtractOptions& options)
        : outputs_(outputs), sink_(sink), options_(options) {}

    void walk(std::string_view xml, const std::string& part) {
        XmlReader reader(xml, part, options_);
        contexts_.assign(1, Context{});
        contexts_.back().out = &outputs_.body;
        paragraphs_.clear();
        tables_.clear();
        // XmlReader checks the deadline as it reads; extract() checks between parts.
        for (auto event = reader.next(); event != XmlReader::Event::eof; event = reader.next()) {
            if (event == XmlReader::Event::start)
                on_start(reader);
            else if (event == XmlReader::Event::end)
                on_end(reader.depth());
            else if (event == XmlReader::Event::text)
                append_text(reader.text());
        }
        while (!paragraphs_.empty()) finish_paragraph();
    }

  private:
    struct Context {
        int depth = 0;  // depth of the element that opened it; popped at its end
        std::vector<Block>* out = nullptr;
        std::string location;
        int page = 0;
        int heading = 0;      // paragraphs here are headings of this level (slide titles)
        bool master = false;  // master-page text: auto-text fields are dropped
        int cell_table = -1;  // index in tables_ whose open cell collects the paragraphs
    };
    struct Paragraph {
        int depth = 0;
        std::size_t context = 0;  // contexts_.size() when it opened
        int heading = 0;
        bool space = true;  // last character was collapsible white space (or none yet)
        bool had_field = false;
        std::string text;
    };
    struct Table {
        int depth = 0;
        bool nested = false;  // inside another table's cell: flattened into that cell
        int row_depth = -1, cell_depth = -1;
        std::int64_t row_repeat = 1, cell_repeat = 1;
        RowBuilder row;
        std::string cell;
    };

    Context& context() { return contexts_.back(); }

    void push_context(int depth, std::vector<Block>* out, std::string location) {
        Context next = context();
        next.depth = depth;
        next.out = out;
        next.location = std::move(location);
        next.heading = 0;
        next.cell_table = -1;
        contexts_.push_back(std::move(next));
    }

    void on_start(XmlReader& reader) {
        std::string_view name = reader.name();
        int depth = reader.depth();
        switch (ns_of(reader.namespace_uri())) {
            case Ns::office:
                return on_office(reader, name, depth);
            case Ns::text:
                return on_text(reader, name, depth);
            case Ns::table:
                return on_table(reader, name, depth);
            case Ns::draw:
                return on_draw(reader, name, depth);
            case Ns::presentation:
                return on_presentation(reader, name, depth);
            case Ns::style:
                return on_style(reader, name, depth);
            case Ns::svg:
                if (name == "title" || name == "desc") reader.skip_element();  // alt text
                return;
            default:
                return;
        }
    }

    void on_office(XmlReader& reader, std::string_view name, int depth) {
        if (name == "meta") {
            read_meta(reader, depth);
        } else if (name == "master-styles") {
            push_context(depth, &outputs_.master, "master page");
            context().master = true;
        } else if (name == "presentation") {
            presentation_ = true;
        } else if (name == "spreadsheet") {
            spreadsheet_depth_ = depth;
        } else if (name == "annotation") {
            push_context(depth, &outputs_.comments, "comments");
        } else if (name == "binary-data" || name == "scripts" || name == "forms" ||
                   name == "settings" || name == "font-face-decls" || name == "styles" ||
                   name == "automatic-styles" || name == "event-listeners") {
            reader.skip_element();  // images, macros, style definitions: no document text
        }
    }

    void on_text(XmlReader& reader, std::string_view name, int depth) {
        static constexpr std::string_view kFields[] = {"page-number",
                                                       "page-count",
                                                       "sheet-name",
                                                       "title",
                                                       "date",
                                                       "time",
                                                       "file-name",
                                                       "chapter",
                                                       "subject",
                                                       "author-name",
                                                       "author-initials",
                                                       "template-name",
                                                       "page-continuation",
                                                       "creation-date",
                                                       "modification-date",
                                                       "creator"};
        static constexpr std::string_view kSkipped[] = {
            "note-citation",  "ruby-text",        "tracked-changes",      "sequence-decls",
            "variable-decls", "user-field-decls", "dde-connection-decls", "soft-page-break"};
        if (name == "p" || name == "h") {
            Paragraph paragraph;
            paragraph.depth = depth;
            paragraph.context = contexts_.size();
            paragraph.heading = context().heading;
            if (name == "h")
                paragraph.heading = static_cast<int>(
                    std::clamp<std::int64_t>(parse_count(reader.attribute("outline-level")), 1, 6));
            paragraphs_.push_back(std::move(paragraph));
        } else if (name == "s") {
            auto count = std::min<std::int64_t>(parse_count(reader.attribute("c")), kMaxSpaces);
            append_literal(std::string(static_cast<std::size_t>(count), ' '));
        } else if (name == "tab") {
            append_literal("\t");
        } else if (name == "line-break") {
            append_literal("\n");
        } else if (name == "note") {
            bool endnote = reader.attribute("note-class").value_or("") == "endnote";
            push_context(depth, &outputs_.notes, endnote ? "endnotes" : "footnotes");
        } else if (std::find(std::begin(kSkipped), std::end(kSkipped), name) !=
                       std::end(kSkipped) ||
                   name.ends_with("-source")) {
            reader.skip_element();  // deleted changes, index templates, declarations
        } else if (context().master &&
                   std::find(std::begin(kFields), std::end(kFields), name) != std::end(kFields)) {
            if (!paragraphs_.empty()) paragraphs_.back().had_field = true;
            reader.skip_element();
        }
    }

    void on_table(XmlReader& reader, std::string_view name, int depth) {
        if (name == "table") {
            Table table;
            table.depth = depth;
            table.nested = context().cell_table >= 0;
            tables_.push_back(std::move(table));
            if (!tables_.back().nested) {
                std::string location = context().location;
                if (auto sheet = reader.attribute("name"); sheet && spreadsheet_sheet())
                    location = *sheet;
                push_context(depth, context().out, std::move(location));
            }
            return;
        }
        if (tables_.empty() || tables_.back().nested) return;
        Table& table = tables_.back();
        if (name == "table-row") {
            table.row.clear();
            table.row_depth = depth;
            table.row_repeat = parse_count(reader.attribute("number-rows-repeated"));
        } else if (name == "table-cell" || name == "covered-table-cell") {
            table.cell.clear();
            table.cell_depth = depth;
            table.cell_repeat = parse_count(reader.attribute("number-columns-repeated"));
            Context cell = context();
            cell.depth = depth;
            cell.cell_table = static_cast<int>(tables_.size()) - 1;
            contexts_.push_back(std::move(cell));
        } else if (name == "named-expressions" || name == "calculation-settings" ||
                   name == "database-ranges" || name == "content-validations" ||
                   name == "table-source" || name == "dde-links" || name == "scenario") {
            reader.skip_element();
        }
    }

    // A sheet is a table directly in office:spreadsheet (not one inside a text box).
    bool spreadsheet_sheet() const { return spreadsheet_depth_ > 0 && tables_.size() == 1; }

    void on_draw(XmlReader& reader, std::string_view name, int depth) {
        if (name == "page") {
            ++slide_;
            push_context(depth, &outputs_.body, "slide " + std::to_string(slide_));
            context().page = slide_;
        } else if (name == "frame" || name == "custom-shape" || name == "rect") {
            if (reader.attribute("placeholder").value_or("") == "true")
                return reader.skip_element();  // an empty layout box ("Click to add Title")
            std::string kind = reader.attribute("class").value_or("");
            if (context().master && (kind == "date-time" || kind == "page-number"))
                return reader.skip_element();
            if (context().master && (kind == "header" || kind == "footer")) {
                push_context(depth, &outputs_.master, kind);
                context().master = true;
            } else if (presentation_ && kind == "title") {
                Context title = context();
                title.depth = depth;
                title.heading = 1;
                contexts_.push_back(std::move(title));
            }
        } else if (name == "page-thumbnail" || name == "object" || name == "object-ole" ||
                   name == "applet" || name == "plugin") {
            reader.skip_element();
        }
    }

    void on_presentation(XmlReader& reader, std::string_view name, int depth) {
        if (name == "notes") {
            if (context().master) return reader.skip_element();
            push_context(depth, &outputs_.body, "notes, slide " + std::to_string(slide_));
            context().page = slide_;
        } else if (name == "header-decl" || name == "footer-decl") {
            // Text of the slide header or footer, kept as direct character data.
            push_context(depth, &outputs_.master, name == "header-decl" ? "header" : "footer");
            context().master = true;
            Paragraph paragraph;
            paragraph.depth = depth;
            paragraph.context = contexts_.size();
            paragraphs_.push_back(std::move(paragraph));
        } else if (name == "date-time-decl" || name == "settings") {
            reader.skip_element();
        }
    }

    void on_style(XmlReader& reader, std::string_view name, int depth) {
        bool header = name.starts_with("header");
        bool footer = name.starts_with("footer");
        if ((header || footer) && name.find("-style") == std::string_view::npos) {
            if (reader.attribute("display").value_or("true") == "false")
                return reader.skip_element();
            push_context(depth, &outputs_.master, header ? "header" : "footer");
            context().master = true;
        } else if (name == "handout-master") {
            reader.skip_element();
        }
    }

    void on_end(int depth) {
        if (!paragraphs_.empty() && paragraphs_.back().depth == depth) finish_paragraph();
        if (!tables_.empty() && !tables_.back().nested) {
            Table& table = tables_.back();
            if (depth == table.cell_depth) {
                table.row.add_cell(table.cell, table.cell_repeat);
                table.cell.clear();
                table.cell_depth = -1;
            } else if (depth == table.row_depth) {
                if (table.row.has_text()) {
                    std::string row = table.row.join(kMaxRepeats);
                    for (std::int64_t i = 0; i < std::min(table.row_repeat, kMaxRepeats); ++i)
                        sink_.add(*context().out, BlockKind::table_row, row, 0, context().page,
                                  context().location);
                }
                table.row.clear();
                table.row_depth = -1;
            }
        }
        if (!tables_.empty() && tables_.back().depth == depth) tables_.pop_back();
        while (contexts_.size() > 1 && contexts_.back().depth == depth) contexts_.pop_back();
        if (depth == spreadsheet_depth_) spreadsheet_depth_ = 0;
    }

    // ODF white space: runs of spaces, tabs and newlines in character data are one space,
    // and leading space in a paragraph is dropped; text:s and text:tab carry real ones.
    void append_text(std::string_view text) {
        if (paragraphs_.empty() || paragraphs_.back().context != contexts_.size()) return;
        Paragraph& paragraph = paragraphs_.back();
        for (char c : text) {
            if (office::is_space(c)) {
                if (!paragraph.space) paragraph.text += ' ';
                paragraph.space = true;
            } else {
                paragraph.text += c;
                paragraph.space = false;
            }
        }
        sink_.check(paragraph.text.size());
    }

    void append_literal(std::string_view text) {
        if (paragraphs_.empty() || paragraphs_.back().context != contexts_.size()) return;
        paragraphs_.back().text += text;
        paragraphs_.back().space = true;
        sink_.check(paragraphs_.back().text.size());
    }

    void finish_paragraph() {
        Paragraph paragraph = std::move(paragraphs_.back());
        paragraphs_.pop_back();
        const Context& where = context();
        std::string_view text = office::trim(paragraph.text);
        if (text.empty()) return;
        // A header line of auto-text with one word left ("Page", "(", "???"): boilerplate.
        if (where.master && paragraph.had_field && office::count_words(text) <= 1) return;
        if (where.cell_table >= 0) {
            std::string& cell = tables_[static_cast<std::size_t>(where.cell_table)].cell;
            cell += cell.empty() ? "" : "\n";
            cell += text;
            sink_.check(cell.size());
            return;
        }
        sink_.add(*where.out, paragraph.heading ? BlockKind::heading : BlockKind::paragraph, text,
                  paragraph.heading, where.page, where.location);
    }

    void read_meta(XmlReader& reader, int depth) {
        DocumentMetadata& meta = outputs_.metadata;
        std::string initial_creator, creator;
        for (auto event = reader.next(); event != XmlReader::Event::eof; event = reader.next()) {
            if (event == XmlReader::Event::end && reader.depth() == depth) break;
            if (event != XmlReader::Event::start || reader.depth() != depth + 1) continue;
            std::string name(reader.name());
            Ns ns = ns_of(reader.namespace_uri());
            std::string value(office::trim(element_text(reader)));
            if (ns == Ns::dc && name == "title") meta.title = value;
            if (ns == Ns::dc && name == "creator") creator = value;
            if (ns == Ns::dc && name == "language") meta.language = value;
            if (ns == Ns::dc && name == "date") meta.modified = parse_iso_datetime(value);
            if (ns == Ns::meta && name == "initial-creator") initial_creator = value;
            if (ns == Ns::meta && name == "creation-date") meta.created = parse_iso_datetime(value);
        }
        meta.author = initial_creator.empty() ? creator : initial_creator;
    }

    Outputs& outputs_;
    BlockSink& sink_;
    const ExtractOptions& options_;
    std::vector<Context> contexts_;
    std::vector<Paragraph> paragraphs_;  // nested when a frame sits inside a paragraph
    std::vector<Table> tables_;
    int slide_ = 0;
    bool presentation_ = false;
    int spreadsheet_depth_ = 0;  // depth of office:spreadsheet; its own tables are sheets
};

// Encrypted packages list <manifest:encryption-data> under the file entry of each encrypted
// part; content.xml being one of them is what makes the document unreadable.
bool content_is_encrypted(office::ZipArchive& zip, const ExtractOptions& options) {
    std::optional<std::string> manifest = zip.read("META-INF/manifest.xml");
    if (!manifest) return false;
    XmlReader reader(*manifest, "META-INF/manifest.xml", options);
    std::string path;
    for (auto event = reader.next(); event != XmlReader::Event::eof; event = reader.next()) {
        if (event != XmlReader::Event::start) continue;
        if (reader.name() == "file-entry") path = reader.attribute("full-path").value_or("");
        if (reader.name() == "encryption-data" && (path == "content.xml" || path == "/content.xml"))
            return true;
    }
    return false;
}

// Flat OpenDocument is one XML document; a package is a ZIP.
bool is_flat_xml(std::string_view bytes) {
    if (bytes.starts_with("\xEF\xBB\xBF")) bytes.remove_prefix(3);
    bytes = bytes.substr(std::min(bytes.size(), bytes.find_first_not_of(" \t\r\n")));
    return bytes.starts_with("<?xml") || bytes.starts_with("<office:document");
}

class OpenDocumentExtractor final : public Extractor {
  public:
    std::string_view name() const override { return "opendocument"; }
    bool accepts(const FileType& type) const override {
        return (type.format == "odt" || type.format == "ods" || type.format == "odp") &&
               type.mime != kEncryptedPackageMime;
    }

    ExtractedDocument extract(const SourceFile& file,
                              const ExtractOptions& options) const override {
        ExtractedDocument document;
        document.format = file.type.format;
        Outputs outputs;
        BlockSink sink(options, file.path.filename().string());
        OdfWalker walker(outputs, sink, options);
        if (is_flat_xml(file.bytes)) {
            walker.walk(file.bytes, "flat " + file.type.format + " document");
        } else {
            office::ZipArchive zip(file.bytes, options, file.type.format + " package");
            if (content_is_encrypted(zip, options))
                fail(FailureKind::encrypted,
                     "password-protected " + file.type.format +
                         " (its content is encrypted); Deskside indexes only files saved "
                         "without a password to open");
            std::optional<std::string> content = zip.read("content.xml");
            if (!content)
                fail(FailureKind::corrupt, "the " + file.type.format +
                                               " package has no content.xml; the file is "
                                               "damaged or not an OpenDocument file");
            walker.walk(*content, "content.xml");
            for (const char* part : {"styles.xml", "meta.xml"}) {
                if (past_deadline(options))
                    fail(FailureKind::timeout,
                         "the " + file.type.format + " took longer than the per-file time limit");
                if (std::optional<std::string> xml = zip.read(part)) walker.walk(*xml, part);
            }
        }
        document.metadata = std::move(outputs.metadata);
        document.blocks = std::move(outputs.body);
        for (std::vector<Block>* extra : {&outputs.notes, &outputs.comments})
            std::move(extra->begin(), extra->end(), std::back_inserter(document.blocks));
        // Every page style repeats its header and footer: each distinct text once.
        std::set<std::pair<std::string, std::string>> seen;
        for (Block& block : outputs.master)
            if (seen.emplace(block.location, block.text).second)
                document.blocks.push_back(std::move(block));
        return document;
    }
};

}  // namespace

std::unique_ptr<Extractor> make_opendocument_extractor() {
    return std::make_unique<OpenDocumentExtractor>();
}

}  // namespace deskside::ingest
