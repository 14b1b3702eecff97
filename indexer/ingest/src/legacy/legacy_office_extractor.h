// Internal entry point of the legacy Office extractor for tests: the same extractor as
// make_legacy_office_extractor(), but looking for its converter programs in
// `converter_search_path` (colon-separated folders) instead of $PATH, so a test can show what
// happens when antiword or catdoc is not installed without touching the process environment.
#pragma once

#include <memory>
#include <string>

#include "ingest/extractor.h"

namespace deskside::ingest::legacy {

std::unique_ptr<Extractor> make_legacy_office_extractor(std::string converter_search_path);

}  // namespace deskside::ingest::legacy
