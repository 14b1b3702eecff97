// OLE2 compound files that are no Word, Excel, PowerPoint or Outlook file: usually an object
// embedded in an Office document (word/embeddings/oleObject1.bin) wrapping a file — a
// "Package" (any file dragged in), an OOXML package or a PDF. The file inside becomes an
// attachment; anything else (pictures, equations) is refused as unsupported.
// Shares the unwrapping with RTF's embedded objects (rtf/rtf_objects.h). Stateless; thread-safe.
#include <optional>

#include "ingest/extract_failure.h"
#include "ingest/extractor.h"
#include "rtf/rtf_objects.h"

namespace deskside::ingest {
namespace {

class OleObjectExtractor final : public Extractor {
  public:
    std::string_view name() const override { return "ole_object"; }
    bool accepts(const FileType& type) const override { return type.format == "ole"; }

    ExtractedDocument extract(const SourceFile& file, const ExtractOptions&) const override {
        std::optional<EmbeddedFile> inside = rtf::decode_ole_object("", file.bytes, 1);
        if (!inside || inside->bytes.empty())
            fail(FailureKind::unsupported,
                 "an OLE compound file that is not a Word, Excel, PowerPoint or Outlook file and "
                 "holds no document (typically a picture or equation embedded in another file)");
        ExtractedDocument document;
        document.format = "ole";
        Block block;
        block.text = "Embedded file: " + inside->name;
        document.blocks.push_back(std::move(block));
        document.attachments.push_back(std::move(*inside));
        return document;
    }
};

}  // namespace

std::unique_ptr<Extractor> make_ole_object_extractor() {
    return std::make_unique<OleObjectExtractor>();
}

}  // namespace deskside::ingest
