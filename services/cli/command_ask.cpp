// deskside ask: placeholder until the command lands.
#include "base/error.h"
#include "cli/commands.h"

namespace deskside::cli {

int command_ask(CommandContext& context) {
    throw Error(ErrorCode::unsupported, "deskside ask is not available yet");
}

}  // namespace deskside::cli
