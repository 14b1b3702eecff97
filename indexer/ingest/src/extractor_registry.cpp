#include "ingest/extractor.h"

namespace deskside::ingest {

bool past_deadline(const ExtractOptions& options) {
    return options.deadline != std::chrono::steady_clock::time_point::max() &&
           std::chrono::steady_clock::now() >= options.deadline;
}

ExtractorRegistry ExtractorRegistry::with_builtin_extractors() {
    ExtractorRegistry registry;
    registry.add(make_refusing_extractor());  // first: it claims encrypted packages by mime
    registry.add(make_plain_text_extractor());
    registry.add(make_markdown_extractor());
    registry.add(make_html_extractor());
    registry.add(make_pdf_extractor());
    registry.add(make_docx_extractor());
    registry.add(make_xlsx_extractor());
    registry.add(make_pptx_extractor());
    registry.add(make_opendocument_extractor());
    registry.add(make_rtf_extractor());
    registry.add(make_email_extractor());
    registry.add(make_legacy_office_extractor());
    registry.add(make_zip_extractor());
    registry.add(make_ole_object_extractor());
    return registry;
}

void ExtractorRegistry::add(std::unique_ptr<Extractor> extractor) {
    if (extractor) extractors_.push_back(std::move(extractor));
}

const Extractor* ExtractorRegistry::find(const FileType& type) const {
    for (const auto& extractor : extractors_)
        if (extractor->accepts(type)) return extractor.get();
    return nullptr;
}

}  // namespace deskside::ingest
