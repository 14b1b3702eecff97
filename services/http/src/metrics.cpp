#include "metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

namespace deskside::http {

namespace {

std::string number(double value) {
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    if (std::isnan(value)) return "NaN";
    char text[64];
    if (value == std::floor(value) && std::fabs(value) < 1e15)
        std::snprintf(text, sizeof text, "%.0f", value);
    else
        std::snprintf(text, sizeof text, "%.9g", value);
    return text;
}

std::string labels(const std::vector<std::pair<std::string, std::string>>& pairs) {
    if (pairs.empty()) return "";
    std::string out = "{";
    for (std::size_t i = 0; i < pairs.size(); ++i) {
        if (i) out += ",";
        out += pairs[i].first + "=\"" + escape_label(pairs[i].second) + "\"";
    }
    return out + "}";
}

void header(std::string& out, const std::string& name, const std::string& help,
            const std::string& type) {
    out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

}  // namespace

std::string escape_label(const std::string& value) {
    std::string out;
    for (char c : value) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

Metrics::Metrics() : started_(std::chrono::steady_clock::now()) {}

void Metrics::record_request(const std::string& route, const std::string& method, int status,
                             double seconds) {
    std::lock_guard lock(mutex_);
    ++requests_[{route, method, status}];
    Histogram& h = latency_[route];
    for (std::size_t i = 0; i < kBuckets.size(); ++i)
        if (seconds <= kBuckets[i]) ++h.buckets[i];
    ++h.count;
    h.sum += seconds;
}

void Metrics::request_started() {
    std::lock_guard lock(mutex_);
    ++in_flight_;
}

void Metrics::request_finished() {
    std::lock_guard lock(mutex_);
    --in_flight_;
}

void Metrics::answer_started() {
    std::lock_guard lock(mutex_);
    ++answers_in_flight_;
}

void Metrics::answer_finished(const std::string& outcome, std::int64_t pieces, double seconds) {
    std::lock_guard lock(mutex_);
    --answers_in_flight_;
    ++answers_[outcome];
    if (pieces > 0 && seconds > 0) {
        generated_pieces_ += static_cast<std::uint64_t>(pieces);
        generation_seconds_ += seconds;
        last_pieces_per_second_ = static_cast<double>(pieces) / seconds;
    }
}

void Metrics::completion_started() {
    std::lock_guard lock(mutex_);
    ++completions_in_flight_;
}

void Metrics::completion_finished(const std::string& outcome, std::int64_t prompt_tokens,
                                  std::int64_t completion_tokens, double seconds) {
    std::lock_guard lock(mutex_);
    --completions_in_flight_;
    ++completions_[outcome];
    prompt_tokens_ += static_cast<std::uint64_t>(std::max<std::int64_t>(0, prompt_tokens));
    completion_tokens_ += static_cast<std::uint64_t>(std::max<std::int64_t>(0, completion_tokens));
    if (seconds > 0) completion_seconds_ += seconds;
}

void Metrics::embeddings_done(std::int64_t inputs) {
    std::lock_guard lock(mutex_);
    embedding_inputs_ += static_cast<std::uint64_t>(std::max<std::int64_t>(0, inputs));
}

std::string Metrics::render(const std::vector<ScrapedValue>& scraped) const {
    std::string out;
    std::lock_guard lock(mutex_);
    double uptime =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    header(out, "deskside_uptime_seconds", "Seconds since the service started.", "gauge");
    out += "deskside_uptime_seconds " + number(uptime) + "\n";

    header(out, "deskside_http_requests_total",
           "HTTP requests answered, by route template, method and status.", "counter");
    for (const auto& [key, count] : requests_) {
        const auto& [route, method, status] = key;
        out += "deskside_http_requests_total" +
               labels({{"route", route}, {"method", method}, {"status", std::to_string(status)}}) +
               " " + number(static_cast<double>(count)) + "\n";
    }
    header(out, "deskside_http_requests_in_flight", "HTTP requests being answered now.", "gauge");
    out += "deskside_http_requests_in_flight " + number(static_cast<double>(in_flight_)) + "\n";

    header(out, "deskside_http_request_duration_seconds",
           "Time to answer a request (a streamed answer: until its last event), by route.",
           "histogram");
    for (const auto& [route, h] : latency_) {
        for (std::size_t i = 0; i < kBuckets.size(); ++i)
            out += "deskside_http_request_duration_seconds_bucket" +
                   labels({{"route", route}, {"le", number(kBuckets[i])}}) + " " +
                   number(static_cast<double>(h.buckets[i])) + "\n";
        out += "deskside_http_request_duration_seconds_bucket" +
               labels({{"route", route}, {"le", "+Inf"}}) + " " +
               number(static_cast<double>(h.count)) + "\n";
        out += "deskside_http_request_duration_seconds_sum" + labels({{"route", route}}) + " " +
               number(h.sum) + "\n";
        out += "deskside_http_request_duration_seconds_count" + labels({{"route", route}}) + " " +
               number(static_cast<double>(h.count)) + "\n";
    }

    header(out, "deskside_answers_in_flight",
           "Answers being retrieved or generated now (waiting for the model included).", "gauge");
    out += "deskside_answers_in_flight " + number(static_cast<double>(answers_in_flight_)) + "\n";
    header(out, "deskside_answers_total", "Answers finished, by outcome.", "counter");
    for (const auto& [outcome, count] : answers_)
        out += "deskside_answers_total" + labels({{"outcome", outcome}}) + " " +
               number(static_cast<double>(count)) + "\n";
    header(out, "deskside_generation_tokens_total",
           "Pieces of answer text streamed (a token each for a model; a sentence each for the "
           "extractive answerer).",
           "counter");
    out +=
        "deskside_generation_tokens_total " + number(static_cast<double>(generated_pieces_)) + "\n";
    header(out, "deskside_generation_seconds_total",
           "Seconds spent generating answers, from the first piece of text to the last.",
           "counter");
    out += "deskside_generation_seconds_total " + number(generation_seconds_) + "\n";
    header(out, "deskside_generation_tokens_per_second",
           "Generation speed of the last answer (tokens per second after the first).", "gauge");
    out += "deskside_generation_tokens_per_second " + number(last_pieces_per_second_) + "\n";

    header(out, "deskside_completions_in_flight",
           "OpenAI-compatible chat completions being generated now (waiting for the model "
           "included).",
           "gauge");
    out += "deskside_completions_in_flight " + number(static_cast<double>(completions_in_flight_)) +
           "\n";
    header(out, "deskside_completions_total",
           "OpenAI-compatible chat completions finished, by outcome.", "counter");
    for (const auto& [outcome, count] : completions_)
        out += "deskside_completions_total" + labels({{"outcome", outcome}}) + " " +
               number(static_cast<double>(count)) + "\n";
    header(out, "deskside_completion_tokens_total",
           "Tokens of OpenAI-compatible chat completions, as the model counts them: prompt and "
           "completion.",
           "counter");
    out += "deskside_completion_tokens_total" + labels({{"kind", "prompt"}}) + " " +
           number(static_cast<double>(prompt_tokens_)) + "\n";
    out += "deskside_completion_tokens_total" + labels({{"kind", "completion"}}) + " " +
           number(static_cast<double>(completion_tokens_)) + "\n";
    header(out, "deskside_completion_seconds_total",
           "Seconds spent in OpenAI-compatible chat completions, from the call to the model to "
           "its last token.",
           "counter");
    out += "deskside_completion_seconds_total " + number(completion_seconds_) + "\n";
    header(out, "deskside_embedding_inputs_total",
           "Texts embedded for OpenAI-compatible embedding requests.", "counter");
    out +=
        "deskside_embedding_inputs_total " + number(static_cast<double>(embedding_inputs_)) + "\n";

    std::set<std::string> described;
    for (const auto& value : scraped) {
        if (described.insert(value.name).second) header(out, value.name, value.help, value.type);
        out += value.name + labels(value.labels) + " " + number(value.value) + "\n";
    }
    return out;
}

}  // namespace deskside::http
