// The subcommands of `deskside`. Each takes the parsed invocation, writes its normal output to
// `out` and returns the process exit status:
//   0 success; 1 finished but some files failed (index); 2 the user's input was wrong
//   (bad flag, query syntax, no index); 3 an environment or internal error; 4 busy (another
//   process holds the index: retry later).
// Errors are thrown as deskside::Error and turned into a message and status by main.
#pragma once

#include <cstdio>
#include <string_view>

#include "answer/grounded_answerer.h"
#include "base/log.h"
#include "cli/arguments.h"
#include "ingest/pipeline.h"
#include "retriever/hybrid_search.h"
#include "vectors/embeddings.h"

namespace deskside::cli {

struct CommandContext {
    Invocation& invocation;
    Logger log;
    std::FILE* out = stdout;
};

// The hidden subcommand that runs an extraction worker process (ingest/extraction_worker.h);
// `deskside index` starts it, nobody else should.
inline constexpr std::string_view kExtractWorkerCommand = "extract-worker";

// The embedding and fusion settings (embed.*, search.*), shared by index, search and eval.
vectors::EmbeddingConfig embedding_config(const Settings& settings);
retriever::HybridOptions hybrid_options(const Settings& settings);
// How to index (index.*), shared by `deskside index` and the service's uploads and jobs; the
// roots, collection and prune are the caller's. Error(invalid_argument) for a bad setting.
ingest::IndexOptions index_options(const Settings& settings);
// Which model writes answers (llm.*), shared by `deskside ask` and `deskside serve`.
answer::LlmConfig llm_config(const Settings& settings);

int command_index(CommandContext& context);
int command_search(CommandContext& context);
int command_status(CommandContext& context);
int command_serve(CommandContext& context);
int command_eval(CommandContext& context);
int command_embed(CommandContext& context);
int command_generate(CommandContext& context);
int command_ask(CommandContext& context);

}  // namespace deskside::cli
