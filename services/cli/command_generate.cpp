// deskside generate: placeholder until the command lands.
#include "base/error.h"
#include "cli/commands.h"

namespace deskside::cli {

int command_generate(CommandContext& context) {
    throw Error(ErrorCode::unsupported, "deskside generate is not available yet");
}

}  // namespace deskside::cli
