#include "sse_parser.h"

#include <utility>

namespace deskside::openai_client::detail {

void SseParser::feed(std::string_view bytes, std::vector<SseEvent>& out) {
    for (char c : bytes) {
        if (after_cr_) {
            after_cr_ = false;
            if (c == '\n') continue;
        }
        if (c == '\r' || c == '\n') {
            after_cr_ = c == '\r';
            end_line(out);
        } else if (line_.size() < max_line_bytes_) {
            line_.push_back(c);
        } else {
            overflowed_ = true;
        }
    }
}

void SseParser::end_line(std::vector<SseEvent>& out) {
    std::string_view line = line_;
    if (line.empty()) {
        SseEvent event;
        if (take_event(event)) out.push_back(std::move(event));
    } else if (line.front() != ':') {
        auto colon = line.find(':');
        std::string_view field = line.substr(0, colon);
        std::string_view value;
        if (colon != std::string_view::npos) {
            value = line.substr(colon + 1);
            if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        }
        auto append = [&](std::string& to, bool& has) {
            if (has) to.push_back('\n');
            to.append(value);
            has = true;
        };
        if (field == "data")
            append(current_.data, has_data_);
        else if (field == "error")
            append(current_.error, has_error_);
        else if (field == "event")
            current_.event.assign(value);
        // "id", "retry" and unknown fields are ignored, as the format says.
    }
    line_.clear();
}

bool SseParser::take_event(SseEvent& out) {
    bool any = has_data_ || has_error_;
    if (any) out = std::move(current_);
    current_ = SseEvent{};
    has_data_ = has_error_ = false;
    return any;
}

bool SseParser::finish(SseEvent& out) {
    if (!line_.empty()) {
        std::vector<SseEvent> ignored;  // a non-blank line cannot complete an event
        end_line(ignored);
    }
    return take_event(out);
}

}  // namespace deskside::openai_client::detail
