#include "openai_client/openai_embedder.h"

#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string_view>

#include "base/error.h"
#include "call_gate.h"
#include "http_exchange.h"
#include "server_endpoint.h"
#include "server_errors.h"

namespace deskside::openai_client {
namespace {

using detail::HttpExchange;
using detail::ServerEndpoint;
using nlohmann::json;

constexpr std::size_t kMaxErrorBody = 1 << 20;
constexpr std::size_t kMaxReplyBody = 256 << 20;

std::string identity_hash(const std::string& model, int dimension) {
    std::uint64_t hash = 0xcbf29ce484222325ULL;  // FNV-1a 64
    auto mix = [&](std::string_view bytes) {
        for (unsigned char c : bytes) {
            hash ^= c;
            hash *= 0x100000001b3ULL;
        }
        hash ^= 0xff;  // a separator no UTF-8 text contains
        hash *= 0x100000001b3ULL;
    };
    mix("openai");
    mix(model);
    mix(std::to_string(dimension));
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
    return hex;
}

bool blank(std::string_view text) {
    for (unsigned char c : text)
        if (!std::isspace(c)) return false;
    return true;
}

[[noreturn]] void bad_reply(const HttpExchange& exchange, const std::string& what) {
    throw Error(ErrorCode::io, exchange.url() + " sent embeddings Deskside cannot use: " + what);
}

}  // namespace

struct OpenAiEmbedder::Impl {
    explicit Impl(const OpenAiEmbedderOptions& options)
        : endpoint(options.server),
          gate(options.server.max_concurrent, options.server.max_queue, endpoint.busy_message()),
          batch_size(options.batch_size) {}

    // Embeds texts (none blank) with one request: rows of `dimension` floats, L2-normalised,
    // written to out[row * dimension]. With dimension 0, learns it from the reply.
    void embed_batch(const std::vector<const std::string*>& texts, int& dimension,
                     float* const* rows) const;

    ServerEndpoint endpoint;
    mutable detail::CallGate gate;
    int batch_size;
    embed::EmbedderIdentity identity;
};

void OpenAiEmbedder::Impl::embed_batch(const std::vector<const std::string*>& texts, int& dimension,
                                       float* const* rows) const {
    json input = json::array();
    for (const std::string* text : texts) input.push_back(*text);
    const std::string body =
        json{{"model", endpoint.options().model}, {"input", std::move(input)}}.dump(
            -1, ' ', false, json::error_handler_t::replace);

    auto slot = gate.acquire();
    HttpExchange exchange(endpoint);
    exchange.start("POST", endpoint.path("/embeddings"), body, "application/json");
    if (exchange.status() < 200 || exchange.status() > 299) {
        std::string reply;
        try {
            reply = exchange.read_body(kMaxErrorBody);
        } catch (const Error&) {
            // The status says enough when the body cannot be read.
        }
        throw detail::status_error(endpoint, exchange.status(), detail::server_message(reply),
                                   exchange.url());
    }
    std::string reply_text = exchange.read_body(kMaxReplyBody);
    json reply = json::parse(reply_text, nullptr, false);
    if (!reply.is_object()) bad_reply(exchange, "the reply is not a JSON object");
    auto data = reply.find("data");
    if (data == reply.end() || !data->is_array()) bad_reply(exchange, "no \"data\" array");
    if (data->size() != texts.size())
        bad_reply(exchange, std::to_string(data->size()) + " vectors for " +
                                std::to_string(texts.size()) + " texts");

    std::vector<bool> seen(texts.size(), false);
    for (std::size_t i = 0; i < data->size(); ++i) {
        const json& item = (*data)[i];
        if (!item.is_object()) bad_reply(exchange, "an item of \"data\" is not an object");
        // Servers give "index"; the OpenAI API does not promise the order of the items.
        std::size_t row = i;
        if (auto index = item.find("index"); index != item.end()) {
            if (!index->is_number_unsigned() || index->get<std::size_t>() >= texts.size())
                bad_reply(exchange, "an index out of range: " + index->dump());
            row = index->get<std::size_t>();
        }
        if (seen[row]) bad_reply(exchange, "index " + std::to_string(row) + " twice");
        seen[row] = true;
        auto vector = item.find("embedding");
        if (vector == item.end() || !vector->is_array() || vector->empty())
            bad_reply(exchange, "item " + std::to_string(row) + " has no \"embedding\" array");
        if (dimension == 0) dimension = static_cast<int>(vector->size());
        if (vector->size() != static_cast<std::size_t>(dimension))
            bad_reply(exchange, "a vector of dimension " + std::to_string(vector->size()) +
                                    " where " + std::to_string(dimension) + " was expected");
        double norm = 0;
        std::vector<double> values(vector->size());
        for (std::size_t d = 0; d < vector->size(); ++d) {
            const json& x = (*vector)[d];
            if (!x.is_number()) bad_reply(exchange, "a vector holds " + x.dump());
            values[d] = x.get<double>();
            if (!std::isfinite(values[d])) bad_reply(exchange, "a vector holds a non-finite value");
            norm += values[d] * values[d];
        }
        if (rows[row] == nullptr) continue;  // the dimension probe
        const double scale = norm > 0 ? 1 / std::sqrt(norm) : 0;
        for (std::size_t d = 0; d < values.size(); ++d)
            rows[row][d] = static_cast<float>(values[d] * scale);
    }
}

OpenAiEmbedder::OpenAiEmbedder(const OpenAiEmbedderOptions& options)
    : impl_(std::make_unique<Impl>(options)) {
    if (options.batch_size < 1)
        throw Error(ErrorCode::invalid_argument, impl_->endpoint.setting("batch_size") +
                                                     " must be at least 1, not " +
                                                     std::to_string(options.batch_size));
    if (options.dimension < 0)
        throw Error(ErrorCode::invalid_argument, impl_->endpoint.setting("dimension") +
                                                     " must not be negative, not " +
                                                     std::to_string(options.dimension));
    int dimension = options.dimension;
    if (dimension == 0) {
        const std::string probe = "What is the dimension of this embedding?";
        float* no_row = nullptr;
        impl_->embed_batch({&probe}, dimension, &no_row);
    }
    impl_->identity = {"openai", options.server.model,
                       identity_hash(options.server.model, dimension), dimension};
}

OpenAiEmbedder::~OpenAiEmbedder() = default;

const embed::EmbedderIdentity& OpenAiEmbedder::identity() const {
    return impl_->identity;
}

std::vector<float> OpenAiEmbedder::embed(std::span<const std::string> texts) const {
    int dimension = impl_->identity.dimension;
    std::vector<float> out(texts.size() * static_cast<std::size_t>(dimension), 0.0f);
    std::vector<const std::string*> batch;
    std::vector<float*> rows;
    auto flush = [&] {
        if (batch.empty()) return;
        impl_->embed_batch(batch, dimension, rows.data());
        batch.clear();
        rows.clear();
    };
    for (std::size_t i = 0; i < texts.size(); ++i) {
        if (blank(texts[i])) continue;  // stays a zero row
        batch.push_back(&texts[i]);
        rows.push_back(out.data() + i * static_cast<std::size_t>(dimension));
        if (static_cast<int>(batch.size()) == impl_->batch_size) flush();
    }
    flush();
    return out;
}

}  // namespace deskside::openai_client
