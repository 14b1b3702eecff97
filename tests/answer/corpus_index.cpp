#include "corpus_index.h"

#include <gtest/gtest.h>

#include <memory>

#include "base/log.h"
#include "ingest/pipeline.h"
#include "test_support.h"
#include "vectors/embeddings.h"

namespace deskside::testing {

const store::DataDir& answer_corpus() {
    static std::unique_ptr<TempDir> tmp;
    static std::unique_ptr<store::DataDir> dir;
    if (dir) return *dir;
    tmp = std::make_unique<TempDir>();
    dir = std::make_unique<store::DataDir>(tmp->path() / "data");
    const auto corpus = corpus_dir();
    ingest::IndexOptions mozilla;
    mozilla.collection = "mozilla";
    mozilla.roots = {corpus / "pdf" / "pdfjs-pdfjs_wikipedia.pdf",
                     corpus / "pdf" / "pdfjs-tracemonkey.pdf"};
    auto first = ingest::run_index(*dir, mozilla, nullptr, Logger());
    EXPECT_EQ(first.indexed, 2);
    ingest::IndexOptions misc;
    misc.collection = "misc";
    misc.roots = {corpus / "pdf" / "tika-testPDF.pdf", corpus / "docx" / "poi-SampleDoc.docx",
                  corpus / "html" / "tika-resume.html", corpus / "txt"};
    auto second = ingest::run_index(*dir, misc, nullptr, Logger());
    EXPECT_GE(second.indexed, 10);
    vectors::sync_vectors(*dir, vectors::EmbeddingConfig{}, vectors::SyncOptions{});
    return *dir;
}

}  // namespace deskside::testing
