// Turns a snippet marked up by the search library (HTML-escaped text with highlight markers)
// into plain text plus highlight spans in code points, so every front end (terminal, JSON,
// web page) marks terms its own way and escapes text its own way. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "retriever/search_types.h"

namespace deskside::retriever {

inline constexpr char kHighlightStart = '\x01';
inline constexpr char kHighlightEnd = '\x02';

struct PlainSnippet {
    std::string text;
    std::vector<Highlight> highlights;
};

// `marked` holds HTML entities (&amp; &lt; &gt; &quot; &#39;) and kHighlightStart/End markers.
PlainSnippet unmark_snippet(std::string_view marked);

// The snippet with highlights wrapped in `open`/`close` (e.g. ANSI bold on a terminal).
std::string render_highlights(const std::string& text, const std::vector<Highlight>& highlights,
                              std::string_view open, std::string_view close);

}  // namespace deskside::retriever
