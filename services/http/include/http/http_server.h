// The Deskside HTTP service: the JSON API under /api/ (health, search, status; see
// services/http/src/api_routes.h) and the intranet page's static files from the web folder.
// Every response carries X-Content-Type-Options: nosniff and a Content-Security-Policy that
// allows only 'self'.
//
// HttpServer owns the listening socket and a bounded pool of worker threads (Poco::Net, kept
// out of this header). Requests run on the workers; start() and stop() are called from one
// controlling thread. Construction binds the socket and throws Error(invalid_argument) for a
// bad address or Error(io) when it cannot listen. A client that disconnects early raises
// SIGPIPE on some systems: the process should ignore it (deskside serve does).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "base/log.h"

namespace deskside::http {

struct ServerOptions {
    // "HOST:PORT" or "[IPv6]:PORT". Port 0 picks a free port (see HttpServer::port()).
    std::string listen = "127.0.0.1:8080";
    std::filesystem::path data_dir = "./deskside-data";  // must hold an index for /api/search
    std::filesystem::path web_dir;  // the page's files; missing = API only, every page 404
    int threads = 8;                // worker threads = concurrent requests, 1..1024
    int max_queued = 64;            // accepted connections waiting for a worker; more are closed
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
    // connections (idle keep-alive, clients still sending) and joins the workers. Idempotent.
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
