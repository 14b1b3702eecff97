// Cuts generated text at the first stop string while it streams out piece by piece. Text that
// could still be the start of a stop string is held back until the next piece settles it;
// everything else is released at once, so a client sees text as early as possible and never
// sees any part of a stop string.
//
// One StopMatcher belongs to one sequence and is used by one thread at a time. The constructor
// throws Error(invalid_argument) for a stop string that is not valid UTF-8; empty stop strings
// are ignored. Given whole UTF-8 characters, it releases whole UTF-8 characters.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace deskside::generation {

class StopMatcher {
  public:
    explicit StopMatcher(std::vector<std::string> stops);

    // Adds the next piece of text and returns the text that is now safe to emit (possibly
    // empty). When a stop string completes, returns the text before its earliest occurrence and
    // stopped() becomes true; later calls return "".
    std::string feed(std::string_view piece);

    // The text still held back, released when generation ends without a stop string ("" after
    // a stop).
    std::string flush();

    bool stopped() const { return stopped_; }

  private:
    std::vector<std::string> stops_;
    std::string pending_;  // held back: a suffix that is a proper prefix of some stop string
    bool stopped_ = false;
};

}  // namespace deskside::generation
