// deskside: the command-line entry point. Parses the invocation, dispatches to a subcommand,
// and maps errors to a message on stderr and an exit status (see cli/commands.h).
#include <csignal>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>

#include "base/error.h"
#include "cli/commands.h"
#include "ingest/extraction_worker.h"

namespace {

using namespace deskside;

constexpr const char* kUsage = R"(deskside — private search and answers over an office's documents

Usage: deskside COMMAND [options]

Commands:
  index PATH... [--collection NAME] [--prune]   index folders or files (incremental)
  search "QUERY" [-n N] [--collection C] [--json]   keyword search
  status [--json] [--errors] [--check]          what is indexed, what failed and why
  serve [--listen HOST:PORT]                    the intranet page and JSON API
  eval --set DIR [--json]                       retrieval quality on an evaluation set
  embed --model FILE.gguf TEXT... [--json]      token ids and vectors of texts (BERT GGUF)
  ask "QUESTION" [--json]                       a grounded answer citing the passages used
  generate --model FILE.gguf PROMPT [--json]    continue a prompt with a decoder (debugging)
  help settings                                 every setting, its default and variable

Run `deskside COMMAND --help` for a command's options.

Settings (accepted anywhere on the line, by every command):
)";

const std::map<std::string, const char*> kCommandHelp = {
    {"index", R"(Usage: deskside index PATH... [--collection NAME] [--prune] [--reembed] [--quiet]

Walks the folders (or files) given and indexes every document found: new and changed files are
extracted and split into passages; unchanged files (same size and time, or same content) are
skipped. Hidden and system files are skipped unless --include-hidden. A file that cannot be
indexed is recorded with its reason (`deskside status --errors`) and the run goes on.

  --collection NAME   put the documents in this collection [default: default]
  --prune             remove indexed documents under the PATHs whose files are gone
  --reembed           drop every vector and embed all passages again (after changing
                      embed.model; also refits the corpus-trained LSA embedder)

Passages are embedded after each run for vector and hybrid search: with embed.model (a
BERT-family GGUF file) when set, else with an LSA model fitted on the collection and refitted
when it has grown by a fifth.
  --quiet             no progress bar, only the summary line

Exit status: 0 all files indexed or unchanged; 1 some files failed; 2 bad arguments;
3 an error stopped the run (a later run resumes where it stopped); 4 another deskside process
is indexing into the same data directory.
)"},
    {"search", R"(Usage: deskside search "QUERY" [-n N] [--offset K] [--collection C] [--type T]
                       [--per-doc K] [--any] [--mode M] [--fusion F] [--json]

Query syntax (docs/search-syntax.md):
  words           all must match (or any, with --any); English stemming by default
  "a phrase"      exact phrase          a NEAR b     within 10 words
  a OR b, a AND NOT b, (a OR b) c       operators in capitals
  budg*           wildcard              title:report author:smith path:contracts
  type:html collection:legal            filters      date:2020-01-01..2021-06-30   date range

  -n, --limit N      results to show [default: 10]
  --offset K         skip the first K results
  --collection C     only this collection
  --type T           only this format (text, markdown, html, ...); repeatable as T1,T2
  --per-doc K        best passages per document [default: 1; 0 = all]
  --any              match any word instead of all
  --mode M           keyword, vector or hybrid [default: hybrid when the index has vectors]
  --fusion F         how hybrid fuses the arms: normalized (weighted min-max scores, the
                     default: setting search.fusion) or rrf (reciprocal rank)
  --json             machine-readable output (docs/search-json.md)
)"},
    {"status", R"(Usage: deskside status [--json] [--errors] [--check]

Shows what the index holds: documents, passages, failed files, sizes, the last run.
  --errors   list every failed file with its reason
  --check    verify that the catalog and the keyword index agree (exit 3 if not)
  --json     machine-readable output (fields documents, passages, failed, ...)
)"},
    {"eval", R"(Usage: deskside eval --set DIR [--modes keyword,vector,hybrid] [--json]

Measures retrieval quality on an evaluation set: DIR holds docs.jsonl ({"id","title","text"}),
queries.jsonl ({"id","text"}) and qrels.tsv (query_id<TAB>doc_id<TAB>grade), as the sets in
../shared/eval do; admins can judge their own queries the same way. The documents are indexed
into a temporary data directory through the normal pipeline, every judged query is run, and
nDCG@10, MAP, Recall@100 and MRR are printed per retrieval mode with the median query time.

  --set DIR        the evaluation set
  --modes LIST     retrieval modes to score, comma-separated [default: keyword,vector,hybrid]
                   (vectors from embed.model when set, else the corpus-trained LSA embedder)
  --json           {"set":…, "modes":{"keyword":{"ndcg@10":…, "map":…, "recall@100":…,
                   "mrr":…, "p50_ms":…}, "vector":{…, "hnsw_recall@10":…}}}
  --runs DIR       also write each mode's ranking as a TREC run file DIR/MODE.run

The vector mode also reports the HNSW graph's recall@10 against exact search: the index built
for the evaluation always has a graph, however small the set.
)"},
    {"embed", R"(Usage: deskside embed --model FILE.gguf [--json] [--threads N] TEXT...

Embeds each TEXT with a BERT-family GGUF model (architecture bert; F32, F16, BF16, Q8_0, Q4/Q5
and K-quant weights) and prints its WordPiece token ids ([CLS] ... [SEP]) and its L2-normalised
vector, pooled as the model says (mean or CLS).

  -m, --model FILE    the GGUF model file
  --json              {"model", "dim", "results": [{"text", "ids", "embedding"}]}
  --threads N         threads [default: one per core]

Exit status: 0 done; 2 no model, a model that cannot be read or is not a BERT model.
)"},
    {"ask", R"(Usage: deskside ask "QUESTION" [--collection C] [--json]

Answers a question from the indexed documents only, citing the passages it used as [n]. With
llm.backend set (a GGUF file, or an OpenAI-compatible server) a language model writes the answer;
otherwise the best-supported sentences of the top passages are quoted, each with its citation.
When the documents do not hold the answer, it says so.

  --collection C   only this collection
  --json           {"answer", "citations": [...], ...} (docs/api.md, POST /api/ask)
)"},
    {"generate", R"(Usage: deskside generate --model FILE.gguf [--greedy] [--ignore-eos] [-n N] [--json] PROMPT

Continues PROMPT with a llama-family decoder (llama, qwen2, qwen3) for debugging the engine.
The prompt is tokenised with BOS as the GGUF says.

  -m, --model FILE   the GGUF model file
  --greedy           always take the most likely token
  --ignore-eos       go on past the end-of-text token
  -n N               tokens to generate [default: 32]
  --json             {"prompt_ids", "generated_ids", "text", "prefill_tok_s", "decode_tok_s"}
)"},
    {"serve", R"(Usage: deskside serve [--listen HOST:PORT]

Serves the intranet page and the JSON API of the data directory (docs/api.md):
  /api/search, /api/ask (answers, streamed as Server-Sent Events), /api/documents (view,
  original file, upload, delete), /api/jobs (background re-index with progress and cancel),
  /api/collections, /api/status, /api/health, /metrics (Prometheus), and the OpenAI-compatible
  /v1/chat/completions, /v1/embeddings and /v1/models for the office's other tools.
Answers come from llm.backend (extractive by default; local GGUF decoder; OpenAI-compatible
server). Uploads and re-index jobs are written by one writer thread, in order. Stops cleanly on
SIGINT or SIGTERM.
)"},
};

int exit_status_for(ErrorCode code) {
    if (code == ErrorCode::busy) return 4;
    return is_user_error(code) ? 2 : 3;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace deskside;
    if (argc >= 2 && argv[1] == cli::kExtractWorkerCommand) {
        std::int64_t memory_limit_mb = 0;
        for (int i = 2; i < argc; ++i)
            if (std::string_view arg = argv[i]; arg.starts_with("--memory-limit-mb="))
                memory_limit_mb = std::atoll(argv[i] + 18);
        return ingest::run_extraction_worker(memory_limit_mb);
    }
    // A server that hangs up while a request is being written (the OpenAI-compatible client, a
    // closed pipe) must be an error on that call, not the end of the process.
    std::signal(SIGPIPE, SIG_IGN);
    try {
        cli::Invocation invocation = cli::parse_invocation(argc, argv);
        const std::string& command = invocation.command;
        if (command == "help" && !invocation.args.empty() && invocation.args[0] == "settings") {
            std::fputs(invocation.settings.markdown_table().c_str(), stdout);
            return 0;
        }
        if (command.empty() || command == "help" ||
            (invocation.help && !kCommandHelp.count(command))) {
            if (argc > 1 && argv[1] == std::string("--version")) {
                std::printf("deskside %s\n", DESKSIDE_VERSION);
                return 0;
            }
            std::fputs(kUsage, stdout);
            std::fputs(invocation.settings.help_text().c_str(), stdout);
            std::fputs(
                "  --config FILE             JSON config file [default: ./deskside.json if "
                "present] "
                "[env: DESKSIDE_CONFIG]\n",
                stdout);
            return command.empty() && !invocation.help ? 2 : 0;
        }
        if (invocation.help) {
            std::fputs(kCommandHelp.at(command), stdout);
            std::fputs("\nSettings:\n", stdout);
            std::fputs(invocation.settings.help_text().c_str(), stdout);
            return 0;
        }
        auto level = parse_log_level(invocation.settings.get_string("log.level"));
        cli::CommandContext context{invocation, Logger(std::make_shared<StderrSink>(), level),
                                    stdout};
        if (command == "index") return cli::command_index(context);
        if (command == "search") return cli::command_search(context);
        if (command == "status") return cli::command_status(context);
        if (command == "serve") return cli::command_serve(context);
        if (command == "eval") return cli::command_eval(context);
        if (command == "embed") return cli::command_embed(context);
        if (command == "generate") return cli::command_generate(context);
        if (command == "ask") return cli::command_ask(context);
        std::fprintf(stderr, "deskside: unknown command '%s' (see deskside --help)\n",
                     command.c_str());
        return 2;
    } catch (const Error& e) {
        std::fprintf(stderr, "deskside: %s\n", e.what());
        return exit_status_for(e.code());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "deskside: internal error: %s\n", e.what());
        return 3;
    }
}
