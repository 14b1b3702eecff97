// deskside embed --model FILE.gguf [--json] [--threads N] TEXT...
//
// Embeds each TEXT with a BERT GGUF model and prints its token ids and its L2-normalised
// vector: one block per text, or with --json exactly
//   {"model": FILE_NAME, "dim": N, "results": [{"text": ..., "ids": [...], "embedding": [...]}]}
// --threads is the global `index.threads` setting (0 = one per core). Every failure to read
// the model (missing or unreadable file, another architecture, a malformed file) is the
// user's input and exits 2.
#include <nlohmann/json.hpp>

#include "base/error.h"
#include "bert/bert_embedder.h"
#include "cli/commands.h"

namespace deskside::cli {
namespace {

// Keys in the documented order; floats printed as the shortest text that reads back the same
// float (9 significant digits at most), not as doubles.
using Json = nlohmann::basic_json<nlohmann::ordered_map, std::vector, std::string, bool,
                                  std::int64_t, std::uint64_t, float>;

std::unique_ptr<bert::BertEmbedder> open_model(const std::string& path, int threads) {
    bert::EncoderOptions options;
    options.threads = threads;
    try {
        return bert::BertEmbedder::open(path, options);
    } catch (const Error& e) {
        // An unreadable model file is the caller's to fix, like a missing one.
        if (e.code() == ErrorCode::io) throw Error(ErrorCode::invalid_argument, e.what());
        throw;
    }
}

}  // namespace

int command_embed(CommandContext& context) {
    CommandArgs args("embed", context.invocation.args);
    auto model = args.option("--model", "-m");
    bool json = args.flag("--json");
    std::vector<std::string> texts = args.finish();
    if (!model || model->empty())
        throw Error(ErrorCode::invalid_argument,
                    "give a model: deskside embed --model FILE.gguf TEXT... (see --help)");
    if (texts.empty())
        throw Error(ErrorCode::invalid_argument,
                    "give at least one text: deskside embed --model FILE.gguf TEXT...");
    const auto threads = static_cast<int>(context.invocation.settings.get_int("index.threads"));
    auto embedder = open_model(*model, threads);
    context.log.debug("model loaded", {{"model", embedder->identity().name},
                                       {"backend", embedder->encoder().backend_name()},
                                       {"threads", std::to_string(embedder->encoder().threads())}});

    std::vector<std::vector<std::int32_t>> ids;
    for (const auto& text : texts) ids.push_back(embedder->tokenize(text));
    std::vector<float> vectors = embedder->embed(texts);
    const auto dim = static_cast<std::size_t>(embedder->dimension());

    if (json) {
        Json results = Json::array();
        for (std::size_t i = 0; i < texts.size(); ++i)
            results.push_back({{"text", texts[i]},
                               {"ids", ids[i]},
                               {"embedding", std::vector<float>(vectors.begin() + i * dim,
                                                                vectors.begin() + (i + 1) * dim)}});
        Json out = {{"model", embedder->identity().name},
                    {"dim", embedder->dimension()},
                    {"results", std::move(results)}};
        std::fprintf(context.out, "%s\n", out.dump().c_str());
        return 0;
    }
    std::fprintf(context.out, "model %s (%zu dimensions, %s)\n", embedder->identity().name.c_str(),
                 dim, embedder->encoder().backend_name());
    for (std::size_t i = 0; i < texts.size(); ++i) {
        std::fprintf(context.out, "\ntext  %s\nids  ", texts[i].c_str());
        for (std::int32_t id : ids[i]) std::fprintf(context.out, " %d", id);
        std::fprintf(context.out, "\nvector");
        for (std::size_t j = 0; j < dim; ++j)
            std::fprintf(context.out, "%s%.6f", j % 8 == 0 ? "\n  " : " ", vectors[i * dim + j]);
        std::fprintf(context.out, "\n");
    }
    return 0;
}

}  // namespace deskside::cli
