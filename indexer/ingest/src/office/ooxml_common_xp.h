// Pieces the XLSX and PPTX extractors share: OPC relationships (.rels), the package's main part,
// docProps/core.xml metadata, embedded files, DrawingML text bodies and chart titles,
// mc:AlternateContent branch choice, whitespace clean-up, and BlockSink, which adds blocks
// while enforcing max_output_bytes and the deadline.
//
// Header-only, in its own namespace (office::xp) so that it cannot clash with the docx
// helper's ooxml_package.h. Values, or objects that borrow the caller's archive, reader and
// options for one extraction: one thread per object.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/dates.h"
#include "ingest/extract_failure.h"
#include "ingest/extracted_document.h"
#include "ingest/extractor.h"
#include "office/xml_reader.h"
#include "office/zip_archive.h"

namespace deskside::ingest::office::xp {

// ---- text clean-up ---------------------------------------------------------------------------

inline bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Runs of whitespace (line breaks and no-break spaces included) become one space; no leading or
// trailing space.
inline std::string collapse_spaces(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    bool pending = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        bool nbsp = text[i] == '\xC2' && i + 1 < text.size() && text[i + 1] == '\xA0';
        if (is_space(text[i]) || nbsp) {
            pending = !out.empty();
            i += nbsp;
            continue;
        }
        if (pending) out += ' ';
        pending = false;
        out += text[i];
    }
    return out;
}

// Each line collapsed as above; blank lines dropped; lines joined by a single '\n'.
inline std::string clean_lines(std::string_view text) {
    std::string out;
    while (!text.empty()) {
        std::size_t eol = text.find_first_of("\n\r");
        std::string line = collapse_spaces(text.substr(0, eol));
        text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
        if (line.empty()) continue;
        if (!out.empty()) out += '\n';
        out += line;
    }
    return out;
}

// ---- output budget ------------------------------------------------------------------------------

// Appends blocks to a document, counting their bytes against options.max_output_bytes (fails
// too_large past it: shared-strings and similar amplification bombs) and checking the deadline.
class BlockSink {
  public:
    BlockSink(ExtractedDocument& document, const ExtractOptions& options, std::string what)
        : document_(document), options_(options), what_(std::move(what)) {}

    // Fails too_large when `more` bytes on top of what was added would pass the cap. Lets a
    // caller that builds one large block (a sheet row) stop before building it.
    void reserve(std::int64_t more) const {
        if (used_ + more > options_.max_output_bytes)
            fail(FailureKind::too_large,
                 "the " + what_ + " expands to more than " +
                     std::to_string(options_.max_output_bytes >> 20) +
                     " MB of text (max_output_bytes); it is an amplification bomb or too large "
                     "to index");
    }

    // `text` must already be clean (no leading/trailing whitespace); empty text adds nothing.
    void add(BlockKind kind, std::string text, int level, int page, std::string location) {
        if (text.empty()) return;
        reserve(static_cast<std::int64_t>(text.size()));
        used_ += static_cast<std::int64_t>(text.size());
        Block block;
        block.kind = kind;
        block.text = std::move(text);
        block.level = kind == BlockKind::heading ? level : 0;
        block.page = page;
        block.location = std::move(location);
        document_.blocks.push_back(std::move(block));
        if (++added_ % 1024 == 0) check_deadline("extracting text");
    }

    void check_deadline(std::string_view doing) const {
        if (past_deadline(options_))
            fail(FailureKind::timeout, std::string(doing) + " from the " + what_ +
                                           " took longer than the per-file time limit");
    }

    std::int64_t used() const { return used_; }

  private:
    ExtractedDocument& document_;
    const ExtractOptions& options_;
    std::string what_;
    std::int64_t used_ = 0;
    std::int64_t added_ = 0;
};

// ---- relationships ------------------------------------------------------------------------------

struct Relationship {
    std::string id;
    // The type URI's last segment ("worksheet", "slide", "comments"): Transitional
    // (schemas.openxmlformats.org) and Strict (purl.oclc.org) differ only in the prefix.
    std::string type;
    std::string target;  // part name resolved against the source part; raw when external
    bool external = false;
};
using Relationships = std::vector<Relationship>;

// "xl/workbook.xml" -> "xl/_rels/workbook.xml.rels"; "" (the package) -> "_rels/.rels".
inline std::string relationships_part(std::string_view part) {
    std::size_t slash = part.rfind('/');
    std::string_view folder = slash == std::string_view::npos ? "" : part.substr(0, slash + 1);
    std::string_view name = slash == std::string_view::npos ? part : part.substr(slash + 1);
    return std::string(folder) + "_rels/" + std::string(name) + ".rels";
}

// The relationships of `part` ("" for the package's own); none when it has no .rels part.
inline Relationships read_relationships(ZipArchive& zip, std::string_view part,
                                        const ExtractOptions& options) {
    Relationships out;
    std::string rels_name = relationships_part(part);
    std::optional<std::string> xml = zip.read(rels_name);
    if (!xml) return out;
    XmlReader reader(*xml, rels_name, options);
    for (XmlReader::Event event; (event = reader.next()) != XmlReader::Event::eof;) {
        if (event != XmlReader::Event::start || reader.name() != "Relationship") continue;
        Relationship rel;
        rel.id = reader.attribute("Id").value_or("");
        std::string type = reader.attribute("Type").value_or("");
        rel.type = type.substr(type.rfind('/') == std::string::npos ? 0 : type.rfind('/') + 1);
        std::string target = reader.attribute("Target").value_or("");
        rel.external = reader.attribute("TargetMode").value_or("") == "External";
        rel.target = rel.external ? target : resolve_part_name(part, target);
        out.push_back(std::move(rel));
    }
    return out;
}

inline const Relationship* find_by_id(const Relationships& rels, std::string_view id) {
    for (const Relationship& rel : rels)
        if (rel.id == id && !rel.external) return &rel;
    return nullptr;
}

inline std::vector<const Relationship*> find_by_type(const Relationships& rels,
                                                     std::string_view type) {
    std::vector<const Relationship*> out;
    for (const Relationship& rel : rels)
        if (rel.type == type && !rel.external) out.push_back(&rel);
    return out;
}

// The package's main part (the officeDocument relationship), else `fallback` when the package
// holds it, else "" (the caller fails corrupt naming the part).
inline std::string main_part(const ZipArchive& zip, const Relationships& package,
                             std::string_view fallback) {
    for (const Relationship* rel : find_by_type(package, "officeDocument"))
        if (zip.contains(rel->target)) return rel->target;
    return zip.contains(fallback) ? std::string(fallback) : std::string();
}

// ---- metadata and embedded files ----------------------------------------------------------------

// A W3CDTF date, unless it is before 1980 (the ZIP format's epoch, so no package can be older):
// tools write 1601-01-01 (a zero Windows FILETIME) or 1970-01-01 for "unknown".
inline std::optional<std::int64_t> plausible_date(std::string_view text) {
    std::optional<std::int64_t> when = parse_iso_datetime(text);
    if (when && *when < 315532800) return std::nullopt;  // 1980-01-01T00:00:00Z
    return when;
}

// docProps/core.xml: dc:title, dc:creator, dcterms:created/modified (W3CDTF), dc:language.
inline void read_core_properties(ZipArchive& zip, const Relationships& package,
                                 const ExtractOptions& options, DocumentMetadata& meta) {
    std::string part = "docProps/core.xml";
    for (const Relationship* rel : find_by_type(package, "core-properties")) part = rel->target;
    std::optional<std::string> xml = zip.read(part);
    if (!xml) return;
    XmlReader reader(*xml, part, options);
    std::string field, value;
    for (XmlReader::Event event; (event = reader.next()) != XmlReader::Event::eof;) {
        if (event == XmlReader::Event::start && reader.depth() == 2) {
            field = reader.name();
            value.clear();
        } else if (event == XmlReader::Event::text && !field.empty()) {
            value += reader.text();
        } else if (event == XmlReader::Event::end && reader.depth() == 2) {
            std::string clean = collapse_spaces(value);
            if (field == "title") meta.title = clean;
            if (field == "creator") meta.author = clean;
            if (field == "language") meta.language = clean;
            if (field == "created") meta.created = plausible_date(clean);
            if (field == "modified") meta.modified = plausible_date(clean);
            field.clear();
        }
    }
}

// Every file under `folder` ("ppt/embeddings/"): OLE objects and packages inserted into the
// document. The pipeline extracts them as documents of their own.
inline void collect_embedded_files(ZipArchive& zip, std::string_view folder,
                                   ExtractedDocument& document) {
    for (const std::string& name : zip.names()) {
        if (!name.starts_with(folder) || name.ends_with('/')) continue;
        std::optional<std::string> bytes = zip.read(name);
        if (!bytes) continue;
        document.attachments.push_back({name.substr(name.rfind('/') + 1), std::move(*bytes)});
    }
}

// ---- reading DrawingML --------------------------------------------------------------------------

// mc:AlternateContent offers the same content several ways (mc:Choice..., mc:Fallback); reading
// all would repeat the text. Keeps the first branch and says to skip the others.
class AlternateContent {
  public:
    // For a start event: true when the element is a branch to skip (call skip_element()).
    bool skip(const XmlReader& reader) {
        std::string_view name = reader.name();
        if (name == "AlternateContent") {
            open_.push_back({reader.depth(), false});
            return false;
        }
        if ((name == "Choice" || name == "Fallback") && !open_.empty() &&
            open_.back().depth + 1 == reader.depth()) {
            if (open_.back().taken) return true;
            open_.back().taken = true;
        }
        return false;
    }
    // For an end event.
    void end(const XmlReader& reader) {
        if (reader.name() == "AlternateContent" && !open_.empty() &&
            open_.back().depth == reader.depth())
            open_.pop_back();
    }

  private:
    struct Open {
        int depth;
        bool taken;
    };
    std::vector<Open> open_;
};

// Reads a text body (<p:txBody>, <xdr:txBody>, <a:txBody>) from just after its start tag through
// its end tag: paragraphs (<a:p>) become lines, <a:br/> a line break, runs and fields (<a:t>)
// their text. Returns clean_lines() text.
inline std::string read_text_body(XmlReader& reader) {
    const int depth = reader.depth();
    std::string text;
    AlternateContent alternate;
    bool in_t = false;
    for (XmlReader::Event event; (event = reader.next()) != XmlReader::Event::eof;) {
        if (event == XmlReader::Event::start) {
            if (alternate.skip(reader)) {
                reader.skip_element();
                continue;
            }
            in_t = reader.name() == "t";
            if (reader.name() == "br") text += '\n';
        } else if (event == XmlReader::Event::end) {
            if (reader.depth() == depth) break;
            alternate.end(reader);
            in_t = false;
            if (reader.name() == "p") text += '\n';
        } else if (in_t) {
            text += reader.text();
        }
    }
    return clean_lines(text);
}

// The titles of a chart part (chart and axis titles), each as clean text: rich text (<a:t>) or
// the cached text of a title taken from a cell (<c:v>).
inline std::vector<std::string> read_chart_titles(ZipArchive& zip, const std::string& part,
                                                  const ExtractOptions& options) {
    std::vector<std::string> titles;
    std::optional<std::string> xml = zip.read(part);
    if (!xml) return titles;
    XmlReader reader(*xml, part, options);
    AlternateContent alternate;
    int title_depth = 0;
    bool in_text = false;
    std::string text;
    for (XmlReader::Event event; (event = reader.next()) != XmlReader::Event::eof;) {
        if (event == XmlReader::Event::start) {
            if (alternate.skip(reader)) {
                reader.skip_element();
            } else if (reader.name() == "title" && title_depth == 0) {
                title_depth = reader.depth();
                text.clear();
            } else if (title_depth > 0) {
                in_text = reader.name() == "t" || reader.name() == "v";
                if (reader.name() == "p") text += '\n';
            }
        } else if (event == XmlReader::Event::end) {
            alternate.end(reader);
            in_text = false;
            if (title_depth > 0 && reader.depth() == title_depth) {
                title_depth = 0;
                if (std::string clean = clean_lines(text); !clean.empty())
                    titles.push_back(std::move(clean));
            }
        } else if (in_text) {
            text += reader.text();
        }
    }
    return titles;
}

}  // namespace deskside::ingest::office::xp
