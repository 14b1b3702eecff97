// The embed::Embedder of a remote OpenAI-compatible server: POST {base_url}/embeddings with
// {"model", "input": [texts...]} in batches, each vector L2-normalised here (servers differ on
// whether they normalise). Lets an office point the vector arm at a GPU server.
//
// Identity: kind "openai", name = the model name, hash = FNV-1a-64 (hex) of "openai", the model
// name and the dimension. A remote server cannot say which weights it runs, so a model swapped
// behind the same name and dimension goes unnoticed; change the name to force a re-embed.
//
// Threads: embed() is const and may be called from any number of threads; calls in flight are
// bounded by server.max_concurrent with server.max_queue waiting (one more: Error(busy)).
// Errors as OpenAiClient (openai_client.h), plus Error(io) for a reply with the wrong number of
// vectors, a vector of the wrong dimension or a non-finite value.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "embed/embedder.h"
#include "openai_client/server_options.h"

namespace deskside::openai_client {

// ServerOptions with the settings group "embed" in messages.
inline ServerOptions embedding_server_options() {
    ServerOptions options;
    options.setting_prefix = "embed";
    return options;
}

struct OpenAiEmbedderOptions {
    ServerOptions server = embedding_server_options();
    // Texts per request. Default 32.
    int batch_size = 32;
    // The vectors' dimension; 0 = embed one short text at construction to learn it (which then
    // needs the server up). Every reply is checked against it. Default 0.
    int dimension = 0;
};

class OpenAiEmbedder final : public embed::Embedder {
  public:
    // Checks the options (Error(invalid_argument), as OpenAiClient, and batch_size < 1,
    // dimension < 0); with dimension 0, asks the server (any error of embed()).
    explicit OpenAiEmbedder(const OpenAiEmbedderOptions& options);
    ~OpenAiEmbedder() override;

    OpenAiEmbedder(const OpenAiEmbedder&) = delete;
    OpenAiEmbedder& operator=(const OpenAiEmbedder&) = delete;

    const embed::EmbedderIdentity& identity() const override;
    // A text with nothing but white space is not sent (servers reject empty input) and gets a
    // zero row; so does a text whose vector comes back all zeros.
    std::vector<float> embed(std::span<const std::string> texts) const override;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace deskside::openai_client
