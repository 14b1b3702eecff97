// GPT-2's byte-to-unicode mapping (bytes_to_unicode in OpenAI's encoder.py, llama.cpp's
// unicode_byte_to_utf8): byte-level BPE vocabularies spell every byte as a printable code point,
// the printable Latin-1 bytes as themselves and the 68 others (controls, space, 0x7F-0xA0,
// 0xAD) as U+0100.. in byte order, so a space is "Ġ" (U+0120) and a newline "Ċ" (U+010A).
// Private to deskside_tokenizer; pure functions over constant tables, thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace deskside::tokenizer::detail {

// The code point that spells `byte`.
char32_t byte_to_codepoint(std::uint8_t byte);

// The byte a code point spells, or -1 when it spells none.
int codepoint_to_byte(char32_t cp);

// Appends the UTF-8 of byte_to_codepoint(byte) for every byte of `bytes`.
void append_byte_encoded(std::string& out, std::string_view bytes);

}  // namespace deskside::tokenizer::detail
