// PPTX (PresentationML: .pptx .pptm .ppsx .potx) through libzip and the streaming XmlReader.
//
// Slides come in presentation order (p:sldIdLst, resolved through presentation.xml.rels), hidden
// ones too (show="0" only hides them in the slide show). Per slide, page = slide number:
// - each shape's text body is one block (its paragraphs as lines), location "slide N"; a title
//   placeholder (title, ctrTitle) is a level-1 heading; shapes inside groups are read in order;
// - each table row (a:tr) is a table_row block, cells joined with " | ";
// - chart titles of the slide's charts;
// - speaker notes (the notesSlide relationship) as "notes, slide N", without the slide image,
//   slide number and date placeholders; comments (old and modern parts) as "comments, slide N".
// Footer and notes-header placeholders repeat on every slide, so each distinct text becomes one
// "footer"/"header" block, at the first slide that shows it; footers that only the masters or
// layouts carry follow the slides (page 0). Placeholder prompts on masters ("Click to edit")
// are not content and are never read. Of mc:AlternateContent, only the first branch is read.
// Files under ppt/embeddings/ (OLE objects, packages) become attachments.
//
// Stateless; extract() may run on several threads at once.
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/extract_failure.h"
#include "ingest/extractor.h"
#include "office/ooxml_common_xp.h"
#include "office/xml_reader.h"
#include "office/zip_archive.h"

namespace deskside::ingest {
namespace {

using office::XmlReader;
using office::ZipArchive;
using Event = XmlReader::Event;
namespace xp = office::xp;

constexpr std::string_view kSeparator = " | ";

// What a part is read for: a slide's or notes page's content, or only the footer text of a
// master or layout.
enum class PartKind { slide, notes, master };

// The slide list: the parts of p:sldIdLst in order, and the masters.
struct Presentation {
    std::vector<std::string> slides;
    std::vector<std::string> masters;
};

Presentation read_presentation(ZipArchive& zip, const std::string& part,
                               const xp::Relationships& rels, const ExtractOptions& options) {
    Presentation presentation;
    std::optional<std::string> xml = zip.read(part);
    if (!xml) return presentation;
    XmlReader reader(*xml, part, options);
    for (Event event; (event = reader.next()) != Event::eof;) {
        if (event != Event::start) continue;
        bool slide = reader.name() == "sldId";
        if (!slide && reader.name() != "sldMasterId") continue;
        // r:id; sldId's own number is also "id", so ask for the relationships namespace first.
        std::optional<std::string> id = reader.attribute(
            "id", "http://schemas.openxmlformats.org/officeDocument/2006/relationships");
        if (!id)
            id = reader.attribute("id", "http://purl.oclc.org/ooxml/officeDocument/relationships");
        if (!id) continue;
        if (const xp::Relationship* rel = xp::find_by_id(rels, *id))
            (slide ? presentation.slides : presentation.masters).push_back(rel->target);
    }
    return presentation;
}

class DeckReader {
  public:
    DeckReader(ZipArchive& zip, const ExtractOptions& options, xp::BlockSink& sink)
        : zip_(zip), options_(options), sink_(sink) {}

    void read_slide(const std::string& part, int number) {
        sink_.check_deadline("reading slide " + std::to_string(number));
        std::string location = "slide " + std::to_string(number);
        xp::Relationships rels = xp::read_relationships(zip_, part, options_);
        read_part(part, rels, PartKind::slide, number, location);
        for (const xp::Relationship* rel : xp::find_by_type(rels, "notesSlide"))
            read_part(rel->target, xp::read_relationships(zip_, rel->target, options_),
                      PartKind::notes, number, "notes, " + location);
        for (const xp::Relationship* rel : xp::find_by_type(rels, "comments"))
            read_comments(rel->target, number, "comments, " + location);
        for (const xp::Relationship* rel : xp::find_by_type(rels, "slideLayout"))
            remember_template(rel->target);
    }

    void remember_template(const std::string& part) {
        if (templates_seen_.insert(part).second) templates_.push_back(part);
    }

    // Footers that only masters and layouts carry, after the slides.
    void read_templates() {
        for (const std::string& part : templates_) {
            sink_.check_deadline("reading slide masters");
            read_part(part, {}, PartKind::master, 0, "");
        }
    }

  private:
    // One slide, notes page, layout or master: its shape tree, from start to end.
    void read_part(const std::string& part, const xp::Relationships& rels, PartKind kind, int page,
                   const std::string& location) {
        std::optional<std::string> xml = zip_.read(part);
        if (!xml) return;
        XmlReader reader(*xml, part, options_);
        xp::AlternateContent alternate;
        std::string placeholder;  // the p:ph type of the shape being read; "" when none
        std::vector<std::string> charts;
        for (Event event; (event = reader.next()) != Event::eof;) {
            if (event == Event::end) alternate.end(reader);
            if (event != Event::start) continue;
            std::string_view name = reader.name();
            if (alternate.skip(reader) || name == "pic" || name == "timing" || name == "extLst") {
                reader.skip_element();  // other branches; pictures and animations hold no text
            } else if (name == "sp" || name == "graphicFrame" || name == "grpSp" ||
                       name == "cxnSp") {
                placeholder.clear();
            } else if (name == "ph") {
                placeholder = reader.attribute("type").value_or("body");
            } else if (name == "txBody") {
                add_shape_text(kind, placeholder, xp::read_text_body(reader), page, location);
            } else if (name == "tbl" && kind != PartKind::master) {
                read_table(reader, page, location);
            } else if (name == "chart" && kind == PartKind::slide) {
                if (auto id = reader.attribute("id")) charts.push_back(*id);
            }
        }
        for (const std::string& id : charts)
            if (const xp::Relationship* rel = xp::find_by_id(rels, id))
                for (std::string& title : xp::read_chart_titles(zip_, rel->target, options_))
                    sink_.add(BlockKind::paragraph, std::move(title), 0, page, location);
    }

    void add_shape_text(PartKind kind, std::string_view placeholder, std::string text, int page,
                        const std::string& location) {
        if (text.empty()) return;
        if (placeholder == "ftr" || placeholder == "hdr") {
            if (!repeated_.insert(text).second) return;
            sink_.add(BlockKind::paragraph, std::move(text), 0, page,
                      placeholder == "ftr" ? "footer" : "header");
            return;
        }
        // Masters and layouts hold prompts ("Click to edit Master title style"); slide numbers
        // and dates are not content; the notes page's slide image has no text of its own.
        if (kind == PartKind::master || placeholder == "sldNum" || placeholder == "dt" ||
            placeholder == "sldImg")
            return;
        if (kind == PartKind::slide && (placeholder == "title" || placeholder == "ctrTitle")) {
            sink_.add(BlockKind::heading, xp::collapse_spaces(text), 1, page, location);
            return;
        }
        sink_.add(BlockKind::paragraph, std::move(text), 0, page, location);
    }

    // From the a:tbl start tag through its end tag: one table_row per a:tr. Cells merged into
    // their neighbour (hMerge/vMerge) are empty; empty leading and trailing cells are dropped.
    void read_table(XmlReader& reader, int page, const std::string& location) {
        const int depth = reader.depth();
        std::vector<std::string> cells;
        for (Event event; (event = reader.next()) != Event::eof;) {
            if (event == Event::start) {
                if (reader.name() == "tr") cells.clear();
                if (reader.name() == "tc") cells.emplace_back();
                if (reader.name() == "txBody" && !cells.empty())
                    cells.back() = xp::collapse_spaces(xp::read_text_body(reader));
            } else if (event == Event::end) {
                if (reader.depth() == depth) break;
                if (reader.name() != "tr") continue;
                while (!cells.empty() && cells.back().empty()) cells.pop_back();
                std::size_t first = 0;
                while (first < cells.size() && cells[first].empty()) ++first;
                std::string row;
                for (std::size_t i = first; i < cells.size(); ++i) {
                    if (i > first) row += kSeparator;
                    row += cells[i];
                }
                sink_.add(BlockKind::table_row, std::move(row), 0, page, location);
            }
        }
    }

    // Comment parts: the old kind (<p:cm><p:text>) and the modern one (<p188:cm> with a text
    // body). One paragraph per comment.
    void read_comments(const std::string& part, int page, const std::string& location) {
        std::optional<std::string> xml = zip_.read(part);
        if (!xml) return;
        XmlReader reader(*xml, part, options_);
        int comment_depth = 0;
        bool in_text = false;
        std::string text;
        for (Event event; (event = reader.next()) != Event::eof;) {
            if (event == Event::start) {
                if (reader.name() == "cm" && comment_depth == 0) {
                    comment_depth = reader.depth();
                    text.clear();
                } else if (comment_depth > 0) {
                    in_text = reader.name() == "text" || reader.name() == "t";
                    if (reader.name() == "p") text += '\n';
                    if (reader.name() == "extLst") reader.skip_element();
                }
            } else if (event == Event::end) {
                in_text = false;
                if (comment_depth > 0 && reader.depth() == comment_depth) {
                    comment_depth = 0;
                    sink_.add(BlockKind::paragraph, xp::clean_lines(text), 0, page, location);
                }
            } else if (in_text) {
                text += reader.text();
            }
        }
    }

    ZipArchive& zip_;
    const ExtractOptions& options_;
    xp::BlockSink& sink_;
    std::set<std::string> repeated_;  // footer and header texts already added
    std::vector<std::string> templates_;
    std::set<std::string> templates_seen_;
};

class PptxExtractor final : public Extractor {
  public:
    std::string_view name() const override { return "pptx"; }
    bool accepts(const FileType& type) const override { return type.format == "pptx"; }

    ExtractedDocument extract(const SourceFile& file,
                              const ExtractOptions& options) const override {
        ZipArchive zip(file.bytes, options, "pptx package");
        ExtractedDocument document;
        document.format = "pptx";
        xp::Relationships package = xp::read_relationships(zip, "", options);
        std::string main = xp::main_part(zip, package, "ppt/presentation.xml");
        if (main.empty())
            fail(FailureKind::corrupt,
                 "the pptx package has no presentation part (ppt/presentation.xml); the file is "
                 "damaged or not a presentation");
        xp::read_core_properties(zip, package, options, document.metadata);

        xp::Relationships rels = xp::read_relationships(zip, main, options);
        Presentation presentation = read_presentation(zip, main, rels, options);
        xp::BlockSink sink(document, options, "pptx presentation");
        DeckReader deck(zip, options, sink);
        for (std::size_t i = 0; i < presentation.slides.size(); ++i)
            deck.read_slide(presentation.slides[i], static_cast<int>(i) + 1);
        for (const std::string& master : presentation.masters) deck.remember_template(master);
        deck.read_templates();

        if (document.metadata.title.empty())
            for (const Block& block : document.blocks)
                if (block.kind == BlockKind::heading) {
                    document.metadata.title = block.text;
                    break;
                }
        xp::collect_embedded_files(zip, "ppt/embeddings/", document);
        return document;
    }
};

}  // namespace

std::unique_ptr<Extractor> make_pptx_extractor() {
    return std::make_unique<PptxExtractor>();
}

}  // namespace deskside::ingest
