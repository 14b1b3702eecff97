// Load errors that name the file and the stage they come from ("model.gguf: tensors: tensor
// 'blk.0.attn_q.weight' has shape [64, 32], expected [64, 64]"), so a broken or unsupported
// file says what to look at. Internal to the loader; thread-safe (pure).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "gguf/gguf_file.h"

namespace deskside::decoder::detail {

enum class LoadStage { architecture, hyper_parameters, tensors, memory };

std::string_view stage_name(LoadStage stage);

[[noreturn]] void load_fail(ErrorCode code, const gguf::GgufFile& file, LoadStage stage,
                            const std::string& message);

std::string shape_text(const std::vector<std::int64_t>& dims);

}  // namespace deskside::decoder::detail
