// Where an OpenAI-compatible server is and how to talk to it: the options shared by the chat
// client (openai_client.h) and the embedder (openai_embedder.h). Plain values, no behaviour;
// the classes that take them validate them (Error(invalid_argument) naming the setting).
//
// Error messages name settings as "<setting_prefix>.url", ".api_key", ".remote_model",
// ".timeout_s", ".parallel" and ".max_queue", so the services layer's llm.* settings (or a future
// embed.* group) are what a reader is told to fix.
#pragma once

#include <chrono>
#include <string>

#include "base/log.h"

namespace deskside::openai_client {

struct ServerOptions {
    // The server's OpenAI base URL, up to and including the version component, as the server's
    // documentation gives it: "http://gpu-box:8000/v1" (vLLM), "http://gpu-box:8080/v1"
    // (llama-server), "http://gpu-box:11434/v1" (Ollama). http or https. Required.
    std::string base_url;
    // The model name sent in every request ("qwen2.5:7b", "Qwen/Qwen2.5-7B-Instruct"). Required.
    std::string model;
    // Sent as "Authorization: Bearer <api_key>"; "" = no Authorization header.
    std::string api_key;
    // The longest one call may take once it holds a slot: connecting, sending, and reading the
    // whole answer (checked before every read, so a server that stalls mid-stream is given up on
    // too). Time spent waiting for a slot is not counted. Default 120 s.
    std::chrono::milliseconds timeout{120'000};
    // Calls in flight at once (a counting semaphore; the server's own parallelism is what this
    // should match). Default 4.
    int max_concurrent = 4;
    // Calls that may wait for a slot; one more is refused at once with Error(busy). Default 16.
    int max_queue = 16;
    // https only: a PEM file of the certificate authorities to trust (an office's own CA);
    // "" = the system's default CA store. The server's host name is always checked.
    std::string ca_file;
    // The settings group named in error messages ("llm" -> "llm.url").
    std::string setting_prefix = "llm";
    // Where probes and protocol oddities are logged (default: nowhere).
    Logger logger;
};

}  // namespace deskside::openai_client
