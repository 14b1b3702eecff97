// Turns what the converters print into Blocks: antiword/catdoc text (a paragraph per line when
// wrapping is off; antiword draws table rows as "|cell |cell |" and puts footnotes after a
// rule of dashes) and xls2csv's CSV (quoted cells may span lines; a form feed ends each sheet).
//
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ingest/extracted_document.h"
#include "legacy/block_writer.h"

namespace deskside::ingest::legacy {

// Word text: non-empty lines become paragraphs, antiword table lines table rows, "[pic]"
// placeholders go, and "[n] ..." notes after antiword's dashed rule get location "footnotes".
void add_word_text(std::string_view text, BlockWriter& writer, std::vector<Block>& out);

// xls2csv output: sheets (split at form feeds) of rows of cells.
using CsvSheet = std::vector<std::vector<std::string>>;
std::vector<CsvSheet> parse_sheets_csv(std::string_view text);

}  // namespace deskside::ingest::legacy
