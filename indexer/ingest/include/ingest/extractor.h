// The parser interface: one Extractor per family of formats, chosen by detected FileType.
// Adding a format means adding an Extractor and registering it in ExtractorRegistry
// (docs/howto-add-format.md).
//
// Extractors are stateless after construction and must be safe to call from several threads
// at once. They throw Error(bad_document) for a file they cannot read (the message is the
// one-line reason recorded in the catalog) and Error(unsupported) for a format they refuse.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/extracted_document.h"
#include "ingest/file_type.h"

namespace deskside::ingest {

// Limits and switches for one extraction. Extractors enforce the caps themselves and fail with
// FailureKind::too_large / timeout (ingest/extract_failure.h); the pipeline's worker process
// is the backstop when a third-party parser ignores them.
struct ExtractOptions {
    std::int64_t max_output_bytes = 256ll << 20;  // cap on extracted text (bomb defence)
    // Archives (OOXML, ODF): caps on the sum of uncompressed sizes read and on entries listed.
    std::int64_t max_unpacked_bytes = 512ll << 20;
    int max_archive_entries = 10000;
    int max_nesting_depth = 256;  // XML / MIME / RTF group nesting
    // Past this point in time the extractor gives up (FailureKind::timeout). Checked between
    // pages, XML parts and similar units of work.
    std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
    // OCR of pages (and images) without a text layer.
    bool ocr = true;
    std::string ocr_languages = "eng";  // Tesseract language codes joined by '+'
    int ocr_dpi = 300;
};

// True once `options.deadline` has passed.
bool past_deadline(const ExtractOptions& options);

struct SourceFile {
    std::filesystem::path path;  // for messages and extension hints only
    std::string_view bytes;      // the whole file; owned by the caller for the call's duration
    FileType type;               // from detect_file_type
};

class Extractor {
  public:
    virtual ~Extractor() = default;
    virtual std::string_view name() const = 0;
    virtual bool accepts(const FileType& type) const = 0;
    virtual ExtractedDocument extract(const SourceFile& file,
                                      const ExtractOptions& options) const = 0;
};

// Owns the extractors. Built once, then read-only: thread-safe for lookups.
class ExtractorRegistry {
  public:
    // Every extractor built into this binary.
    static ExtractorRegistry with_builtin_extractors();

    void add(std::unique_ptr<Extractor> extractor);
    // The first extractor that accepts `type`, or nullptr.
    const Extractor* find(const FileType& type) const;

  private:
    std::vector<std::unique_ptr<Extractor>> extractors_;
};

// Built-in extractors. The text formats live in src/; each family of binary formats has its
// own folder under src/ (pdf/, office/, rtf/, email/, legacy/, archive/).
std::unique_ptr<Extractor> make_plain_text_extractor();     // "text", "csv"
std::unique_ptr<Extractor> make_markdown_extractor();       // "markdown"
std::unique_ptr<Extractor> make_html_extractor();           // "html"
std::unique_ptr<Extractor> make_pdf_extractor();            // "pdf" (poppler, Tesseract OCR)
std::unique_ptr<Extractor> make_docx_extractor();           // "docx" (WordprocessingML)
std::unique_ptr<Extractor> make_xlsx_extractor();           // "xlsx" (SpreadsheetML)
std::unique_ptr<Extractor> make_pptx_extractor();           // "pptx" (PresentationML)
std::unique_ptr<Extractor> make_opendocument_extractor();   // "odt", "ods", "odp", flat XML
std::unique_ptr<Extractor> make_rtf_extractor();            // "rtf"
std::unique_ptr<Extractor> make_email_extractor();          // "email": .eml, mbox, Outlook .msg
std::unique_ptr<Extractor> make_legacy_office_extractor();  // "doc", "xls", "ppt" via converters
std::unique_ptr<Extractor> make_zip_extractor();            // "zip": members become attachments
std::unique_ptr<Extractor> make_ole_object_extractor();     // "ole": the file an OLE object wraps
// Files that detection already knows cannot be read: encrypted OOXML packages (an OLE2
// container holding EncryptionInfo), other OLE2 files, binary data: fails with the right kind.
std::unique_ptr<Extractor> make_refusing_extractor();

}  // namespace deskside::ingest
