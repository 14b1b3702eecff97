// The RTF control words that start a destination (a group whose content is not plain
// document text) and what the reader does with each. Unknown destinations marked with \* are
// skipped by the reader; unknown ones without it are read as text, as the RTF spec asks.
//
// An immutable table; thread-safe.
#pragma once

#include <string_view>

namespace deskside::ingest::rtf {

enum class Destination {
    none,        // not a destination word
    skip,        // binary or formatting data: ignored (\pict, \colortbl, \fldinst...)
    pass,        // a group around document text (\fldrslt, \shptxt, \ud...)
    font_table,  // \fonttbl: font numbers and their character sets
    stylesheet,  // \stylesheet: style numbers, names and outline levels
    info,        // \info: metadata groups
    title,       // \title, \author, \creatim, \revtim: only inside \info
    author,
    created,
    modified,
    footnote,    // \footnote (and endnotes): text with location "footnotes"
    annotation,  // \annotation: comments
    header,      // \header, \headerl, \headerr, \headerf
    footer,      // \footer...
    object,      // \object: an embedded object
    object_class,
    object_data,
};

Destination destination_of(std::string_view word);

}  // namespace deskside::ingest::rtf
