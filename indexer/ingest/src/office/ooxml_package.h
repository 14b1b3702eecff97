// Pieces of the Open Packaging Conventions shared by the OOXML extractors (docx, xlsx, pptx):
// relationship parts (_rels/*.rels), the main part named by the package relationships, and
// the document properties in docProps/core.xml. Matching is by local name and by the last
// segment of a relationship type, so Transitional and Strict (purl.oclc.org) packages read alike.
//
// Header-only free functions over an office::ZipArchive the caller owns; one thread per archive.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/dates.h"
#include "ingest/extracted_document.h"
#include "ingest/extractor.h"
#include "office/xml_reader.h"
#include "office/zip_archive.h"

namespace deskside::ingest::office {

struct Relationship {
    std::string id;
    std::string type;    // full type URI
    std::string target;  // part name resolved against the source part; raw URI when external
    bool external = false;
};

// The relationship part of `part` ("word/document.xml" -> "word/_rels/document.xml.rels");
// the package's own relationships for an empty `part`.
inline std::string relationships_part_of(std::string_view part) {
    std::size_t slash = part.rfind('/');
    std::string_view folder = slash == std::string_view::npos ? "" : part.substr(0, slash + 1);
    std::string_view file = slash == std::string_view::npos ? part : part.substr(slash + 1);
    return std::string(folder) + "_rels/" + std::string(file) + ".rels";
}

// True when the relationship type's last segment is `kind` ("officeDocument", "header").
inline bool has_type(const Relationship& rel, std::string_view kind) {
    std::string_view type = rel.type;
    return type.size() > kind.size() && type.ends_with(kind) &&
           type[type.size() - kind.size() - 1] == '/';
}

// Resolves a relationship target held by `source_part` ("" for the package itself).
inline std::string resolve_target(std::string_view source_part, std::string_view target) {
    if (source_part.empty()) {
        while (target.starts_with('/')) target.remove_prefix(1);
        return resolve_part_name("_root", target);  // the package root is the folder ""
    }
    return resolve_part_name(source_part, target);
}

// The relationships of `part` ("" for the package), in document order; empty when the part
// has none. Malformed XML fails corrupt (through XmlReader).
inline std::vector<Relationship> read_relationships(ZipArchive& zip, std::string_view part,
                                                    const ExtractOptions& options) {
    std::vector<Relationship> out;
    std::string rels_name = relationships_part_of(part);
    std::optional<std::string> xml = zip.read(rels_name);
    if (!xml) return out;
    XmlReader reader(*xml, rels_name, options);
    for (auto event = reader.next(); event != XmlReader::Event::eof; event = reader.next()) {
        if (event != XmlReader::Event::start || reader.name() != "Relationship") continue;
        Relationship rel;
        rel.id = reader.attribute("Id").value_or("");
        rel.type = reader.attribute("Type").value_or("");
        std::string target = reader.attribute("Target").value_or("");
        rel.external = reader.attribute("TargetMode").value_or("") == "External";
        rel.target = rel.external ? target : resolve_target(part, target);
        out.push_back(std::move(rel));
    }
    return out;
}

// The first relationship of the given kind, or nullptr.
inline const Relationship* find_relationship(const std::vector<Relationship>& rels,
                                             std::string_view kind) {
    for (const Relationship& rel : rels)
        if (!rel.external && has_type(rel, kind)) return &rel;
    return nullptr;
}

// The main part named by the package's officeDocument relationship, or `fallback` when the
// package has no such relationship (some generators omit _rels/.rels).
inline std::string main_part_name(const std::vector<Relationship>& package_rels,
                                  std::string_view fallback) {
    const Relationship* rel = find_relationship(package_rels, "officeDocument");
    return rel && !rel->target.empty() ? rel->target : std::string(fallback);
}

// Title, author, dates and language from the core-properties part (docProps/core.xml unless
// the package relationships name another). Missing or empty fields stay empty.
inline void read_core_properties(ZipArchive& zip, const std::vector<Relationship>& package_rels,
                                 const ExtractOptions& options, DocumentMetadata& meta) {
    const Relationship* rel = find_relationship(package_rels, "core-properties");
    std::string part = rel ? rel->target : "docProps/core.xml";
    std::optional<std::string> xml = zip.read(part);
    if (!xml) return;
    XmlReader reader(*xml, part, options);
    std::string field, value;
    for (auto event = reader.next(); event != XmlReader::Event::eof; event = reader.next()) {
        if (event == XmlReader::Event::start && reader.depth() == 2) {
            field = std::string(reader.name());
            value.clear();
        } else if (event == XmlReader::Event::text && !field.empty()) {
            value += reader.text();
        } else if (event == XmlReader::Event::end && reader.depth() == 2 && !field.empty()) {
            std::string_view text = value;
            while (!text.empty() && (text.front() == ' ' || text.front() == '\n' ||
                                     text.front() == '\t' || text.front() == '\r'))
                text.remove_prefix(1);
            while (!text.empty() && (text.back() == ' ' || text.back() == '\n' ||
                                     text.back() == '\t' || text.back() == '\r'))
                text.remove_suffix(1);
            if (field == "title" && meta.title.empty()) meta.title = text;
            if (field == "creator" && meta.author.empty()) meta.author = text;
            if (field == "language" && meta.language.empty()) meta.language = text;
            if (field == "created" && !meta.created) meta.created = parse_iso_datetime(text);
            if (field == "modified" && !meta.modified) meta.modified = parse_iso_datetime(text);
            field.clear();
        }
    }
}

}  // namespace deskside::ingest::office
