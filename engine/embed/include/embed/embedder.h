// The interface every embedder implements (the BERT-family encoder on a GGUF file, the
// corpus-trained LSA embedder): texts in, one L2-normalised vector per text out. The identity
// ties stored vectors to the embedder that made them, so a change of model is detected.
//
// embed() is const and thread-safe; implementations parallelise inside a call as they see fit.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace deskside::embed {

struct EmbedderIdentity {
    std::string kind;   // "gguf", "lsa" or "openai"
    std::string name;   // model file name, or "lsa"
    std::string hash;   // hex digest of the model file / of the fitted LSA model
    int dimension = 0;

    bool operator==(const EmbedderIdentity&) const = default;
};

class Embedder {
  public:
    virtual ~Embedder() = default;
    virtual const EmbedderIdentity& identity() const = 0;
    int dimension() const { return identity().dimension; }
    // Row-major [texts.size() x dimension()], each row L2-normalised (a text with no usable
    // token gives a zero row).
    virtual std::vector<float> embed(std::span<const std::string> texts) const = 0;
};

}  // namespace deskside::embed
