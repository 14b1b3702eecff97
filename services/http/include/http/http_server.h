// The Deskside HTTP service: the JSON API under /api/ (search, ask, documents, uploads, jobs,
// collections, status, health; docs/api.md), OpenAI-compatible endpoints under /v1/ (chat
// completions on `generator`, embeddings on `embedder`, the model list), Prometheus metrics at
// /metrics, and the intranet page's static files from the web folder. Every response carries
// X-Content-Type-Options: nosniff and a Content-Security-Policy that allows only 'self'.
//
// HttpServer owns the listening socket, a bounded pool of worker threads (Poco::Net, kept out
// of this header) and the one writer thread that applies uploads, deletions and re-index jobs
// in order. Requests run on the workers; start() and stop() are called from one controlling
// thread. Construction binds the socket and throws Error(invalid_argument) for a bad address
// or option, Error(io) when it cannot listen. A client that disconnects early raises SIGPIPE
// on some systems: the process should ignore it (deskside serve does).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "answer/grounded_answerer.h"
#include "base/log.h"
#include "embed/embedder.h"
#include "ingest/pipeline.h"
#include "llm/text_generator.h"
#include "retriever/hybrid_search.h"
#include "vectors/embeddings.h"

namespace deskside::http {

struct ServerOptions {
    // "HOST:PORT" or "[IPv6]:PORT". Port 0 picks a free port (see HttpServer::port()).
    std::string listen = "127.0.0.1:8080";
    std::filesystem::path data_dir = "./deskside-data";  // must hold an index for /api/search
    std::filesystem::path web_dir;  // the page's files; missing = API only, every page 404
    int threads = 8;                // worker threads = concurrent requests, 1..1024
    int max_queued = 64;            // accepted connections waiting for a worker; more are closed

    // A client that sends nothing for this long (while sending its request or body) is
    // dropped; a JSON body must arrive whole within it (408 otherwise).
    int receive_timeout_s = 15;
    std::int64_t max_json_bytes = 64 << 10;  // POST/DELETE bodies of JSON routes (413 above)
    std::int64_t max_upload_bytes = 100
                                    << 20;  // one POST /api/documents body (serve.max_upload_mb)

    // Search and answers: the embedder for queries (as `deskside search`) and fusion options.
    vectors::EmbeddingConfig embedding;
    retriever::HybridOptions hybrid;
    // The model that writes answers, shared by every request; null = the extractive answerer.
    std::shared_ptr<llm::TextGenerator> generator;
    answer::AnswerOptions answer;
    int answer_passages = 8;  // answer.passages

    // OpenAI-compatible endpoints (/v1/): chat completions run on `generator` (null: 404
    // model_not_found), embeddings on `embedder`, the data directory's query embedder (null:
    // 404 model_not_found). A /v1/ body may be up to max_v1_json_bytes (413 above): prompts and
    // embedding batches are larger than the /api/ bodies.
    std::shared_ptr<embed::Embedder> embedder;
    std::int64_t max_v1_json_bytes = 4 << 20;

    // Writes: how uploads and re-index jobs index (as `deskside index` would: threads, caps,
    // worker processes...); roots, collection and prune are set per job. Its keyword language
    // is replaced by the one the index was built with.
    ingest::IndexOptions index;
    // Folders (besides the roots already indexed) whose files POST /api/jobs/reindex may index
    // by path (serve.index_roots). Nothing outside them is ever walked on a request's behalf.
    std::vector<std::filesystem::path> index_roots;
    int upload_wait_s = 120;  // an upload waits this long for its indexing, then answers 202
    int max_jobs_kept = 100;  // finished jobs kept for GET /api/jobs
};

class HttpServer {
  public:
    // Binds the socket (so port() is known) but serves nothing until start().
    explicit HttpServer(ServerOptions options, Logger log = {});
    ~HttpServer();  // stops if running
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Starts serving; once only (a stopped server cannot be restarted).
    void start();
    // Stops accepting, gives requests being answered up to 5 s to finish, closes the other
    // connections (idle keep-alive, clients still sending), cancels the running write job
    // (what it committed stays; a later job resumes) and joins every thread. Idempotent.
    void stop();

    std::uint16_t port() const;  // the bound port
    std::string url() const;     // "http://HOST:PORT/" with the host as given in `listen`

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

struct ListenAddress {
    std::string host;  // without the brackets of an IPv6 address
    std::uint16_t port = 0;
};
// Splits "HOST:PORT" / "[IPv6]:PORT"; throws Error(invalid_argument) naming serve.listen.
ListenAddress parse_listen_address(const std::string& text);

}  // namespace deskside::http
