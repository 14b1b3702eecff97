// ZIP archives as containers: each member file becomes an attachment, extracted by the pipeline
// as a document of its own (nested archives included, up to the pipeline's depth limit); the
// archive's own text is the list of what it holds. Bomb caps come from office::ZipArchive.
// Stateless; thread-safe.
#include <string>

#include "base/error.h"
#include "ingest/extract_failure.h"
#include "ingest/extractor.h"
#include "office/zip_archive.h"

namespace deskside::ingest {
namespace {

// Folders, macOS resource forks and hidden files are not documents.
bool is_member_document(const std::string& name) {
    if (name.empty() || name.back() == '/') return false;
    if (name.starts_with("__MACOSX/")) return false;
    std::size_t slash = name.rfind('/');
    std::string base = slash == std::string::npos ? name : name.substr(slash + 1);
    return !base.empty() && base[0] != '.';
}

class ZipExtractor final : public Extractor {
  public:
    std::string_view name() const override { return "zip"; }
    bool accepts(const FileType& type) const override { return type.format == "zip"; }

    ExtractedDocument extract(const SourceFile& file,
                              const ExtractOptions& options) const override {
        office::ZipArchive archive(file.bytes, options, "ZIP archive");
        ExtractedDocument document;
        document.format = "zip";
        std::string listing;
        int encrypted = 0, members = 0;
        for (const std::string& member : archive.names()) {
            if (!is_member_document(member)) continue;
            ++members;
            try {
                std::optional<std::string> bytes = archive.read(member);
                if (!bytes) continue;
                listing += (listing.empty() ? "" : "\n") + member;
                document.attachments.push_back({member, std::move(*bytes)});
            } catch (const Error& e) {
                if (failure_kind_of(e.what()) != FailureKind::encrypted) throw;
                ++encrypted;
            }
        }
        if (members > 0 && encrypted == members)
            fail(FailureKind::encrypted,
                 "every file in this ZIP archive is password-protected; unpack it to index them");
        if (encrypted > 0)
            document.warnings.push_back(std::to_string(encrypted) +
                                        " password-protected member(s) skipped");
        if (!listing.empty()) {
            Block block;
            block.text = "Files in this archive:\n" + listing;
            document.blocks.push_back(std::move(block));
        }
        return document;
    }
};

}  // namespace

std::unique_ptr<Extractor> make_zip_extractor() {
    return std::make_unique<ZipExtractor>();
}

}  // namespace deskside::ingest
