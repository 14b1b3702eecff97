// The destination table of rtf_destinations.h: a sorted constant array, searched by word.
#include "rtf/rtf_destinations.h"

#include <algorithm>
#include <array>
#include <utility>

namespace deskside::ingest::rtf {
namespace {

using D = Destination;

// Sorted by word (checked below) for binary search.
constexpr std::array<std::pair<std::string_view, Destination>, 103> kDestinations = {{
    {"aftnsep", D::skip},
    {"aftnsepc", D::skip},
    {"annotation", D::annotation},
    {"atnauthor", D::skip},
    {"atndate", D::skip},
    {"atnicn", D::skip},
    {"atnid", D::skip},
    {"atnparent", D::skip},
    {"atnref", D::skip},
    {"atntime", D::skip},
    {"atrfend", D::skip},
    {"atrfstart", D::skip},
    {"author", D::author},
    {"background", D::skip},
    {"bkmkend", D::skip},
    {"bkmkstart", D::skip},
    {"blipuid", D::skip},
    {"colorschememapping", D::skip},
    {"colortbl", D::skip},
    {"creatim", D::created},
    {"datafield", D::skip},
    {"datastore", D::skip},
    {"defchp", D::skip},
    {"defpap", D::skip},
    {"do", D::pass},
    {"docvar", D::skip},
    {"dptxbxtext", D::pass},
    {"falt", D::skip},
    {"fchars", D::skip},
    {"ffname", D::skip},
    {"field", D::pass},
    {"filetbl", D::skip},
    {"fldinst", D::skip},
    {"fldrslt", D::pass},
    {"fontemb", D::skip},
    {"fontfile", D::skip},
    {"fonttbl", D::font_table},
    {"footer", D::footer},
    {"footerf", D::footer},
    {"footerl", D::footer},
    {"footerr", D::footer},
    {"footnote", D::footnote},
    {"formfield", D::skip},
    {"ftnsep", D::skip},
    {"ftnsepc", D::skip},
    {"generator", D::skip},
    {"header", D::header},
    {"headerf", D::header},
    {"headerl", D::header},
    {"headerr", D::header},
    {"info", D::info},
    {"latentstyles", D::skip},
    {"lchars", D::skip},
    {"levelnumbers", D::skip},
    {"leveltext", D::skip},
    {"listname", D::skip},
    {"listoverridetable", D::skip},
    {"listpicture", D::skip},
    {"listtable", D::skip},
    {"listtext", D::pass},
    {"mmathPr", D::skip},
    {"nesttableprops", D::skip},
    {"nonshppict", D::skip},
    {"objalias", D::skip},
    {"objclass", D::object_class},
    {"objdata", D::object_data},
    {"object", D::object},
    {"objname", D::skip},
    {"objsect", D::skip},
    {"oldcprops", D::skip},
    {"oldpprops", D::skip},
    {"oldsprops", D::skip},
    {"oldtprops", D::skip},
    {"panose", D::skip},
    {"password", D::skip},
    {"passwordhash", D::skip},
    {"pgdsctbl", D::skip},
    {"pict", D::skip},
    {"pntext", D::pass},
    {"pntxta", D::skip},
    {"pntxtb", D::skip},
    {"private", D::skip},
    {"protusertbl", D::skip},
    {"result", D::pass},
    {"revtbl", D::skip},
    {"revtim", D::modified},
    {"rsidtbl", D::skip},
    {"shp", D::pass},
    {"shpinst", D::pass},
    {"shprslt", D::skip},
    {"shptxt", D::pass},
    {"sp", D::skip},
    {"stylesheet", D::stylesheet},
    {"tc", D::skip},
    {"tcn", D::skip},
    {"template", D::skip},
    {"themedata", D::skip},
    {"title", D::title},
    {"txe", D::skip},
    {"ud", D::pass},
    {"upr", D::pass},
    {"userprops", D::skip},
    {"xe", D::skip},
}};
static_assert(std::is_sorted(kDestinations.begin(), kDestinations.end(),
                             [](const auto& a, const auto& b) { return a.first < b.first; }));

}  // namespace

Destination destination_of(std::string_view word) {
    auto it =
        std::lower_bound(kDestinations.begin(), kDestinations.end(), word,
                         [](const auto& entry, std::string_view w) { return entry.first < w; });
    return it != kDestinations.end() && it->first == word ? it->second : Destination::none;
}

}  // namespace deskside::ingest::rtf
