// What an OpenAI-compatible server's error replies mean to Deskside: the server's own message
// pulled out of the body, and the HTTP status turned into a deskside::Error whose code tells
// the service what to answer (busy -> 503, invalid_argument -> 4xx, io -> 502-like).
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "base/error.h"
#include "server_endpoint.h"

namespace deskside::openai_client::detail {

// The message in an error body: {"error": {"message": ...}} (OpenAI, vLLM, llama-server),
// {"error": "..."} (Ollama), {"message": ...}, {"detail": ...} (FastAPI), else the body itself;
// at most 300 bytes, invalid UTF-8 escaped. "" for an empty body.
std::string server_message(std::string_view body);

// The error for a reply with HTTP status `status` to the request at `url`:
//   401, 403          invalid_argument "the server refused the API key (llm.api_key)"
//   404               invalid_argument naming the URL and the model (llm.remote_model)
//   429, 503          busy
//   408, 5xx, others  io
//   other 4xx         invalid_argument (the server's message says what: context exceeded...)
Error status_error(const ServerEndpoint& endpoint, int status, std::string_view message,
                   const std::string& url);

}  // namespace deskside::openai_client::detail
