// Special-token partition; see special_split.h.
#include "special_split.h"

#include <algorithm>
#include <string>

namespace deskside::tokenizer::detail {

SpecialSplitter::SpecialSplitter(const Vocabulary& vocabulary, const std::vector<bool>& special,
                                 const std::vector<bool>& always)
    : vocabulary_(vocabulary) {
    for (std::int32_t id = 0; id < vocabulary.size(); ++id) {
        const auto i = static_cast<std::size_t>(id);
        if (special[i]) entries_.push_back({id, always[i]});
        any_always_ = any_always_ || (special[i] && always[i]);
    }
    // llama.cpp sorts by length only (std::sort, unstable); ties by id keep us deterministic.
    std::stable_sort(entries_.begin(), entries_.end(), [&](const Entry& a, const Entry& b) {
        return vocabulary.tokens[static_cast<std::size_t>(a.id)].size() >
               vocabulary.tokens[static_cast<std::size_t>(b.id)].size();
    });
}

std::vector<Fragment> SpecialSplitter::split(std::string_view text, bool parse_special) const {
    std::vector<Fragment> fragments;
    if (!text.empty()) fragments.push_back({text, -1});
    if (!parse_special && !any_always_) return fragments;
    // Each token, longest first, cuts every raw fragment left by the tokens before it.
    std::vector<Fragment> next;
    for (const Entry& entry : entries_) {
        if (!parse_special && !entry.always) continue;
        const std::string& token = vocabulary_.tokens[static_cast<std::size_t>(entry.id)];
        const bool found = std::any_of(fragments.begin(), fragments.end(), [&](const Fragment& f) {
            return f.id < 0 && f.text.find(token) != std::string_view::npos;
        });
        if (!found) continue;
        next.clear();
        next.reserve(fragments.size() + 2);
        for (const Fragment& f : fragments) {
            if (f.id >= 0) {
                next.push_back(f);
                continue;
            }
            std::string_view rest = f.text;
            for (std::size_t at = rest.find(token); at != std::string_view::npos;
                 at = rest.find(token)) {
                if (at > 0) next.push_back({rest.substr(0, at), -1});
                next.push_back({rest.substr(at, token.size()), entry.id});
                rest.remove_prefix(at + token.size());
            }
            if (!rest.empty()) next.push_back({rest, -1});
        }
        fragments.swap(next);
    }
    return fragments;
}

}  // namespace deskside::tokenizer::detail
