#include "ingest/extractor.h"

namespace deskside::ingest {

ExtractorRegistry ExtractorRegistry::with_builtin_extractors() {
    ExtractorRegistry registry;
    registry.add(make_plain_text_extractor());
    registry.add(make_markdown_extractor());
    registry.add(make_html_extractor());
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
