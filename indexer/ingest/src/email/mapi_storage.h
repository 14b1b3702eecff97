// One MAPI object of an Outlook .msg file (the message, an attachment, a recipient, or an
// embedded message) read from its OLE2 storage with libgsf, as described in [MS-OXMSG]:
//
//   __substg1.0_PPPPTTTT     a variable-size property PPPP (hex id) of type TTTT:
//                              001F UTF-16LE string, 001E 8-bit string in the message code
//                              page, 0102 binary; 000D names a storage (embedded message/object)
//   __properties_version1.0  a header (32 bytes for the top-level message, 24 for an embedded
//                            message, 8 for attachments and recipients), then 16-byte entries:
//                              u32 tag (id << 16 | type), u32 flags, 8-byte value; the value
//                              holds fixed-size properties (PT_LONG 0003, PT_SYSTIME 0040
//                              FILETIME) and the byte size of variable ones
//   __recip_version1.0_#XXXXXXXX, __attach_version1.0_#XXXXXXXX   child objects (storages)
//
// Borrows the storage (the GsfInfile must outlive it). A stream that cannot be read (a
// truncated file) reads as absent and sets damaged(). One thread.
#pragma once

#include <gsf/gsf.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mapi_text.h"

namespace deskside::ingest::email {

class MapiStorage {
  public:
    enum class Kind { message, embedded_message, child };

    // `file_size`: size of the whole .msg; a stream claiming more is damaged, not read.
    MapiStorage(GsfInfile* storage, Kind kind, std::int64_t file_size);

    // True when the storage holds MAPI properties at all (property streams or entries).
    bool has_properties() const;
    // True when some stream could not be read (truncated or damaged file).
    bool damaged() const { return damaged_; }

    // Binary property PPPP0102.
    std::optional<std::string> binary(std::uint16_t id) const;
    // String property as UTF-8: PPPP001F (UTF-16LE) if present, else PPPP001E decoded with
    // `charset` (an iconv name; "" to detect).
    std::optional<std::string> string(std::uint16_t id, std::string_view charset) const;
    // Fixed-size properties from __properties_version1.0.
    std::optional<std::uint32_t> int32(std::uint16_t id) const;     // PT_LONG
    std::optional<std::int64_t> unix_time(std::uint16_t id) const;  // PT_SYSTIME
    // The child storages whose names start with `prefix` ("__attach_version1.0_#"), in name
    // order; each is a new reference the caller owns.
    std::vector<GsfInfile*> storages(std::string_view prefix) const;
    // Storage property PPPP000D (an embedded message or OLE object), new reference or null.
    GsfInfile* object(std::uint16_t id) const;

    // The charset for this object's 8-bit strings, from PR_MESSAGE_CODEPAGE or
    // PR_INTERNET_CPID; "" when neither is set. `internet` prefers PR_INTERNET_CPID (the code
    // page of the HTML body).
    std::string charset(bool internet = false) const;

  private:
    std::optional<std::string> read_stream(std::string_view name) const;
    void read_properties();

    GsfInfile* storage_;
    Kind kind_;
    std::int64_t file_size_;
    std::map<std::string, int> children_;           // upper-case name -> index in the storage
    std::map<std::uint32_t, std::uint64_t> fixed_;  // property tag -> 8-byte value
    mutable bool damaged_ = false;
};

}  // namespace deskside::ingest::email
