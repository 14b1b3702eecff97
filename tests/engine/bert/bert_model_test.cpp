// Loading refuses what it cannot run, naming the culprit: hand-made variants of the real
// synthetic model with one thing changed each.
#include "bert/bert_model.h"

#include <gtest/gtest.h>

#include "base/error.h"
#include "bert/bert_encoder.h"
#include "bert_reference.h"
#include "gguf/gguf_file.h"
#include "gguf_rewrite.h"

namespace deskside::bert {
namespace {

using testing::bert_model_path;
using testing::GgufRewrite;
using testing::GgufTensorCopy;
using testing::TempDir;

// Writes the edited model and returns the Error that loading it throws (code internal and an
// empty message when it loads).
Error load_error(const GgufRewrite& rewrite) {
    TempDir dir;
    auto path = dir / "edited.gguf";
    rewrite.write(path);
    try {
        auto file = gguf::GgufFile::open(path);
        BertModel::load(file);
    } catch (const Error& e) {
        return e;
    }
    return Error(ErrorCode::internal, "");
}

void expect_error(const GgufRewrite& rewrite, ErrorCode code, const std::string& needle) {
    Error e = load_error(rewrite);
    EXPECT_EQ(e.code(), code) << e.what();
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("edited.gguf"), std::string::npos) << e.what();
}

GgufRewrite tiny() {
    return GgufRewrite(bert_model_path("F16"));
}

TEST(BertModelLoad, UnchangedCopyLoads) {
    Error e = load_error(tiny());
    EXPECT_EQ(std::string(e.what()), "");
}

TEST(BertModelLoad, RefusesOtherArchitectures) {
    expect_error(tiny().set_string("general.architecture", "llama"), ErrorCode::unsupported,
                 "architecture 'llama'");
    expect_error(tiny().set_string("general.architecture", "nomic-bert"), ErrorCode::unsupported,
                 "architecture 'nomic-bert'");
    expect_error(tiny().remove("general.architecture"), ErrorCode::invalid_argument,
                 "general.architecture");
    // The real llama model of the shared set.
    try {
        auto file = gguf::GgufFile::open(testing::shared_dir() / "models" / "stories260K.gguf");
        BertModel::load(file);
        ADD_FAILURE() << "stories260K loaded as BERT";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::unsupported);
        EXPECT_NE(std::string(e.what()).find("'llama'"), std::string::npos) << e.what();
    }
}

TEST(BertModelLoad, NamesMissingOrBadHyperParameters) {
    expect_error(tiny().remove("bert.block_count"), ErrorCode::invalid_argument,
                 "bert.block_count");
    expect_error(tiny().set_u32("bert.attention.head_count", 3), ErrorCode::invalid_argument,
                 "not a multiple of head_count 3");
    expect_error(tiny().remove("bert.attention.layer_norm_epsilon"), ErrorCode::invalid_argument,
                 "layer_norm_epsilon");
    expect_error(tiny().set_bool("bert.attention.causal", true), ErrorCode::unsupported, "causal");
    expect_error(tiny().set_u32("bert.pooling_type", 0), ErrorCode::unsupported, "pooling type 0");
    expect_error(tiny().set_u32("bert.pooling_type", 4), ErrorCode::unsupported, "pooling type 4");
}

TEST(BertModelLoad, NamesMissingTensors) {
    expect_error(tiny().drop_tensor("blk.1.ffn_up.bias"), ErrorCode::invalid_argument,
                 "tensor 'blk.1.ffn_up.bias' is missing");
    expect_error(tiny().drop_tensor("token_embd.weight"), ErrorCode::invalid_argument,
                 "tensor 'token_embd.weight' is missing");
    expect_error(tiny().drop_tensor("blk.0.attn_k.weight"), ErrorCode::invalid_argument,
                 "tensor 'blk.0.attn_k.weight' is missing");
}

TEST(BertModelLoad, NamesWrongShapesAndTypes) {
    // Same bytes, other shape.
    expect_error(tiny().edit_tensor("blk.0.attn_q.weight",
                                    [](GgufTensorCopy& t) {
                                        t.dims = {64, 256};
                                    }),
                 ErrorCode::invalid_argument,
                 "tensor 'blk.0.attn_q.weight' has shape [64, 256], expected [128, 128]");
    // An F32 vector relabelled I32 (same size): a type no weight can have.
    expect_error(
        tiny().edit_tensor("blk.1.attn_output_norm.bias", [](GgufTensorCopy& t) { t.type = 26; }),
        ErrorCode::unsupported, "tensor 'blk.1.attn_output_norm.bias' has type I32");
}

TEST(BertModelLoad, PoolingFollowsTheFile) {
    TempDir dir;
    tiny().set_u32("bert.pooling_type", 2).write(dir / "cls.gguf");
    tiny().remove("bert.pooling_type").write(dir / "none.gguf");
    auto cls_file = gguf::GgufFile::open(dir / "cls.gguf");
    BertModel cls_model = BertModel::load(cls_file);
    EXPECT_EQ(cls_model.config.pooling, Pooling::cls);
    auto none_file = gguf::GgufFile::open(dir / "none.gguf");
    EXPECT_EQ(read_bert_config(none_file).pooling, Pooling::mean);

    auto mean_file = gguf::GgufFile::open(bert_model_path("F16"));
    BertEncoder mean(BertModel::load(mean_file));
    BertEncoder cls(std::move(cls_model));
    // A one-token sequence: the mean is that token, so both poolings agree; with more tokens
    // they differ.
    std::vector<std::vector<std::int32_t>> one{{101}}, three{{101, 4937, 102}};
    EXPECT_LE(testing::max_abs_diff(mean.encode(one), cls.encode(one)), 1e-6);
    EXPECT_GT(testing::max_abs_diff(mean.encode(three), cls.encode(three)), 1e-2);

    // Last-token pooling takes the [SEP] row: equal to the others on one token, different
    // from both on three.
    tiny().set_u32("bert.pooling_type", 3).write(dir / "last.gguf");
    auto last_file = gguf::GgufFile::open(dir / "last.gguf");
    BertEncoder last(BertModel::load(last_file));
    EXPECT_EQ(last.config().pooling, Pooling::last);
    std::vector<std::vector<std::int32_t>> sep{{102}};
    EXPECT_LE(testing::max_abs_diff(last.encode(sep), cls.encode(sep)), 1e-6);
    EXPECT_GT(testing::max_abs_diff(last.encode(three), cls.encode(three)), 1e-2);
    EXPECT_GT(testing::max_abs_diff(last.encode(three), mean.encode(three)), 1e-2);
}

}  // namespace
}  // namespace deskside::bert
