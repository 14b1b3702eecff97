// Text conversions for Outlook .msg properties: UTF-16LE strings (type 001F) and 8-bit strings
// (type 001E) in the message's Windows code page. Kept apart from mapi_storage.h so that they
// can be used (and tested) without libgsf. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace deskside::ingest::email {

// Outlook code page number (1252, 936, 65001...) to an iconv charset name ("CP<n>" for pages
// without a better-known name); "" for 0 (not set).
std::string charset_for_code_page(std::uint32_t code_page);

// 8-bit text in `charset` (an iconv name; "" to detect) to UTF-8, never failing: strict
// conversion first, then Deskside's lenient decoding (ingest/text_decoding.h).
std::string decode_8bit(std::string_view bytes, std::string_view charset);

// UTF-16LE bytes to UTF-8; unpaired surrogates become U+FFFD, a trailing NUL is dropped.
std::string utf16le_to_utf8(std::string_view bytes);

}  // namespace deskside::ingest::email
