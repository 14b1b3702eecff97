// Splits an extracted document into passages for retrieval: ~150-400 words each, cut at
// heading, page and paragraph boundaries where possible (sentences inside an over-long
// paragraph), with a small overlap of trailing sentences so an answer spanning a cut is still
// found whole in one passage.
//
// The document's full text is the blocks joined with "\n\n"; passage offsets are code-point
// offsets into that text. CJK characters count as one word each, since those scripts do not
// separate words with spaces. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ingest/extracted_document.h"

namespace deskside::ingest {

struct ChunkOptions {
    int min_words = 150;     // a passage grows past this before a boundary may end it
    int target_words = 280;  // preferred size: cut at the first paragraph end past it
    int max_words = 400;     // never exceed; long paragraphs are cut at sentence ends
    int overlap_words = 30;  // trailing sentences (up to this many words) repeated in the next
};

struct Passage {
    int ordinal = 0;              // 0-based position in the document
    std::string text;             // UTF-8
    std::int64_t char_start = 0;  // code-point offsets into the document text, end exclusive
    std::int64_t char_end = 0;
    int page = 0;          // page (or slide) where the passage starts; 0 when unknown
    std::string location;  // sheet name etc., from the first block
    std::string heading;   // nearest heading above the passage start
    bool ocr = false;      // any of its text came from OCR
};

// Words as the chunker counts them.
int count_words(std::string_view text);

std::vector<Passage> chunk_document(const ExtractedDocument& document,
                                    const ChunkOptions& options = {});

// The document text that passage offsets refer to: non-empty blocks joined with "\n\n".
std::string document_text(const ExtractedDocument& document);

}  // namespace deskside::ingest
