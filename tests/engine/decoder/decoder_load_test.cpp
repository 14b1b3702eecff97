// Loading: the stages (architecture -> hyper-parameters -> tensors) each fail with an error that
// names the stage and the problem, on hand-made variants of the real shared models; the memory
// check's arithmetic and message; what a good file loads as.
#include <gtest/gtest.h>

#include <fstream>

#include "base/error.h"
#include "decoder/decoder_model.h"
#include "decoder_reference.h"
#include "gguf_rewrite.h"

namespace deskside::decoder {
namespace {

using testing::GgufRewrite;
using testing::models_dir;
using testing::TempDir;

std::filesystem::path stories() {
    return models_dir() / "stories260K.gguf";
}

DecoderOptions small() {
    DecoderOptions o;
    o.context = 64;
    o.threads = 1;
    return o;
}

// Opens `path` and returns the error, failing the test when it opens.
Error open_error(const std::filesystem::path& path) {
    try {
        DecoderModel::open(path, small());
    } catch (const Error& e) {
        return e;
    }
    ADD_FAILURE() << path << " opened";
    return Error(ErrorCode::internal, "");
}

void expect_error(const Error& e, ErrorCode code, std::initializer_list<const char*> parts) {
    EXPECT_EQ(e.code(), code) << e.what();
    for (const char* part : parts)
        EXPECT_NE(std::string(e.what()).find(part), std::string::npos)
            << "'" << part << "' not in: " << e.what();
}

TEST(DecoderLoad, ReadsTheHyperParametersOfEveryArchitecture) {
    const auto c = DecoderModel::read_config(gguf::GgufFile::open(stories()));
    EXPECT_EQ(c.architecture, "llama");
    EXPECT_EQ(c.n_layer, 5);
    EXPECT_EQ(c.n_embd, 64);
    EXPECT_EQ(c.n_head, 8);
    EXPECT_EQ(c.n_head_kv, 4);
    EXPECT_EQ(c.head_dim, 8);
    EXPECT_EQ(c.n_ff, 172);
    EXPECT_EQ(c.n_vocab, 512);
    EXPECT_EQ(c.n_ctx_train, 2048);
    EXPECT_EQ(c.rope_layout, RopeLayout::normal);
    EXPECT_FALSE(c.tied_output);
    EXPECT_FLOAT_EQ(c.rms_eps, 1e-5f);

    const auto q3 = DecoderModel::read_config(
        gguf::GgufFile::open(models_dir() / "synthetic/tiny-qwen3-synthetic-Q4_K_M.gguf"));
    EXPECT_EQ(q3.architecture, "qwen3");
    EXPECT_EQ(q3.rope_layout, RopeLayout::neox);
    EXPECT_EQ(q3.head_dim, 128);
    EXPECT_EQ(q3.q_dim(), 512);
    EXPECT_TRUE(q3.tied_output);
    EXPECT_FLOAT_EQ(q3.rope_freq_base, 1e6f);

    const auto l3 = DecoderModel::read_config(
        gguf::GgufFile::open(models_dir() / "synthetic/tiny-llama3-synthetic-Q5_K_M.gguf"));
    EXPECT_TRUE(l3.has_rope_freqs);
    EXPECT_TRUE(l3.tied_output);
    EXPECT_EQ(l3.n_head_kv, 1);
    EXPECT_EQ(l3.n_ctx_train, 131072);
}

TEST(DecoderLoad, ContextIsCappedByTheModel) {
    DecoderOptions o = small();
    o.context = 1 << 20;
    auto model = DecoderModel::open(stories(), o);
    EXPECT_EQ(model.options().context, 2048);
    o.context = 0;
    EXPECT_EQ(DecoderModel::open(stories(), o).options().context, 2048);
    EXPECT_EQ(model.new_sequence().capacity(), 2048);
}

TEST(DecoderLoad, UnknownArchitecture) {
    TempDir dir;
    GgufRewrite(stories()).set_string("general.architecture", "mamba").write(dir / "m.gguf");
    expect_error(open_error(dir / "m.gguf"), ErrorCode::unsupported,
                 {"m.gguf", "architecture", "'mamba'"});
}

TEST(DecoderLoad, MissingArchitecture) {
    TempDir dir;
    GgufRewrite(stories()).remove("general.architecture").write(dir / "m.gguf");
    expect_error(open_error(dir / "m.gguf"), ErrorCode::invalid_argument,
                 {"architecture", "general.architecture"});
}

TEST(DecoderLoad, MissingHyperParameter) {
    TempDir dir;
    GgufRewrite(stories()).remove("llama.block_count").write(dir / "m.gguf");
    expect_error(open_error(dir / "m.gguf"), ErrorCode::invalid_argument,
                 {"hyper-parameters", "'llama.block_count'", "missing"});
}

TEST(DecoderLoad, InconsistentHeadCounts) {
    TempDir dir;
    GgufRewrite(stories()).set_u32("llama.attention.head_count_kv", 3).write(dir / "m.gguf");
    expect_error(open_error(dir / "m.gguf"), ErrorCode::invalid_argument,
                 {"hyper-parameters", "head_count_kv"});
}

TEST(DecoderLoad, MixtureOfExpertsIsUnsupported) {
    TempDir dir;
    GgufRewrite(stories()).set_u32("llama.expert_count", 8).write(dir / "m.gguf");
    expect_error(open_error(dir / "m.gguf"), ErrorCode::unsupported, {"llama.expert_count"});
}

TEST(DecoderLoad, UnknownRopeScalingIsUnsupported) {
    TempDir dir;
    GgufRewrite(stories()).set_string("llama.rope.scaling.type", "longrope").write(dir / "m.gguf");
    expect_error(open_error(dir / "m.gguf"), ErrorCode::unsupported,
                 {"hyper-parameters", "'longrope'"});
}

TEST(DecoderLoad, LinearRopeScalingSetsTheFrequencyScale) {
    TempDir dir;
    GgufRewrite(stories())
        .set_string("llama.rope.scaling.type", "linear")
        .set_f32("llama.rope.scaling.factor", 4.0f)
        .write(dir / "m.gguf");
    const auto c = DecoderModel::read_config(gguf::GgufFile::open(dir / "m.gguf"));
    EXPECT_FLOAT_EQ(c.rope_freq_scale, 0.25f);
    EXPECT_FALSE(c.yarn);
    // Positions scaled by 1/4 change the logits of a later token.
    auto base = DecoderModel::open(stories(), small());
    auto scaled = DecoderModel::open(dir / "m.gguf", small());
    const std::vector<std::int32_t> ids = {1, 403, 407, 261, 378};
    Sequence a = base.new_sequence(), b = scaled.new_sequence();
    const SequenceBatch ba{&a, ids, false}, bb{&b, ids, false};
    const auto la = base.forward(std::span(&ba, 1)), lb = scaled.forward(std::span(&bb, 1));
    float diff = 0;
    for (int i = 0; i < la.n_vocab(); ++i)
        diff = std::max(diff, std::fabs(la.last(0)[i] - lb.last(0)[i]));
    EXPECT_GT(diff, 1e-3f);
}

TEST(DecoderLoad, YarnKeysAreRead) {
    TempDir dir;
    GgufRewrite(stories())
        .set_string("llama.rope.scaling.type", "yarn")
        .set_f32("llama.rope.scaling.factor", 2.0f)
        .set_u32("llama.rope.scaling.original_context_length", 1024)
        .write(dir / "m.gguf");
    const auto c = DecoderModel::read_config(gguf::GgufFile::open(dir / "m.gguf"));
    EXPECT_TRUE(c.yarn);
    EXPECT_EQ(c.yarn_orig_ctx, 1024);
    EXPECT_FLOAT_EQ(c.rope_freq_scale, 0.5f);
    EXPECT_FLOAT_EQ(c.yarn_ext_factor, 1.0f);
    EXPECT_NO_THROW(DecoderModel::open(dir / "m.gguf", small()));
}

TEST(DecoderLoad, MissingTensor) {
    TempDir dir;
    GgufRewrite(stories()).drop_tensor("blk.3.ffn_up.weight").write(dir / "m.gguf");
    expect_error(open_error(dir / "m.gguf"), ErrorCode::invalid_argument,
                 {"tensors", "'blk.3.ffn_up.weight'", "missing"});
}

TEST(DecoderLoad, InconsistentShape) {
    TempDir dir;
    // attn_k as [64, 64] where 4 KV heads of 8 make it [64, 32]: same bytes, wrong shape.
    GgufRewrite(stories())
        .edit_tensor("blk.1.attn_q.weight",
                     [](auto& t) {
                         t.dims = {32, 128};
                     })
        .write(dir / "m.gguf");
    expect_error(open_error(dir / "m.gguf"), ErrorCode::invalid_argument,
                 {"tensors", "'blk.1.attn_q.weight'", "[32, 128]", "expected [64, 64]"});
}

TEST(DecoderLoad, EmbeddingWidthDisagreesWithTheKeys) {
    TempDir dir;
    GgufRewrite(stories()).set_u32("llama.embedding_length", 128).write(dir / "m.gguf");
    expect_error(open_error(dir / "m.gguf"), ErrorCode::invalid_argument, {"token_embd.weight"});
}

TEST(DecoderLoad, UnsupportedTensorType) {
    TempDir dir;
    // I8 (ggml type 24) has a size but no dequantisation: 64 x 64 bytes fit in the F32 data.
    GgufRewrite(stories())
        .edit_tensor("blk.2.attn_output.weight",
                     [](auto& t) {
                         t.type = 24;
                         t.data.resize(64 * 64);
                     })
        .write(dir / "m.gguf");
    expect_error(open_error(dir / "m.gguf"), ErrorCode::unsupported,
                 {"tensors", "'blk.2.attn_output.weight'", "I8"});
}

TEST(DecoderLoad, Qwen2WithoutBiases) {
    TempDir dir;
    GgufRewrite(models_dir() / "synthetic/tiny-qwen2-synthetic-Q8_0.gguf")
        .drop_tensor("blk.0.attn_k.bias")
        .write(dir / "q.gguf");
    expect_error(open_error(dir / "q.gguf"), ErrorCode::invalid_argument,
                 {"'blk.0.attn_k.bias'", "missing"});
}

TEST(DecoderLoad, Qwen3WithoutHeadNorm) {
    TempDir dir;
    GgufRewrite(models_dir() / "synthetic/tiny-qwen3-synthetic-Q4_K_M.gguf")
        .drop_tensor("blk.2.attn_q_norm.weight")
        .write(dir / "q.gguf");
    expect_error(open_error(dir / "q.gguf"), ErrorCode::invalid_argument,
                 {"'blk.2.attn_q_norm.weight'"});
}

TEST(DecoderLoad, TruncatedFile) {
    TempDir dir;
    std::string bytes = testing::read_file(stories());
    bytes.resize(bytes.size() / 2);
    testing::write_file(dir / "t.gguf", bytes);
    expect_error(open_error(dir / "t.gguf"), ErrorCode::invalid_argument, {"t.gguf", "truncated"});
}

TEST(DecoderLoad, WrongMagic) {
    TempDir dir;
    std::string bytes = testing::read_file(stories());
    bytes[0] = 'X';
    testing::write_file(dir / "w.gguf", bytes);
    const Error e = open_error(dir / "w.gguf");
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument) << e.what();
}

TEST(DecoderLoad, MissingFile) {
    const Error e = open_error(models_dir() / "no-such-model.gguf");
    EXPECT_EQ(e.code(), ErrorCode::not_found) << e.what();
}

TEST(DecoderMemory, EstimateCountsModelAndCache) {
    const auto file = gguf::GgufFile::open(stories());
    DecoderOptions o;
    o.context = 1024;
    o.max_sequences = 3;
    const MemoryEstimate e = DecoderModel::estimate_memory(file, o);
    EXPECT_EQ(e.context, 1024);
    EXPECT_EQ(e.sequences, 3);
    // 3 sequences x 1024 tokens x 5 layers x (K + V) x 32 values x 2 bytes (F16).
    EXPECT_EQ(e.kv_bytes, 3ull * 1024 * 5 * 2 * 32 * 2);
    EXPECT_GE(e.model_bytes, 1'100'000u);  // the F32 tensors (1.1 MB) and working buffers
    EXPECT_LT(e.model_bytes, 64u << 20);
    EXPECT_GT(e.available_bytes, 0u);
    o.kv_type = KvType::f32;
    EXPECT_EQ(DecoderModel::estimate_memory(file, o).kv_bytes, 2 * e.kv_bytes);
}

TEST(DecoderMemory, RefusesWithTheNumbers) {
    MemoryEstimate e;
    e.model = "big.gguf";
    e.model_bytes = 4509715660ull;  // 4.2 GiB
    e.kv_bytes = 5261334938ull;     // 4.9 GiB
    e.available_bytes = 6ull << 30;
    e.context = 32768;
    e.sequences = 1;
    try {
        DecoderModel::check_memory(e);
        FAIL() << "accepted";
    } catch (const Error& err) {
        EXPECT_EQ(err.code(), ErrorCode::invalid_argument);
        EXPECT_STREQ(err.what(),
                     "big.gguf: memory: needs 9.1 GiB (model 4.2 GiB + KV cache 4.9 GiB for 32768 "
                     "tokens), 6.0 GiB available; lower llm.context");
    }
    e.available_bytes = 10ull << 30;
    EXPECT_NO_THROW(DecoderModel::check_memory(e));
    e.available_bytes = 0;  // unknown
    EXPECT_NO_THROW(DecoderModel::check_memory(e));
}

TEST(DecoderMemory, OpenRefusesAContextThatCannotFit) {
    // The llama3 model allows 131072 tokens; 4096 sequences of them need far more than any
    // machine has (4096 x 131072 x 2 layers x 2 x 64 x 2 bytes = 256 GiB).
    DecoderOptions o = small();
    o.context = 0;
    o.max_sequences = 4096;
    try {
        DecoderModel::open(models_dir() / "synthetic/tiny-llama3-synthetic-Q5_K_M.gguf", o);
        FAIL() << "opened";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
        EXPECT_NE(std::string(e.what()).find("4096 sequences of 131072 tokens"), std::string::npos)
            << e.what();
        EXPECT_NE(std::string(e.what()).find("lower llm.context"), std::string::npos);
    }
    o.check_memory = false;
    EXPECT_NO_THROW(
        DecoderModel::open(models_dir() / "synthetic/tiny-llama3-synthetic-Q5_K_M.gguf", o));
}

}  // namespace
}  // namespace deskside::decoder
