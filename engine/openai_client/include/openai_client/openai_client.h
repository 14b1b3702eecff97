// The llm::TextGenerator of a remote OpenAI-compatible server (llm.backend=openai): llama-server,
// Ollama's /v1, vLLM, or Deskside's own `deskside serve`. generate() POSTs
// {base_url}/chat/completions with "stream": true and reads the Server-Sent Events it answers
// with, handing each piece of text to the caller as it arrives.
//
// Threads: any number of threads may call generate() at once. At most max_concurrent calls are
// in flight; up to max_queue more wait for a slot (FIFO is not promised); one more is refused
// with Error(busy). The callback runs on the calling thread; returning false (or throwing)
// closes the connection at once, so the server stops generating, and generate() returns with
// FinishReason::cancelled (or rethrows). A server that ignores "stream" and answers with one
// JSON object is handled too: the whole text is one piece.
//
// https: the server's certificate must chain to the system's CAs (or server.ca_file) and name
// the URL's host (a DNS name, or an IP entry for an address). The process should ignore SIGPIPE
// (`deskside serve` does): a server that hangs up while a request is being written raises it.
//
// Errors (deskside::Error; messages name the URL and the setting to fix):
//   io               cannot connect ("cannot reach llm.url http://...: connection refused"),
//                    a TLS failure (untrusted certificate, another host's), the timeout, the
//                    connection dropped mid-answer, 5xx, a reply that is not the OpenAI format;
//   busy             the local queue is full, or the server answered 429 or 503;
//   invalid_argument 401/403 (the API key), 404 (URL or model name), other 4xx with the
//                    server's message (a prompt longer than its context), a malformed request
//                    (no messages, an unknown role, max_tokens < 1, sampling out of range),
//                    and options out of range at construction.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "llm/text_generator.h"
#include "openai_client/server_options.h"

namespace deskside::openai_client {

struct OpenAiClientOptions {
    ServerOptions server;
    // The context length reported by context_tokens() (prompt and answer together); the prompt
    // builder sizes its passages by it. Default 4096.
    int context_tokens = 4096;
    // At construction, ask the server for its context length (vLLM's GET /v1/models
    // "max_model_len", llama-server's GET /props "n_ctx" per slot) and report the smaller of
    // that and context_tokens. Best effort: a server that answers neither, or cannot be reached,
    // leaves context_tokens as it is and construction goes on. Each probe waits at most 3 s.
    // Default on.
    bool probe_context = true;
    // Also send the sampling fields that are not in OpenAI's API but that llama-server and vLLM
    // accept under these names: "top_k" and "min_p" (when not off). Turn off for a server that
    // rejects unknown fields. repeat_penalty is never sent (the servers disagree on its name and
    // meaning). Default on.
    bool extended_sampling = true;
};

// Counters for /metrics and tests: a consistent snapshot of each value, not of both together.
struct ClientStats {
    int in_flight = 0;  // calls holding a slot
    int queued = 0;     // calls waiting for one
};

class OpenAiClient final : public llm::TextGenerator {
  public:
    // Checks the options (Error(invalid_argument) for a URL that is not http(s)://host[:port]/...,
    // an empty model, max_concurrent < 1, max_queue < 0, timeout <= 0, context_tokens < 1) and,
    // with probe_context, asks the server for its context length (see above).
    explicit OpenAiClient(const OpenAiClientOptions& options);
    ~OpenAiClient() override;

    OpenAiClient(const OpenAiClient&) = delete;
    OpenAiClient& operator=(const OpenAiClient&) = delete;

    std::string model_name() const override;  // options.server.model
    int context_tokens() const override;
    // An estimate, since tokenizing needs the server's vocabulary and /tokenize is not part of
    // the OpenAI API: UTF-8 bytes / 4, rounded up (about right for English with BPE
    // vocabularies; it overestimates for most other scripts, which errs on the side of a prompt
    // that fits).
    int count_tokens(std::string_view text) const override;
    // Results: text is everything the server sent (the server applies the stop strings and
    // leaves them out); prompt_tokens / generated_tokens are the server's "usage" when it
    // reports one, else count_tokens() of the messages and the number of text pieces received.
    llm::GenerationResult generate(const llm::GenerationRequest& request,
                                   const llm::TextCallback& on_text) override;

    ClientStats stats() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace deskside::openai_client
