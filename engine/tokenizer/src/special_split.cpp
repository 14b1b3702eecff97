// User-defined token partition; see special_split.h.
#include "special_split.h"

#include <algorithm>
#include <string>

namespace deskside::tokenizer::detail {

SpecialSplitter::SpecialSplitter(const Vocabulary& vocabulary) : vocabulary_(vocabulary) {
    for (std::int32_t id = 0; id < vocabulary.size(); ++id) {
        if (vocabulary.type(id) == TokenType::user_defined) ids_.push_back(id);
    }
    // llama.cpp sorts by length only (std::sort, unstable); ties by id keep us deterministic.
    std::stable_sort(ids_.begin(), ids_.end(), [&](std::int32_t a, std::int32_t b) {
        return vocabulary.tokens[static_cast<std::size_t>(a)].size() >
               vocabulary.tokens[static_cast<std::size_t>(b)].size();
    });
}

std::vector<Fragment> SpecialSplitter::split(std::string_view text) const {
    std::vector<Fragment> fragments;
    if (!text.empty()) fragments.push_back({text, -1});
    // Each token, longest first, cuts every raw fragment left by the tokens before it.
    for (std::int32_t id : ids_) {
        const std::string& token = vocabulary_.tokens[static_cast<std::size_t>(id)];
        std::vector<Fragment> next;
        next.reserve(fragments.size());
        for (const Fragment& f : fragments) {
            if (f.id >= 0) {
                next.push_back(f);
                continue;
            }
            std::string_view rest = f.text;
            for (std::size_t at = rest.find(token); at != std::string_view::npos;
                 at = rest.find(token)) {
                if (at > 0) next.push_back({rest.substr(0, at), -1});
                next.push_back({rest.substr(at, token.size()), id});
                rest.remove_prefix(at + token.size());
            }
            if (!rest.empty()) next.push_back({rest, -1});
        }
        fragments = std::move(next);
    }
    return fragments;
}

}  // namespace deskside::tokenizer::detail
