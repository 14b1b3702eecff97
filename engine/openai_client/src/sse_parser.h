// SseParser: splits a Server-Sent Events byte stream (the WHATWG "text/event-stream" format)
// into events, fed in whatever pieces the network delivers. Lines end in LF, CRLF or CR; a
// blank line ends an event; "data:" lines join with "\n"; ":" lines are comments. Besides
// "event" and "data" it keeps "error" lines, which llama-server sends instead of data when a
// generation fails mid-stream. A line is only looked at once it is complete, so a multi-byte
// UTF-8 character split across two network reads is whole again before anyone decodes it.
//
// One parser per stream, one thread at a time. Never throws except std::bad_alloc; a line
// longer than max_line_bytes is an error the caller learns of through overflowed().
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace deskside::openai_client::detail {

struct SseEvent {
    std::string event;  // "event:" field ("" = the default, "message")
    std::string data;   // "data:" lines joined with "\n"
    std::string error;  // "error:" lines joined with "\n" (llama-server)
};

class SseParser {
  public:
    explicit SseParser(std::size_t max_line_bytes = 16 << 20) : max_line_bytes_(max_line_bytes) {}

    // Appends the events completed by `bytes` to `out`.
    void feed(std::string_view bytes, std::vector<SseEvent>& out);

    // At the end of the stream: the event still open (its blank line never came), if it has
    // any data or error. Some servers close right after the last "data:" line.
    bool finish(SseEvent& out);

    bool overflowed() const { return overflowed_; }

  private:
    void end_line(std::vector<SseEvent>& out);
    bool take_event(SseEvent& out);

    std::size_t max_line_bytes_;
    std::string line_;
    bool after_cr_ = false;  // the previous byte was CR: a following LF belongs to it
    bool overflowed_ = false;
    SseEvent current_;
    bool has_data_ = false;
    bool has_error_ = false;
};

}  // namespace deskside::openai_client::detail
