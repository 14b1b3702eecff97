// Word documents (.docx, .docm, .dotx): WordprocessingML read part by part with the streaming
// XmlReader, never as a DOM. The body comes first, then footnotes, endnotes and comments, then
// headers and footers (each distinct text once); embedded packages and OLE objects become
// attachments for the pipeline, and HTML alternative-format chunks go through the HTML
// extractor.
//
// What counts as text: w:t inside paragraphs, plus tabs, breaks and non-breaking hyphens.
// Deleted revisions (w:del, w:moveFrom), field instructions (w:instrText), phonetic guides
// (w:rt) and the second branch of every mc:AlternateContent (the VML copy of a text box) are
// left out, so nothing is counted twice.
//
// The extractor is stateless; each call owns its archive and readers (thread-safe).
#include <algorithm>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.h"
#include "ingest/extract_failure.h"
#include "ingest/extractor.h"
#include "office/docx_styles.h"
#include "office/ooxml_package.h"
#include "office/text_blocks.h"
#include "office/xml_reader.h"
#include "office/zip_archive.h"

namespace deskside::ingest {
namespace {

using office::BlockSink;
using office::Relationship;
using office::RowBuilder;
using office::XmlReader;

// Identical adjacent cells written out at most this often (merged-looking padding).
constexpr std::int64_t kMaxRepeatedCells = 16;

bool is_wordml(std::string_view namespace_uri) {
    return namespace_uri.find("wordprocessingml") != std::string_view::npos;
}

bool is_markup_compatibility(std::string_view namespace_uri) {
    return namespace_uri.find("markup-compatibility") != std::string_view::npos;
}

std::string_view extension_of(std::string_view name) {
    std::size_t dot = name.rfind('.');
    std::size_t slash = name.rfind('/');
    if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash))
        return {};
    return name.substr(dot);
}

bool is_image(std::string_view name) {
    static constexpr std::string_view kImages[] = {".png", ".jpg",  ".jpeg", ".gif", ".bmp",
                                                   ".tif", ".tiff", ".emf",  ".wmf", ".svg",
                                                   ".ico", ".wdp",  ".jfif", ".webp"};
    std::string ext = office::lower_ascii(extension_of(name));
    return std::find(std::begin(kImages), std::end(kImages), ext) != std::end(kImages);
}

std::string base_name(std::string_view part) {
    std::size_t slash = part.rfind('/');
    return std::string(slash == std::string_view::npos ? part : part.substr(slash + 1));
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

// What one extraction shares across parts: the archive, styles, numbering, output cap.
struct Package {
    office::ZipArchive& zip;
    const ExtractOptions& options;
    BlockSink& sink;
    office::DocxStyles styles;
    office::DocxNumbering numbering;
    ExtractedDocument& document;
    const Extractor& html;
};

// Walks one WordprocessingML part (body, header, notes...) and appends its blocks.
class PartWalker {
  public:
    PartWalker(Package& package, std::string part, std::vector<Block>& out, std::string location)
        : package_(package), part_(std::move(part)), out_(out), location_(std::move(location)) {}

    void walk(std::string_view xml) {
        rels_ = office::read_relationships(package_.zip, part_, package_.options);
        XmlReader reader(xml, part_, package_.options);
        // XmlReader checks the deadline as it reads; the parts loop checks between parts.
        for (auto event = reader.next(); event != XmlReader::Event::eof; event = reader.next()) {
            if (event == XmlReader::Event::start)
                on_start(reader);
            else if (event == XmlReader::Event::end)
                on_end(reader);
        }
        while (!paragraphs_.empty()) finish_paragraph();  // unbalanced only if truncated
    }

  private:
    struct Paragraph {
        int depth = 0;
        std::string text;
        std::string style;
        int outline = -1;  // w:outlineLvl of the paragraph itself, 0-based; -1 none
        int num_id = -1;   // -1: from the style; 0: explicitly none
        int num_level = 0;
    };
    struct Table {
        int depth;
        bool nested;  // inside a cell of another table: flattened into that cell
    };
    struct Alternatives {
        int depth;
        bool taken = false;
    };

    void on_start(XmlReader& reader) {
        std::string_view name = reader.name();
        if (is_markup_compatibility(reader.namespace_uri())) {
            if (name == "AlternateContent") {
                alternatives_.push_back({reader.depth(), false});
            } else if ((name == "Choice" || name == "Fallback") && !alternatives_.empty()) {
                // Word writes a text box twice (DrawingML and VML): read the first branch only.
                if (alternatives_.back().taken) reader.skip_element();
                alternatives_.back().taken = true;
            }
            return;
        }
        if (!is_wordml(reader.namespace_uri())) {
            if (name == "binData" || name == "oMath" || name == "oMathPara") reader.skip_element();
            return;
        }
        if (name == "p") {
            paragraphs_.emplace_back().depth = reader.depth();
        } else if (name == "pPr") {
            read_paragraph_properties(reader);
        } else if (name == "t") {
            append(element_text(reader));
        } else if (name == "tab" || name == "ptab") {
            append("\t");
        } else if (name == "br" || name == "cr") {
            append("\n");
        } else if (name == "noBreakHyphen") {
            append("-");
        } else if (name == "fldChar") {
            read_field_start(reader);
        } else if (name == "tbl") {
            tables_.push_back({reader.depth(), in_cell_});
        } else if (name == "tr" && outer_table()) {
            row_.clear();
            row_deleted_ = false;
            row_depth_ = reader.depth();
        } else if (name == "trPr" && outer_table()) {
            read_row_properties(reader);
        } else if (name == "tc" && outer_table()) {
            in_cell_ = true;
            cell_.clear();
            cell_depth_ = reader.depth();
        } else if (name == "altChunk") {
            alt_chunk(reader.attribute("id").value_or(""));
        } else if ((name == "footnote" || name == "endnote") &&
                   reader.attribute("type").value_or("normal") != "normal") {
            reader.skip_element();  // separator and continuation notes: rules, no text
        } else if (is_skipped(name)) {
            reader.skip_element();
        }
    }

    static bool is_skipped(std::string_view name) {
        // Deleted and moved-away revisions, field instructions, phonetic guides, property
        // blocks (they hold old revisions of properties, not text).
        static constexpr std::string_view kSkipped[] = {
            "del",      "moveFrom", "delText", "instrText", "delInstrText", "rt",
            "rPr",      "tblPr",    "tblGrid", "tcPr",      "sectPr",       "sdtPr",
            "sdtEndPr", "rubyPr",   "fldData", "tblPrEx",   "customXmlPr",  "smartTagPr"};
        return std::find(std::begin(kSkipped), std::end(kSkipped), name) != std::end(kSkipped) ||
               name.ends_with("Change");
    }

    void on_end(XmlReader& reader) {
        std::string_view name = reader.name();
        int depth = reader.depth();
        if (is_markup_compatibility(reader.namespace_uri())) {
            if (name == "AlternateContent" && !alternatives_.empty() &&
                alternatives_.back().depth == depth)
                alternatives_.pop_back();
            return;
        }
        if (!is_wordml(reader.namespace_uri())) return;
        if (name == "p" && !paragraphs_.empty() && paragraphs_.back().depth == depth) {
            finish_paragraph();
        } else if (name == "tc" && in_cell_ && depth == cell_depth_) {
            row_.add_cell(cell_);
            in_cell_ = false;
            cell_.clear();
        } else if (name == "tr" && outer_table() && depth == row_depth_) {
            if (!row_deleted_ && row_.has_text())
                package_.sink.add(out_, BlockKind::table_row, row_.join(kMaxRepeatedCells), 0, 0,
                                  location_);
            row_.clear();
        } else if (name == "tbl" && !tables_.empty() && tables_.back().depth == depth) {
            tables_.pop_back();
        }
    }

    bool outer_table() const { return !tables_.empty() && !tables_.back().nested; }

    void append(std::string_view text) {
        if (paragraphs_.empty()) return;
        std::string& target = paragraphs_.back().text;
        target += text;
        package_.sink.check(target.size() + cell_.size());
    }

    void read_paragraph_properties(XmlReader& reader) {
        if (paragraphs_.empty()) return reader.skip_element();
        Paragraph& paragraph = paragraphs_.back();
        int depth = reader.depth();
        for (auto event = reader.next(); event != XmlReader::Event::eof; event = reader.next()) {
            if (event == XmlReader::Event::end && reader.depth() == depth) break;
            if (event != XmlReader::Event::start) continue;
            std::string_view name = reader.name();
            std::string value = reader.attribute("val").value_or("");
            if (name == "pStyle") paragraph.style = value;
            if (name == "outlineLvl") paragraph.outline = office::parse_int(value, 9);
            if (name == "numId") paragraph.num_id = office::parse_int(value, 0);
            if (name == "ilvl") paragraph.num_level = office::parse_int(value, 0);
            if (name == "rPr" || name == "sectPr" || name.ends_with("Change"))
                reader.skip_element();
        }
    }

    void read_row_properties(XmlReader& reader) {
        int depth = reader.depth();
        for (auto event = reader.next(); event != XmlReader::Event::eof; event = reader.next()) {
            if (event == XmlReader::Event::end && reader.depth() == depth) break;
            if (event == XmlReader::Event::start && reader.name() == "del") row_deleted_ = true;
            if (event == XmlReader::Event::start && reader.name().ends_with("Change"))
                reader.skip_element();
        }
    }

    // A legacy form checkbox is a field whose start carries w:ffData/w:checkBox; it shows
    // as a box glyph, which is what a reader of the document sees.
    void read_field_start(XmlReader& reader) {
        if (reader.attribute("fldCharType").value_or("") != "begin") return reader.skip_element();
        int depth = reader.depth();
        bool checkbox = false;
        std::optional<bool> checked, by_default;
        for (auto event = reader.next(); event != XmlReader::Event::eof; event = reader.next()) {
            if (event == XmlReader::Event::end && reader.depth() == depth) break;
            if (event != XmlReader::Event::start) continue;
            std::string value = reader.attribute("val").value_or("1");
            bool on = value != "0" && value != "false" && value != "off";
            if (reader.name() == "checkBox") checkbox = true;
            if (reader.name() == "checked") checked = on;
            if (reader.name() == "default") by_default = on;
        }
        if (checkbox) append(checked.value_or(by_default.value_or(false)) ? "\u2612" : "\u2610");
    }

    void finish_paragraph() {
        Paragraph paragraph = std::move(paragraphs_.back());
        paragraphs_.pop_back();
        office::DocxStyles::Style style = package_.styles.resolve(paragraph.style);
        int level = style.heading;
        if (paragraph.outline >= 0) level = paragraph.outline < 9 ? paragraph.outline + 1 : 0;
        int num_id = paragraph.num_id >= 0 ? paragraph.num_id : style.num_id;
        int num_level = paragraph.num_id >= 0 ? paragraph.num_level : style.num_level;
        std::string label;
        if (num_id > 0) label = package_.numbering.next_label(num_id, num_level);
        if (office::trim(paragraph.text).empty()) return;
        std::string text = label + std::string(office::trim(paragraph.text));
        if (in_cell_) {
            cell_ += cell_.empty() ? "" : "\n";
            cell_ += text;
            return;
        }
        package_.sink.add(out_, level > 0 ? BlockKind::heading : BlockKind::paragraph, text, level,
                          0, location_);
    }

    // An altChunk imports another file into the document at this point: HTML is extracted
    // in place; any other format (an embedded .docx, .rtf, .mht) goes to the pipeline.
    void alt_chunk(const std::string& id) {
        auto rel = std::find_if(rels_.begin(), rels_.end(),
                                [&](const Relationship& r) { return r.id == id; });
        if (rel == rels_.end() || rel->external) return;
        std::optional<std::string> bytes = package_.zip.read(rel->target);
        if (!bytes) return;
        std::string ext = office::lower_ascii(extension_of(rel->target));
        if (ext != ".htm" && ext != ".html" && ext != ".xhtml") {
            package_.document.attachments.push_back({base_name(rel->target), std::move(*bytes)});
            return;
        }
        SourceFile source{rel->target, *bytes, FileType{"html", "text/html"}};
        ExtractedDocument chunk;
        try {
            chunk = package_.html.extract(source, package_.options);
        } catch (const Error& error) {
            // One unreadable imported chunk should not cost the rest of the document.
            if (failure_kind_of(error.what()) == FailureKind::timeout) throw;
            package_.document.warnings.push_back("imported HTML " + rel->target +
                                                 " skipped: " + error.what());
            return;
        }
        for (const Block& block : chunk.blocks)
            package_.sink.add(out_, block.kind, block.text, block.level, 0, location_);
    }

    Package& package_;
    std::string part_;
    std::vector<Block>& out_;
    std::string location_;
    std::vector<Relationship> rels_;
    std::vector<Paragraph> paragraphs_;  // nested when a text box sits inside a paragraph
    std::vector<Table> tables_;
    std::vector<Alternatives> alternatives_;
    RowBuilder row_;
    bool row_deleted_ = false;
    int row_depth_ = 0;
    bool in_cell_ = false;
    int cell_depth_ = 0;
    std::string cell_;
};

class DocxExtractor final : public Extractor {
  public:
    DocxExtractor() : html_(make_html_extractor()) {}

    std::string_view name() const override { return "docx"; }
    bool accepts(const FileType& type) const override {
        return type.format == "docx" && type.mime != kEncryptedPackageMime;
    }

    ExtractedDocument extract(const SourceFile& file,
                              const ExtractOptions& options) const override {
        ExtractedDocument document;
        document.format = "docx";
        office::ZipArchive zip(file.bytes, options, "docx package");
        std::vector<Relationship> package_rels = office::read_relationships(zip, "", options);
        std::string main_part = office::main_part_name(package_rels, "word/document.xml");
        std::optional<std::string> main_xml = zip.read(main_part);
        if (!main_xml)
            fail(FailureKind::corrupt, "the docx package has no main document part (" + main_part +
                                           "); the file is damaged or not a Word file");

        std::vector<Relationship> rels = office::read_relationships(zip, main_part, options);
        auto part_of = [&](std::string_view kind) -> std::optional<std::string> {
            const Relationship* rel = office::find_relationship(rels, kind);
            return rel ? zip.read(rel->target) : std::nullopt;
        };
        BlockSink sink(options, file.path.filename().string());
        Package package{zip, options, sink, {}, {}, document, *html_};
        if (auto styles = part_of("styles")) package.styles = {*styles, options};
        if (auto numbering = part_of("numbering")) package.numbering = {*numbering, options};

        PartWalker(package, main_part, document.blocks, "").walk(*main_xml);
        static constexpr std::pair<std::string_view, std::string_view> kNotes[] = {
            {"footnotes", "footnotes"}, {"endnotes", "endnotes"}, {"comments", "comments"}};
        for (auto [kind, location] : kNotes) {
            check_deadline(options);
            const Relationship* rel = office::find_relationship(rels, kind);
            if (!rel) continue;
            if (auto xml = zip.read(rel->target))
                PartWalker(package, rel->target, document.blocks, std::string(location)).walk(*xml);
        }
        add_headers_and_footers(package, rels);
        add_embedded_files(zip, options, document);
        office::read_core_properties(zip, package_rels, options, document.metadata);
        return document;
    }

  private:
    static void check_deadline(const ExtractOptions& options) {
        if (past_deadline(options))
            fail(FailureKind::timeout, "the docx took longer than the per-file time limit");
    }

    // Sections repeat their header and footer (first page, odd, even): each text once.
    static void add_headers_and_footers(Package& package, const std::vector<Relationship>& rels) {
        std::set<std::pair<std::string, std::string>> seen;
        for (std::string_view kind : {"header", "footer"}) {
            for (const Relationship& rel : rels) {
                if (rel.external || !office::has_type(rel, kind)) continue;
                check_deadline(package.options);
                std::optional<std::string> xml = package.zip.read(rel.target);
                if (!xml) continue;
                std::vector<Block> blocks;
                PartWalker(package, rel.target, blocks, std::string(kind)).walk(*xml);
                for (Block& block : blocks)
                    if (seen.emplace(block.location, block.text).second)
                        package.document.blocks.push_back(std::move(block));
            }
        }
    }

    // Embedded packages, PDFs and OLE objects; images are not documents.
    static void add_embedded_files(office::ZipArchive& zip, const ExtractOptions& options,
                                   ExtractedDocument& document) {
        for (const std::string& name : zip.names()) {
            if (!name.starts_with("word/embeddings/") || name.ends_with('/') || is_image(name))
                continue;
            check_deadline(options);
            if (std::optional<std::string> bytes = zip.read(name))
                document.attachments.push_back({base_name(name), std::move(*bytes)});
        }
    }

    std::unique_ptr<Extractor> html_;
};

}  // namespace

std::unique_ptr<Extractor> make_docx_extractor() {
    return std::make_unique<DocxExtractor>();
}

}  // namespace deskside::ingest
