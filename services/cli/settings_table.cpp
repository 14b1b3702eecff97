#include "cli/settings_table.h"

namespace deskside::cli {

std::vector<SettingSpec> all_settings() {
    using T = SettingType;
    return {
        {"data", T::string, "./deskside-data", "DESKSIDE_DATA", "--data",
         "data directory holding the catalog and indexes"},
        {"log.level", T::string, "warn", "DESKSIDE_LOG_LEVEL", "--log-level",
         "debug, info, warn, error or off"},
        {"index.language", T::string, "english", "DESKSIDE_LANGUAGE", "--language",
         "stemming language of the keyword index (english, french, german, ..., none); fixed "
         "when the index is created"},
        {"index.max_file_mb", T::integer, "256", "DESKSIDE_MAX_FILE_MB", "--max-file-mb",
         "files larger than this many MiB are recorded as failed, not read"},
        {"index.include_hidden", T::boolean, "false", "", "--include-hidden",
         "also index hidden and system files (names starting with '.', Thumbs.db, ~$ lock files)"},
        {"index.threads", T::integer, "0", "DESKSIDE_THREADS", "--threads",
         "extraction threads; 0 = one per core"},
        {"index.ocr", T::boolean, "true", "DESKSIDE_OCR", "--ocr",
         "OCR pages that have no text layer (scanned PDFs) with Tesseract; --ocr=false to skip "
         "them"},
        {"index.ocr_languages", T::string, "eng", "DESKSIDE_OCR_LANGUAGES", "--ocr-languages",
         "Tesseract languages joined by '+' (eng+deu); each needs Debian's tesseract-ocr-LANG"},
        {"index.file_timeout_s", T::integer, "300", "DESKSIDE_FILE_TIMEOUT", "--file-timeout",
         "seconds one file (with its attachments) may take before it is recorded as timed out"},
        {"index.isolate", T::boolean, "true", "DESKSIDE_ISOLATE", "",
         "extract in worker processes, so that a parser crash or hang costs one file, not the "
         "run"},
        {"index.worker_memory_mb", T::integer, "2048", "", "",
         "address-space limit of each extraction worker process, in MiB"},
        {"index.chunk.min_words", T::integer, "150", "", "",
         "a passage grows past this many words before a heading or page may end it"},
        {"index.chunk.target_words", T::integer, "280", "", "", "preferred passage size in words"},
        {"index.chunk.max_words", T::integer, "400", "", "", "largest passage in words"},
        {"index.chunk.overlap_words", T::integer, "30", "", "",
         "words of trailing sentences repeated at the start of the next passage"},
        {"embed.enabled", T::boolean, "true", "DESKSIDE_EMBED", "",
         "embed passages for vector and hybrid search when indexing"},
        {"embed.model", T::string, "", "DESKSIDE_EMBED_MODEL", "--embed-model",
         "a BERT-family GGUF embedding model; empty = the corpus-trained LSA embedder"},
        {"search.fusion", T::string, "normalized", "DESKSIDE_FUSION", "",
         "how hybrid search fuses the arms: normalized (weighted sum of min-max normalised "
         "scores) or rrf (reciprocal rank); see docs/retrieval.md"},
        {"search.rrf_k", T::integer, "60", "", "",
         "k of reciprocal-rank fusion: score = sum of weight / (k + rank) over the arms"},
        {"search.keyword_weight", T::string, "0.6", "", "",
         "weight of the keyword arm in fusion (0.6: chosen by leave-one-set-out evaluation, "
         "docs/retrieval.md)"},
        {"search.vector_weight", T::string, "0.4", "", "", "weight of the vector arm in fusion"},
        {"llm.backend", T::string, "extractive", "DESKSIDE_LLM", "--llm",
         "who writes answers: extractive (quotes the best-supported sentences; no model), local "
         "(llm.model, a GGUF decoder run by Deskside) or openai (an OpenAI-compatible server at "
         "llm.url)"},
        {"llm.model", T::string, "", "DESKSIDE_LLM_MODEL", "--llm-model",
         "GGUF decoder file (llama, qwen2, qwen3) for llm.backend=local"},
        {"llm.url", T::string, "", "DESKSIDE_LLM_URL", "--llm-url",
         "base URL of an OpenAI-compatible server (llama-server, Ollama, vLLM) for "
         "llm.backend=openai, e.g. http://gpu-box:8000/v1"},
        {"llm.remote_model", T::string, "", "DESKSIDE_LLM_REMOTE_MODEL", "",
         "model name sent to that server"},
        {"llm.api_key", T::string, "", "DESKSIDE_LLM_API_KEY", "",
         "bearer key for that server (prefer the variable to a config file)"},
        {"llm.context", T::integer, "4096", "", "",
         "context tokens at most; the model's own length and free memory cap it"},
        {"llm.threads", T::integer, "0", "DESKSIDE_LLM_THREADS", "",
         "decoder threads; 0 = one per core"},
        {"llm.parallel", T::integer, "4", "", "",
         "sequences decoded together (local) or calls in flight (openai)"},
        {"llm.max_queue", T::integer, "16", "", "",
         "requests waiting for the model; more are refused (HTTP 503 with Retry-After)"},
        {"llm.timeout_s", T::integer, "120", "", "", "longest wait for one answer from a server"},
        {"answer.passages", T::integer, "8", "", "",
         "passages retrieved for an answer (as many as fit the model's context are given)"},
        {"answer.max_tokens", T::integer, "512", "", "", "longest generated answer in tokens"},
        {"serve.listen", T::string, "127.0.0.1:8080", "DESKSIDE_LISTEN", "--listen",
         "address and port the service listens on"},
        {"serve.threads", T::integer, "8", "", "", "HTTP worker threads"},
        {"serve.max_upload_mb", T::integer, "100", "DESKSIDE_MAX_UPLOAD_MB", "",
         "largest upload (one POST /api/documents body) in MiB; larger ones get 413"},
        {"serve.index_roots", T::string, "", "DESKSIDE_INDEX_ROOTS", "",
         "folders (':'-separated) under which POST /api/jobs/reindex may index any path; roots "
         "already indexed are always allowed"},
        {"serve.web_dir", T::string, DESKSIDE_DEFAULT_WEB_DIR, "DESKSIDE_WEB_DIR", "",
         "folder of the intranet page's files"},
    };
}

}  // namespace deskside::cli
