// Reads an RTF document into blocks, metadata and attachments: the group and destination
// state machine over rtf_tokenizer's tokens. It keeps the text of the body, table cells and
// rows, hyperlink results, text boxes, headers, footers, footnotes and annotations; skips the
// font, colour, style and list tables, pictures, \bin data, field instructions and unknown \*
// destinations; decodes \'hh in the code page of the current font's \fcharset (else the
// document's \ansicpg) and \uN with its \ucN fallback skipped and surrogate pairs joined;
// takes headings from \outlinelevelN and "heading N" styles, and title, author and dates from
// \info; turns \object data into attachments (rtf_objects.h).
//
// One call per document; thread-safe (no shared state).
#pragma once

#include <string_view>

#include "ingest/extracted_document.h"
#include "ingest/extractor.h"

namespace deskside::ingest::rtf {

// Throws Error(bad_document) with "too large: ..." over max_nesting_depth or max_output_bytes
// and "timeout: ..." past the deadline. A file cut short gives what was read and a warning.
ExtractedDocument read_rtf(std::string_view bytes, const ExtractOptions& options);

}  // namespace deskside::ingest::rtf
