#include "load_error.h"

namespace deskside::decoder::detail {

std::string_view stage_name(LoadStage stage) {
    switch (stage) {
        case LoadStage::architecture:
            return "architecture";
        case LoadStage::hyper_parameters:
            return "hyper-parameters";
        case LoadStage::tensors:
            return "tensors";
        case LoadStage::memory:
            return "memory";
    }
    return "load";
}

void load_fail(ErrorCode code, const gguf::GgufFile& file, LoadStage stage,
               const std::string& message) {
    throw Error(code, file.path().filename().string() + ": " + std::string(stage_name(stage)) +
                          ": " + message);
}

std::string shape_text(const std::vector<std::int64_t>& dims) {
    std::string text = "[";
    for (std::size_t i = 0; i < dims.size(); ++i) text += (i ? ", " : "") + std::to_string(dims[i]);
    return text + "]";
}

}  // namespace deskside::decoder::detail
