// Files whose type detection already tells that they cannot be read: password-protected OOXML
// and ODF packages, pictures, and binary data of no known format.
// Refusing them here gives each a reason of the right kind instead of a generic "no extractor".
#include <string>

#include "ingest/extract_failure.h"
#include "ingest/extractor.h"

namespace deskside::ingest {
namespace {

class RefusingExtractor final : public Extractor {
  public:
    std::string_view name() const override { return "refusing"; }

    bool accepts(const FileType& type) const override {
        return type.mime == kEncryptedPackageMime || type.format == "binary" ||
               type.format == "image";
    }

    ExtractedDocument extract(const SourceFile& file, const ExtractOptions&) const override {
        if (file.type.mime == kEncryptedPackageMime)
            fail(FailureKind::encrypted,
                 "password-protected " + file.type.format +
                     " (an encrypted package); Deskside indexes only files saved without a "
                     "password to open");
        if (file.type.format == "image")
            fail(FailureKind::unsupported,
                 "a picture (" + file.type.mime +
                     "): pictures are not indexed; only scanned pages inside PDFs are OCR'd");
        std::string extension = file.path.extension().string();
        fail(FailureKind::unsupported,
             "binary data of no known document format" +
                 (extension.empty() ? std::string()
                                    : " (the name says " + extension + ", the content does not)"));
    }
};

}  // namespace

std::unique_ptr<Extractor> make_refusing_extractor() {
    return std::make_unique<RefusingExtractor>();
}

}  // namespace deskside::ingest
