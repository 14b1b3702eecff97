// The data directory the answer tests ask questions of: real files of the shared office corpus
// (the PDF.js Wikipedia article and the TraceMonkey paper in collection "mozilla"; a Tika test
// PDF, POI's sample .docx, a résumé page and the plain-text files in collection "misc"),
// indexed through the real pipeline with LSA vectors, once per test binary. Test-only.
#pragma once

#include "store/data_dir.h"

namespace deskside::testing {

// Indexes on first use; the directory is removed when the program exits.
const store::DataDir& answer_corpus();

}  // namespace deskside::testing
