// What a route receives and answers, independent of the HTTP library: ApiRequest (method,
// decoded path and query, the body read on demand), ApiReply (a JSON body, a file or a stream
// of Server-Sent Events, with a status and headers) and EventStream, which the server
// implements. Plain types; a request and its reply belong to one worker thread.
#pragma once

#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "request_body.h"

namespace deskside::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct ApiRequest {
    std::string method;                                       // "GET", "HEAD", "POST", ...
    std::string path;                                         // decoded: "/api/...", "/v1/..."
    std::vector<std::pair<std::string, std::string>> params;  // decoded, in request order
    RequestBody* body = nullptr;                              // null = no body
    // True once the client has closed its connection (cheap: one non-blocking peek), so a
    // long reply that is not streamed can stop early. Empty = cannot tell (tests).
    std::function<bool()> client_gone;
};

// A response sent as Server-Sent Events, implemented by the server.
class EventStream {
  public:
    virtual ~EventStream() = default;
    // Sends "event: NAME\ndata: JSON\n\n" and flushes it; the first call sends the headers
    // (200, text/event-stream). False once the client has gone: nothing more is sent.
    virtual bool send(std::string_view event, const nlohmann::json& data) = 0;
    // Sends "data: DATA\n\n" with no event name (the OpenAI stream format; DATA holds no
    // newline), likewise.
    virtual bool send_data(std::string_view data) = 0;
    virtual bool started() const = 0;
};

struct FileBody {
    std::filesystem::path path;
    std::string content_type;
};

struct ApiReply {
    int status = 200;
    nlohmann::json body;
    Headers headers;  // besides Content-Type and the security headers
    // Instead of `body`: the bytes of a file, or events written by `stream` (which may throw
    // before its first event: the error is then answered as JSON; after it, as an error event).
    std::optional<FileBody> file;
    std::function<void(EventStream&)> stream;
};

}  // namespace deskside::http
