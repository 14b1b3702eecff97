// POST /v1/embeddings and GET /v1/models on a real HttpServer with the data directory's own
// query embedder (the LSA model fitted on a few corpus files): vectors equal to what the
// embedder gives directly, L2-normalised, in input order, as floats or base64; the limits and
// refusals; the model list.
#include <cmath>

#include "http_openai_support.h"
#include "http_test_support.h"
#include "vectors/embeddings.h"

namespace deskside {
namespace {

using namespace testing;

constexpr const char* kEmbeddings = "/v1/embeddings";

// Decodes base64 (RFC 4648, padded) into little-endian float32 values.
std::vector<float> decode_base64_floats(const std::string& text) {
    auto value = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        return c == '+' ? 62 : c == '/' ? 63 : -1;
    };
    std::string bytes;
    std::uint32_t group = 0;
    int bits = 0;
    for (char c : text) {
        if (c == '=') break;
        int v = value(c);
        EXPECT_GE(v, 0) << "not base64: " << c;
        group = (group << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            bytes += static_cast<char>((group >> bits) & 0xff);
        }
    }
    EXPECT_EQ(bytes.size() % 4, 0u);
    std::vector<float> out(bytes.size() / 4);
    for (std::size_t i = 0; i < out.size(); ++i) {
        std::uint32_t word = 0;
        for (int b = 0; b < 4; ++b)
            word |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i * 4 + b]))
                    << (8 * b);
        out[i] = std::bit_cast<float>(word);
    }
    return out;
}

class OpenAiEmbeddingsTest : public ServerFixture {
  protected:
    void SetUp() override {
        index_corpus({"pdf/pdfjs-pdfjs_wikipedia.pdf", "pdf/pdfjs-tracemonkey.pdf",
                      "pdf/tika-testPDF.pdf", "html/tika-resume.html"},
                     "default", tmp_ / "docs");
        auto synced = vectors::sync_vectors(data_dir(), {}, {});
        ASSERT_GT(synced.total, 0) << synced.embedder;
        // What `deskside serve` passes: the data directory's query embedder.
        embedder_ = vectors::open_query_embedder(data_dir(), {});
        ASSERT_TRUE(embedder_);
        ASSERT_EQ(embedder_->identity().kind, "lsa");
        generator_ = std::make_shared<ScriptedGenerator>();
        start_server([&](http::ServerOptions& options) {
            options.embedder = embedder_;
            options.generator = generator_;
        });
    }

    // The embedder's own vectors for `texts`, row by row.
    std::vector<std::vector<float>> direct(const std::vector<std::string>& texts) const {
        std::vector<float> flat = embedder_->embed(texts);
        const auto dim = static_cast<std::size_t>(embedder_->dimension());
        std::vector<std::vector<float>> rows;
        for (std::size_t i = 0; i < texts.size(); ++i)
            rows.emplace_back(flat.begin() + i * dim, flat.begin() + (i + 1) * dim);
        return rows;
    }

    static std::vector<float> floats(const nlohmann::json& array) {
        std::vector<float> out;
        for (const auto& x : array) out.push_back(static_cast<float>(x.get<double>()));
        return out;
    }

    std::shared_ptr<embed::Embedder> embedder_;
    std::shared_ptr<ScriptedGenerator> generator_;
};

TEST_F(OpenAiEmbeddingsTest, VectorsAreTheEmbeddersOwnInInputOrder) {
    const std::vector<std::string> texts = {
        "Wikipedia is a free online encyclopedia written by volunteers",
        "trace trees compile hot loops of dynamic JavaScript programs",
        "Apache Tika detects and extracts metadata and text",
    };
    nlohmann::json request = {{"model", "text-embedding-3-small"}, {"input", texts}};
    Reply reply = post_json(port(), kEmbeddings, request.dump());
    ASSERT_EQ(reply.status, 200) << reply.body;
    auto body = reply.json();
    EXPECT_EQ(body["object"], "list");
    EXPECT_EQ(body["model"], embedder_->identity().name);
    ASSERT_EQ(body["data"].size(), texts.size());
    auto expected = direct(texts);
    int tokens = 0;
    for (std::size_t i = 0; i < texts.size(); ++i) {
        const auto& item = body["data"][i];
        EXPECT_EQ(item["object"], "embedding");
        EXPECT_EQ(item["index"], i);
        std::vector<float> vector = floats(item["embedding"]);
        ASSERT_EQ(vector.size(), static_cast<std::size_t>(embedder_->dimension()));
        EXPECT_EQ(vector, expected[i]) << "text " << i;  // exactly: JSON carries every bit
        double norm = 0;
        for (float x : vector) norm += static_cast<double>(x) * x;
        EXPECT_NEAR(std::sqrt(norm), 1.0, 1e-4) << "text " << i;
        tokens += static_cast<int>((texts[i].size() + 3) / 4);
    }
    // Different texts, different vectors (the embedder is not returning a constant).
    EXPECT_NE(floats(body["data"][0]["embedding"]), floats(body["data"][1]["embedding"]));
    EXPECT_EQ(body["usage"]["prompt_tokens"], tokens);
    EXPECT_EQ(body["usage"]["total_tokens"], tokens);
}

TEST_F(OpenAiEmbeddingsTest, OneStringIsOneVectorAndBase64CarriesTheSameFloats) {
    const std::string text = "type-specialized traces of a JavaScript interpreter";
    Reply plain = post_json(port(), kEmbeddings, nlohmann::json({{"input", text}}).dump());
    ASSERT_EQ(plain.status, 200) << plain.body;
    ASSERT_EQ(plain.json()["data"].size(), 1u);
    auto expected = direct({text});
    EXPECT_EQ(floats(plain.json()["data"][0]["embedding"]), expected[0]);

    Reply packed =
        post_json(port(), kEmbeddings,
                  nlohmann::json({{"input", {text}}, {"encoding_format", "base64"}}).dump());
    ASSERT_EQ(packed.status, 200) << packed.body;
    const nlohmann::json embedding = packed.json()["data"][0]["embedding"];
    ASSERT_TRUE(embedding.is_string()) << packed.body;
    EXPECT_EQ(decode_base64_floats(embedding.get<std::string>()), expected[0]);

    // dimensions equal to the model's is accepted.
    Reply same =
        post_json(port(), kEmbeddings,
                  nlohmann::json({{"input", text}, {"dimensions", embedder_->dimension()}}).dump());
    EXPECT_EQ(same.status, 200) << same.body;
}

TEST_F(OpenAiEmbeddingsTest, BadInputsAre400) {
    nlohmann::json too_many = {{"input", std::vector<std::string>(257, "word")}};
    nlohmann::json too_long = {{"input", {std::string(3 << 20, 'a')}}};
    const std::pair<std::string, std::string> cases[] = {
        {R"({"model":"m"})", "invalid_argument"},
        {R"({"input":[1,2,3]})", "unsupported"},
        {R"({"input":[[1,2],[3]]})", "unsupported"},
        {R"({"input":""})", "invalid_argument"},
        {R"({"input":["ok",""]})", "invalid_argument"},
        {R"({"input":[]})", "invalid_argument"},
        {R"({"input":{"text":"x"}})", "invalid_argument"},
        {R"({"input":"x","encoding_format":"int8"})", "invalid_argument"},
        {R"({"input":"x","dimensions":3})", "unsupported"},
        {too_many.dump(), "invalid_argument"},
    };
    for (const auto& [body, code] : cases) {
        Reply reply = post_json(port(), kEmbeddings, body);
        EXPECT_EQ(reply.status, 400) << body.substr(0, 80) << ": " << reply.body;
        auto error = nlohmann::json::parse(reply.body, nullptr, false);
        ASSERT_FALSE(error.is_discarded()) << reply.body;
        EXPECT_EQ(error["error"]["code"], code) << body.substr(0, 80);
        EXPECT_EQ(error["error"]["type"], "invalid_request_error");
    }
    // 3 MiB of text: over the 2 MiB of input one request may carry (the body limit is 4 MiB).
    Reply big = post_json(port(), kEmbeddings, too_long.dump());
    EXPECT_EQ(big.status, 400) << big.body.substr(0, 200);
    EXPECT_NE(big.body.find("bytes of text"), std::string::npos);
}

TEST_F(OpenAiEmbeddingsTest, ModelsListsTheChatModelAndTheEmbedder) {
    Reply reply = get(port(), "/v1/models");
    ASSERT_EQ(reply.status, 200) << reply.body;
    auto body = reply.json();
    EXPECT_EQ(body["object"], "list");
    ASSERT_EQ(body["data"].size(), 2u) << body;
    const auto& chat = body["data"][0];
    EXPECT_EQ(chat["id"], "scripted-test-model");
    EXPECT_EQ(chat["object"], "model");
    EXPECT_EQ(chat["owned_by"], "deskside");
    EXPECT_GT(chat["created"].get<std::int64_t>(), 1600000000);
    EXPECT_EQ(chat["max_model_len"], 4096);
    const auto& embedding = body["data"][1];
    EXPECT_EQ(embedding["id"], embedder_->identity().name);
    EXPECT_EQ(embedding["dimension"], embedder_->dimension());
    EXPECT_EQ(post_json(port(), "/v1/models", "{}").status, 405);

    // /v1/ requests are counted by route, and embedded texts on their own.
    ASSERT_EQ(post_json(port(), kEmbeddings, R"({"input":["one text","two texts"]})").status, 200);
    Reply metrics = get(port(), "/metrics");
    for (const char* line :
         {"deskside_http_requests_total{route=\"/v1/models\",method=\"GET\",status=\"200\"} 1",
          "deskside_http_requests_total{route=\"/v1/embeddings\",method=\"POST\",status=\"200\"} "
          "1",
          "deskside_embedding_inputs_total 2"})
        EXPECT_NE(metrics.body.find(line), std::string::npos) << line << "\n" << metrics.body;
}

}  // namespace
}  // namespace deskside
