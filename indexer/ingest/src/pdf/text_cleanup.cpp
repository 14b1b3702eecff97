// Normalisation of PDF text (see text_cleanup.h). The presentation-form table is generated from
// Unicode data (presentation_forms.inc); everything else is a handful of ranges.
#include "pdf/text_cleanup.h"

#include <algorithm>
#include <iterator>

#include "base/utf8.h"

namespace deskside::ingest::pdf {
namespace {

struct Replacement {
    char32_t from;
    const char* to;
};

constexpr Replacement kPresentationForms[] = {
#include "pdf/presentation_forms.inc"
};

const char* presentation_form(char32_t cp) {
    if (cp < 0xFB00 || cp > 0xFEFF) return nullptr;
    auto it = std::lower_bound(std::begin(kPresentationForms), std::end(kPresentationForms), cp,
                               [](const Replacement& r, char32_t c) { return r.from < c; });
    return it != std::end(kPresentationForms) && it->from == cp ? it->to : nullptr;
}

bool is_dropped(char32_t cp) {
    return cp == 0xAD                         // soft hyphen: only a hint where a word may break
           || cp == 0x061C                    // Arabic letter mark
           || (cp >= 0x200B && cp <= 0x200F)  // zero-width space/joiners, LRM, RLM
           || (cp >= 0x202A && cp <= 0x202E)  // bidi embeddings poppler adds around RTL runs
           || (cp >= 0x2066 && cp <= 0x2069)  // bidi isolates
           || cp == 0xFEFF || cp == 0xFFFD || cp == 0xFFFE || cp == 0xFFFF ||
           (cp >= 0xE000 && cp <= 0xF8FF)  // private use: symbol-font glyphs with no meaning
           || (cp >= 0xF0000);             // supplementary private use planes
}

bool is_space(char32_t cp) {
    return cp == ' ' || cp == '\t' || cp == '\r' || cp == '\v' || cp == 0xA0 || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

}  // namespace

bool is_rtl(char32_t cp) {
    return (cp >= 0x0590 && cp <= 0x08FF) || (cp >= 0xFB1D && cp <= 0xFDFF) ||
           (cp >= 0xFE70 && cp <= 0xFEFC);
}

bool joins_without_space(char32_t cp) {
    return utf8::is_cjk(cp) || (cp >= 0x3000 && cp <= 0x303F) ||  // CJK punctuation
           (cp >= 0xFF00 && cp <= 0xFFEF);                        // full-width forms
}

std::string clean_text(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    bool pending_space = false;
    auto line_start = [&out] { return out.empty() || out.back() == '\n'; };
    for (std::size_t pos = 0; pos < text.size();) {
        std::size_t start = pos;
        char32_t cp = utf8::decode(text, pos);
        if (cp == 0xFFFD && text.substr(start, pos - start) != "\xEF\xBF\xBD") continue;
        if (cp == '\n') {
            out += '\n';
            pending_space = false;
            continue;
        }
        if (is_space(cp)) {
            pending_space = !line_start();
            continue;
        }
        if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0) || is_dropped(cp)) continue;
        if (pending_space) out += ' ';
        pending_space = false;
        if (const char* replacement = presentation_form(cp)) {
            out += replacement;
        } else {
            out.append(text.substr(start, pos - start));
        }
    }
    // Trailing spaces of lines were never written (pending_space is dropped at '\n' and at the
    // end); leading ones neither. Blank lines stay, callers split paragraphs on them, but not
    // at either end.
    std::size_t first = out.find_first_not_of('\n');
    if (first == std::string::npos) return "";
    out.erase(0, first);
    out.erase(out.find_last_not_of('\n') + 1);
    return out;
}

}  // namespace deskside::ingest::pdf
