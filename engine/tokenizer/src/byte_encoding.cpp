// GPT-2's byte-to-unicode mapping; see byte_encoding.h.
#include "byte_encoding.h"

#include <array>
#include <string_view>

#include "unicode_props.h"

namespace deskside::tokenizer::detail {

namespace {

constexpr bool printable(int byte) {
    return (byte >= 0x21 && byte <= 0x7E) || (byte >= 0xA1 && byte <= 0xAC) ||
           (byte >= 0xAE && byte <= 0xFF);
}

constexpr std::array<char32_t, 256> make_table() {
    std::array<char32_t, 256> table{};
    char32_t next = 256;
    for (int byte = 0; byte < 256; ++byte) {
        table[static_cast<std::size_t>(byte)] =
            printable(byte) ? static_cast<char32_t>(byte) : next++;
    }
    return table;
}

constexpr std::array<char32_t, 256> kByteToCodepoint = make_table();

}  // namespace

char32_t byte_to_codepoint(std::uint8_t byte) {
    return kByteToCodepoint[byte];
}

int codepoint_to_byte(char32_t cp) {
    if (cp < 256) return printable(static_cast<int>(cp)) ? static_cast<int>(cp) : -1;
    if (cp >= 256 + 68) return -1;
    // The n-th non-printable byte is spelled 256 + n.
    int n = static_cast<int>(cp - 256);
    for (int byte = 0; byte < 256; ++byte) {
        if (!printable(byte) && n-- == 0) return byte;
    }
    return -1;
}

void append_byte_encoded(std::string& out, std::string_view bytes) {
    for (char c : bytes) append_utf8(out, kByteToCodepoint[static_cast<unsigned char>(c)]);
}

}  // namespace deskside::tokenizer::detail
