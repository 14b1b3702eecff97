// Appends Blocks to a document with tidy text and a cap on the total: shared by the RTF reader
// and the legacy Office extractor (converter output, PowerPoint records). Text is UTF-8; runs
// of spaces and tabs become one space, each line is trimmed, blank lines are dropped. Over
// ExtractOptions::max_output_bytes it fails too_large (a bomb or an export nobody searches).
//
// One writer per extraction; not shared between threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/extracted_document.h"

namespace deskside::ingest::legacy {

// `text` with whitespace tidied as described above; '\n' separates kept lines.
std::string tidy_text(std::string_view text);

// Cells joined by " | " after tidying each to one line; leading and trailing empty cells
// (spreadsheet padding) are dropped, empty cells between filled ones are kept.
std::string join_cells(const std::vector<std::string>& cells);

// `text` as valid UTF-8: CESU-8 surrogate pairs (antiword writes astral characters so) are
// joined and other ill-formed bytes become U+FFFD.
std::string repair_utf8(std::string_view text);

class BlockWriter {
  public:
    // `what` names the document kind in the too_large reason ("RTF document").
    BlockWriter(std::int64_t max_output_bytes, std::string what);

    // Appends a block unless its tidied text is empty; returns whether it did.
    bool add(std::vector<Block>& out, BlockKind kind, std::string_view text, int level = 0,
             int page = 0, std::string_view location = {});

    // Fails too_large when `pending` more bytes would overflow the cap (a paragraph still
    // being gathered), so one endless paragraph is refused before it is complete.
    void check(std::size_t pending) const;

  private:
    [[noreturn]] void overflow() const;

    std::int64_t max_bytes_;
    std::string what_;
    std::int64_t used_ = 0;
};

}  // namespace deskside::ingest::legacy
