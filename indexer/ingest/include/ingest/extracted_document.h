// What an extractor produces from one file: the document's text as an ordered list of blocks
// (headings, paragraphs, table rows, page breaks) plus its metadata. The chunker turns blocks
// into passages; blocks carry what citations need (page, sheet or slide).
//
// Plain value types; owned by whoever holds them; no thread affinity.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace deskside::ingest {

enum class BlockKind {
    heading,    // a title or section heading; `level` 1..6
    paragraph,  // running text (also list items, code, quotes)
    table_row,  // one row of a table or sheet, cells separated by " | "
};

struct Block {
    BlockKind kind = BlockKind::paragraph;
    std::string text;      // UTF-8, no leading/trailing whitespace; may hold single '\n'
    int level = 0;         // heading level, 0 for other kinds
    int page = 0;          // 1-based page (PDF), slide (decks); 0 when unknown
    std::string location;  // named place for citations: sheet name, "slide 3"; may be empty
    bool ocr = false;      // text came from OCR of a scanned page
};

struct DocumentMetadata {
    std::string title;  // from the document itself; empty if none
    std::string author;
    std::optional<std::int64_t> created;   // Unix seconds
    std::optional<std::int64_t> modified;  // Unix seconds
    std::string language;                  // BCP-47 tag if the document declares one
    std::string encoding;                  // source character encoding when it was text ("UTF-8")
    std::vector<std::pair<std::string, std::string>>
        fields;  // other named fields: "from", "to", "cc" (e-mail)
};

// A file inside a document (an e-mail attachment, a PDF's embedded file, an object embedded
// in a Word file). The pipeline extracts it as a document of its own, linked to its container.
struct EmbeddedFile {
    std::string name;   // file name as the container gives it ("report.pdf"); may be empty
    std::string bytes;  // the decoded content
};

struct ExtractedDocument {
    std::string format;  // short format name: "text", "markdown", "html", "pdf", "docx"...
    DocumentMetadata metadata;
    std::vector<Block> blocks;
    std::vector<std::string> warnings;  // non-fatal problems worth recording ("script dropped")
    std::vector<EmbeddedFile> attachments;
};

}  // namespace deskside::ingest
