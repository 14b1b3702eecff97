#include "retriever/snippet.h"

#include "base/utf8.h"

namespace deskside::retriever {

PlainSnippet unmark_snippet(std::string_view marked) {
    static constexpr std::pair<std::string_view, char> kEntities[] = {
        {"&amp;", '&'},  {"&lt;", '<'},   {"&gt;", '>'},
        {"&quot;", '"'}, {"&#39;", '\''}, {"&apos;", '\''}};
    PlainSnippet out;
    std::int64_t cp = 0;
    std::int64_t open_at = -1;
    for (std::size_t i = 0; i < marked.size();) {
        char c = marked[i];
        if (c == kHighlightStart) {
            open_at = cp;
            ++i;
            continue;
        }
        if (c == kHighlightEnd) {
            // Adjacent marks (CJK n-grams, one per character) read as one highlight.
            if (open_at >= 0 && cp > open_at) {
                if (!out.highlights.empty() && out.highlights.back().end == open_at)
                    out.highlights.back().end = cp;
                else
                    out.highlights.push_back({open_at, cp});
            }
            open_at = -1;
            ++i;
            continue;
        }
        if (c == '&') {
            bool replaced = false;
            for (const auto& [entity, ch] : kEntities) {
                if (marked.substr(i, entity.size()) == entity) {
                    out.text += ch;
                    i += entity.size();
                    ++cp;
                    replaced = true;
                    break;
                }
            }
            if (replaced) continue;
        }
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++cp;
        out.text += c;
        ++i;
    }
    return out;
}

std::string render_highlights(const std::string& text, const std::vector<Highlight>& highlights,
                              std::string_view open, std::string_view close) {
    std::string out;
    std::size_t next = 0;
    std::int64_t cp = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
        if (next < highlights.size() && cp == highlights[next].start) out += open;
        std::size_t before = pos;
        utf8::decode(text, pos);
        out.append(text, before, pos - before);
        ++cp;
        if (next < highlights.size() && cp == highlights[next].end) {
            out += close;
            ++next;
        }
    }
    return out;
}

}  // namespace deskside::retriever
