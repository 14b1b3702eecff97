#include "generation/stop_matcher.h"

#include <algorithm>

#include "base/error.h"
#include "base/utf8.h"

namespace deskside::generation {

StopMatcher::StopMatcher(std::vector<std::string> stops) {
    for (std::string& stop : stops) {
        if (stop.empty()) continue;
        if (!utf8::is_valid(stop)) {
            throw Error(ErrorCode::invalid_argument,
                        "stop string is not valid UTF-8: " + utf8::escape_invalid(stop));
        }
        stops_.push_back(std::move(stop));
    }
}

std::string StopMatcher::feed(std::string_view piece) {
    if (stopped_) return {};
    pending_.append(piece);

    // The earliest complete match of any stop string wins.
    std::size_t cut = std::string::npos;
    for (const std::string& stop : stops_) cut = std::min(cut, pending_.find(stop));
    if (cut != std::string::npos) {
        stopped_ = true;
        std::string out = pending_.substr(0, cut);
        pending_.clear();
        return out;
    }

    // Hold back the longest suffix that some stop string begins with. Such a suffix starts
    // where a stop string starts, so (both being valid UTF-8) it never splits a character.
    std::size_t hold = 0;
    for (const std::string& stop : stops_) {
        const std::size_t longest = std::min(stop.size() - 1, pending_.size());
        for (std::size_t n = longest; n > hold; --n) {
            if (std::string_view(pending_).substr(pending_.size() - n) ==
                std::string_view(stop).substr(0, n)) {
                hold = n;
                break;
            }
        }
    }
    std::string out = pending_.substr(0, pending_.size() - hold);
    pending_.erase(0, pending_.size() - hold);
    return out;
}

std::string StopMatcher::flush() {
    std::string out;
    out.swap(pending_);
    return out;
}

}  // namespace deskside::generation
