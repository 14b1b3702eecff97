#include "ingest/extract_failure.h"

#include <array>
#include <utility>

#include "base/error.h"

namespace deskside::ingest {
namespace {

constexpr std::array<std::pair<FailureKind, std::string_view>, 8> kNames{{
    {FailureKind::corrupt, "corrupt"},
    {FailureKind::encrypted, "encrypted"},
    {FailureKind::unsupported, "unsupported"},
    {FailureKind::too_large, "too large"},
    {FailureKind::timeout, "timeout"},
    {FailureKind::crashed, "crashed"},
    {FailureKind::empty, "empty"},
    {FailureKind::io, "io"},
}};

}  // namespace

std::string_view failure_kind_name(FailureKind kind) {
    for (const auto& [k, name] : kNames)
        if (k == kind) return name;
    return "corrupt";
}

void fail(FailureKind kind, std::string_view detail) {
    std::string message(failure_kind_name(kind));
    message += ": ";
    message += detail;
    throw Error(kind == FailureKind::unsupported ? ErrorCode::unsupported : ErrorCode::bad_document,
                std::move(message));
}

FailureKind failure_kind_of(std::string_view reason) {
    for (const auto& [kind, name] : kNames)
        if (reason.size() > name.size() && reason.substr(0, name.size()) == name &&
            reason[name.size()] == ':')
            return kind;
    return FailureKind::corrupt;
}

}  // namespace deskside::ingest
