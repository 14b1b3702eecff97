// OCR of PDF pages that have no usable text layer: the page is rendered with poppler's
// page_renderer and recognised with Tesseract. Tesseract engines are expensive to create
// (hundreds of milliseconds to load a language model), so each thread keeps the ones it made,
// per language string, for the life of the thread.
//
// Thread-safe: every engine belongs to one thread; poppler pages must not be shared between
// threads while these run. Debian's Tesseract is built with OpenMP, which spreads each page over
// all cores and spins while it waits; processes that OCR in parallel should run with
// OMP_THREAD_LIMIT=1 (read only at process start), which more than halves the CPU spent.
#pragma once

#include <string>
#include <vector>

#include "ingest/extractor.h"
#include "pdf/page_layout.h"

namespace poppler {
class page;
}

namespace deskside::ingest::pdf {

// The share of the page (0..1) that is inked outside the boxes of its text-layer words, from a
// cheap low-resolution rendering: a scanned page or an image of text scores high, a blank page
// or a page of real text near zero.
double uncovered_ink(const poppler::page& page, const std::vector<Word>& words);

struct OcrResult {
    std::vector<Paragraph> paragraphs;  // cleaned, in Tesseract's reading order
    std::vector<std::string> warnings;  // missing language data, lowered resolution...
    bool timed_out = false;             // options.deadline passed during recognition
};

// Renders `page` at options.ocr_dpi (lower when the image would pass ~40 megapixels) and
// recognises it in options.ocr_languages. Missing language data is a warning, not an error.
OcrResult ocr_page(const poppler::page& page, const ExtractOptions& options);

}  // namespace deskside::ingest::pdf
