// deskside ask "QUESTION": a grounded answer from the indexed documents, streamed as it is
// written, then the numbered sources it cites (or, with --json, the Answer as JSON: the same
// form /api/ask returns).
#include <unistd.h>

#include "answer/answer_json.h"
#include "answer/grounded_answerer.h"
#include "base/error.h"
#include "cli/commands.h"

namespace deskside::cli {
namespace {

std::string where_of(const answer::Citation& c) {
    std::string where = c.path;
    if (c.page > 0) where += "  · page " + std::to_string(c.page);
    if (!c.location.empty()) where += "  · " + c.location;
    return where;
}

}  // namespace

int command_ask(CommandContext& context) {
    CommandArgs args("ask", context.invocation.args);
    answer::AskRequest request;
    request.collection = args.option("--collection").value_or("");
    bool json = args.flag("--json");
    auto words = args.finish();
    if (words.empty())
        throw Error(ErrorCode::invalid_argument,
                    "give a question: deskside ask \"QUESTION\" (see --help)");
    for (const auto& word : words) request.question += (request.question.empty() ? "" : " ") + word;

    const Settings& settings = context.invocation.settings;
    request.passages = static_cast<int>(settings.get_int("answer.passages"));
    answer::AnswerOptions options;
    options.max_tokens = static_cast<int>(settings.get_int("answer.max_tokens"));
    if (options.max_tokens < 1)
        throw Error(ErrorCode::invalid_argument, "answer.max_tokens must be at least 1");
    // The model is opened before the index so that a bad llm.* setting is reported first.
    std::shared_ptr<llm::TextGenerator> generator =
        answer::open_text_generator(llm_config(settings));
    store::DataDir dir(settings.get_string("data"));
    answer::GroundedAnswerer answerer(dir, embedding_config(settings), hybrid_options(settings),
                                      generator, options);

    if (json) {
        answer::Answer result = answerer.ask(request);
        std::fprintf(context.out, "%s\n", answer::answer_json(result).dump(2).c_str());
        return 0;
    }
    bool tty = ::isatty(::fileno(context.out));
    const char* bold = tty ? "\033[1m" : "";
    const char* dim = tty ? "\033[2m" : "";
    const char* reset = tty ? "\033[0m" : "";
    answer::Answer result = answerer.ask(request, [&](std::string_view piece) {
        std::fwrite(piece.data(), 1, piece.size(), context.out);
        std::fflush(context.out);
        return true;
    });
    std::fprintf(context.out, "\n");
    if (!result.removed_citations.empty()) {
        std::string numbers;
        for (int n : result.removed_citations)
            numbers += (numbers.empty() ? "[" : ", [") + std::to_string(n) + "]";
        std::fprintf(context.out,
                     "%s(removed citations of passages the model was not given: %s)%s\n", dim,
                     numbers.c_str(), reset);
    }
    bool any_cited = false;
    for (const auto& c : result.citations) any_cited = any_cited || c.cited;
    if (!result.citations.empty())
        std::fprintf(context.out, "\n%s%s%s\n", bold,
                     any_cited ? "Sources:" : "Closest passages:", reset);
    for (const auto& c : result.citations) {
        if (any_cited && !c.cited) continue;
        std::fprintf(context.out, "[%d] %s%s%s\n    %s%s%s\n", c.number, bold,
                     (c.title.empty() ? c.path : c.title).c_str(), reset, dim, where_of(c).c_str(),
                     reset);
    }
    std::fprintf(context.out, "%s(%s, first text after %.0f ms, %.0f ms in all)%s\n", dim,
                 result.answerer.c_str(), result.first_token_ms, result.total_ms, reset);
    return 0;
}

}  // namespace deskside::cli
