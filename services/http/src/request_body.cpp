#include "request_body.h"

#include <algorithm>
#include <cctype>

#include "base/error.h"
#include "base/utf8.h"
#include "http/error_status.h"

namespace deskside::http {

namespace {

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

std::string trim(std::string_view text) {
    std::size_t start = text.find_first_not_of(" \t");
    if (start == std::string_view::npos) return "";
    std::size_t end = text.find_last_not_of(" \t");
    return std::string(text.substr(start, end - start + 1));
}

HttpError too_large(std::int64_t limit) {
    return HttpError(413, "payload_too_large",
                     "the request body is larger than " + std::to_string(limit) + " bytes");
}

HttpError bad_request(const std::string& message) {
    return HttpError(400, "invalid_argument", message);
}

}  // namespace

RequestBody::RequestBody() : started_(std::chrono::steady_clock::now()) {}

RequestBody::RequestBody(std::istream* in, std::int64_t content_length, std::string content_type,
                         std::chrono::seconds timeout)
    : in_(in),
      content_length_(in ? content_length : 0),
      content_type_(std::move(content_type)),
      timeout_(timeout),
      started_(std::chrono::steady_clock::now()),
      finished_(content_length_ == 0) {}

std::string RequestBody::media_type() const {
    return lower(trim(std::string_view(content_type_).substr(0, content_type_.find(';'))));
}

std::string RequestBody::type_parameter(std::string_view name) const {
    std::size_t at = content_type_.find(';');
    while (at != std::string::npos) {
        std::size_t next = content_type_.find(';', at + 1);
        std::string part = trim(std::string_view(content_type_).substr(at + 1, next - at - 1));
        std::size_t eq = part.find('=');
        if (eq != std::string::npos && lower(trim(part.substr(0, eq))) == name) {
            std::string value = trim(part.substr(eq + 1));
            if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
                value = value.substr(1, value.size() - 2);
            return value;
        }
        at = next;
    }
    return "";
}

void RequestBody::check_length(std::int64_t limit) const {
    if (content_length_ > limit || read_ > limit) throw too_large(limit);
}

std::size_t RequestBody::read_some(char* buffer, std::size_t size, std::int64_t limit) {
    if (finished_) return 0;
    check_length(limit);
    if (content_length_ > 0)
        size = static_cast<std::size_t>(
            std::min<std::int64_t>(static_cast<std::int64_t>(size), content_length_ - read_));
    // One receive at a time (peek fills the buffer with what one recv() gives), so the time
    // checks run between receives even when a client sends a byte at a time.
    if (in_->rdbuf()->in_avail() <= 0) in_->peek();
    std::streamsize got =
        in_->good() ? in_->readsome(buffer, static_cast<std::streamsize>(size)) : 0;
    if (got <= 0) {
        if (in_->bad())
            throw HttpError(408, "request_timeout", "the client stopped sending the request body");
        if (content_length_ > 0 && read_ < content_length_)
            throw bad_request("the request body ended before its Content-Length");
        finished_ = true;
        return 0;
    }
    read_ += got;
    if (read_ > limit) throw too_large(limit);
    if (content_length_ > 0 && read_ >= content_length_) finished_ = true;
    auto elapsed = std::chrono::steady_clock::now() - started_;
    double late = std::chrono::duration<double>(elapsed - timeout_).count();
    if (late > 0 && static_cast<double>(read_) < late * kMinStreamBytesPerSecond)
        throw HttpError(408, "request_timeout",
                        "the request body arrives too slowly (under " +
                            std::to_string(kMinStreamBytesPerSecond >> 10) + " KiB/s)");
    return static_cast<std::size_t>(got);
}

std::string RequestBody::read_all(std::int64_t limit) {
    check_length(limit);
    std::string out;
    char buffer[16384];
    while (std::size_t got = read_some(buffer, sizeof buffer, limit)) {
        out.append(buffer, got);
        if (std::chrono::steady_clock::now() - started_ > timeout_)
            throw HttpError(408, "request_timeout",
                            "the request body did not arrive within " +
                                std::to_string(timeout_.count()) + " s");
    }
    return out;
}

nlohmann::json RequestBody::read_json_object(std::int64_t limit,
                                             const std::set<std::string>& allowed) {
    nlohmann::json body = read_json_object(limit);
    std::string unknown;
    for (const auto& [name, value] : body.items())
        if (!allowed.count(name)) unknown += (unknown.empty() ? "" : ", ") + name;
    if (!unknown.empty()) {
        std::string known;
        for (const auto& name : allowed) known += (known.empty() ? "" : ", ") + name;
        throw bad_request("unknown field(s) in the body: " + unknown + " (known: " + known + ")");
    }
    return body;
}

nlohmann::json RequestBody::read_json_object(std::int64_t limit) {
    std::string type = media_type();
    if (type != "application/json")
        throw HttpError(415, "unsupported_media_type",
                        "send the body as Content-Type: application/json" +
                            (type.empty() ? std::string() : ", not " + type));
    std::string charset = lower(type_parameter("charset"));
    if (!charset.empty() && charset != "utf-8" && charset != "utf8")
        throw HttpError(415, "unsupported_media_type", "JSON bodies must be UTF-8, not " + charset);
    std::string text = read_all(limit);
    nlohmann::json body;
    try {
        body = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        throw bad_request("malformed JSON body at byte " + std::to_string(e.byte) +
                          (text.empty() ? " (the body is empty)" : ""));
    }
    if (!body.is_object()) throw bad_request("the JSON body must be an object {...}");
    return body;
}

std::string string_member(const nlohmann::json& object, const char* name,
                          const std::string& fallback, std::size_t max_bytes) {
    auto it = object.find(name);
    if (it == object.end() || it->is_null()) return fallback;
    if (!it->is_string()) throw bad_request(std::string(name) + " must be a string");
    std::string value = it->get<std::string>();
    if (value.size() > max_bytes)
        throw bad_request(std::string(name) + " is longer than " + std::to_string(max_bytes) +
                          " bytes");
    if (!utf8::is_valid(value)) throw bad_request(std::string(name) + " is not valid UTF-8");
    return value;
}

bool bool_member(const nlohmann::json& object, const char* name, bool fallback) {
    auto it = object.find(name);
    if (it == object.end() || it->is_null()) return fallback;
    if (!it->is_boolean()) throw bad_request(std::string(name) + " must be true or false");
    return it->get<bool>();
}

int int_member(const nlohmann::json& object, const char* name, int fallback, int min, int max) {
    auto it = object.find(name);
    if (it == object.end() || it->is_null()) return fallback;
    if (!it->is_number_integer() || it->get<std::int64_t>() < min || it->get<std::int64_t>() > max)
        throw bad_request(std::string(name) + " must be a whole number from " +
                          std::to_string(min) + " to " + std::to_string(max));
    return static_cast<int>(it->get<std::int64_t>());
}

}  // namespace deskside::http
