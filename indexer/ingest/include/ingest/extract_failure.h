// Why a file could not be extracted, as a small closed set of kinds. Every reason recorded in
// the catalog starts with the kind's name and a colon ("encrypted: ...", "corrupt: ..."), so
// the admin view, `deskside status` and the tests can group failures without parsing prose.
//
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace deskside::ingest {

enum class FailureKind {
    corrupt,      // truncated, malformed or inconsistent file
    encrypted,    // password-protected, no usable password
    unsupported,  // a format (or variant) this build cannot read; says what to install if any
    too_large,    // over a size, entry-count or expansion cap (bombs)
    timeout,      // over the per-file time limit
    crashed,      // the parser process died (isolated, so the batch went on)
    empty,        // nothing to index: zero bytes, or no text at all
    io,           // could not read the file
};

std::string_view failure_kind_name(FailureKind kind);

// Throws Error(bad_document) — Error(unsupported) for FailureKind::unsupported — whose message
// is "<kind>: <detail>".
[[noreturn]] void fail(FailureKind kind, std::string_view detail);

// The kind a recorded reason starts with; corrupt when it names none.
FailureKind failure_kind_of(std::string_view reason);

}  // namespace deskside::ingest
