// The first two load stages: "architecture" (general.architecture must name one of
// model_weights.h's ArchSpecs, else Error(unsupported) naming it) and "hyper-parameters"
// (<arch>.* keys, checked for presence, range and consistency, else Error(invalid_argument)
// naming the key; features we do not run, such as mixture-of-experts or LongRoPE, are
// Error(unsupported)). Pure; thread-safe.
#pragma once

#include "decoder/decoder_model.h"
#include "gguf/gguf_file.h"

namespace deskside::decoder::detail {

DecoderConfig read_decoder_config(const gguf::GgufFile& file);

}  // namespace deskside::decoder::detail
