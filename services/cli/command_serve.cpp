#include "base/error.h"
#include "cli/commands.h"

namespace deskside::cli {

int command_serve(CommandContext& context) {
    throw Error(ErrorCode::unsupported, "serve: not built yet");
}

}  // namespace deskside::cli
