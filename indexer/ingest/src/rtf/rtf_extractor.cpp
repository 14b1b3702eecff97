// RTF documents. The reader is our own (rtf_reader.h): Debian has no maintained RTF parsing
// library, only the unrtf program, and spawning a program per file costs more than parsing
// RTF, which is a simple token stream; a reader of our own also keeps what unrtf drops (table
// cells, footnotes and comments apart from the text, Unicode surrogate pairs, font code
// pages) and enforces the nesting, size and time caps itself.
//
// The extractor is const and thread-safe: each call builds its own reader.
#include <memory>

#include "ingest/extract_failure.h"
#include "ingest/extractor.h"
#include "rtf/rtf_reader.h"

namespace deskside::ingest {
namespace {

class RtfExtractor final : public Extractor {
  public:
    std::string_view name() const override { return "rtf"; }
    bool accepts(const FileType& type) const override { return type.format == "rtf"; }

    ExtractedDocument extract(const SourceFile& file,
                              const ExtractOptions& options) const override {
        if (file.bytes.empty()) fail(FailureKind::empty, "zero-byte file");
        if (!file.bytes.starts_with("{\\rtf"))
            fail(FailureKind::corrupt, "does not start with {\\rtf; not an RTF document");
        return rtf::read_rtf(file.bytes, options);
    }
};

}  // namespace

std::unique_ptr<Extractor> make_rtf_extractor() {
    return std::make_unique<RtfExtractor>();
}

}  // namespace deskside::ingest
