// GgufFile on well-formed input: every shared .gguf (counts and types as MODELS.md lists them,
// key metadata), and hand-built files that exercise every value type, nested arrays, version 2,
// a custom alignment and a vocab-only file.
#include "gguf/gguf_file.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <string>

#include "base/error.h"
#include "gguf/tensor_types.h"
#include "gguf_builder.h"
#include "test_support.h"

namespace deskside::gguf {
namespace {

using namespace deskside::testing::gguf;
using deskside::testing::shared_dir;
using deskside::testing::TempDir;
using deskside::testing::write_file;

std::filesystem::path models() {
    return shared_dir() / "models";
}

struct ModelCase {
    const char* file;
    const char* arch;
    std::map<std::string, int> types;  // tensor type name -> count
    const char* tokenizer;
    const char* pre;  // nullptr: no tokenizer.ggml.pre
    std::int64_t n_vocab;
};

// From MODELS.md's table.
const ModelCase kModels[] = {
    {"stories260K.gguf", "llama", {{"F32", 48}}, "llama", nullptr, 512},
    {"derived/stories260K-F16.gguf", "llama", {{"F16", 37}, {"F32", 11}}, "llama", nullptr, 512},
    {"derived/stories260K-Q8_0.gguf",
     "llama",
     {{"Q8_0", 32}, {"F16", 5}, {"F32", 11}},
     "llama",
     nullptr,
     512},
    {"derived/stories260K-Q4_0.gguf",
     "llama",
     {{"Q4_0", 31}, {"Q8_0", 1}, {"F16", 5}, {"F32", 11}},
     "llama",
     nullptr,
     512},
    {"synthetic/tiny-llama-synthetic-256-Q4_K_M.gguf",
     "llama",
     {{"Q4_K", 13}, {"Q6_K", 3}, {"F32", 5}},
     "llama",
     nullptr,
     512},
    {"synthetic/tiny-qwen2-synthetic-Q8_0.gguf",
     "qwen2",
     {{"Q8_0", 15}, {"F32", 11}},
     "gpt2",
     "qwen2",
     24581},
    {"synthetic/tiny-qwen3-synthetic-Q4_K_M.gguf",
     "qwen3",
     {{"Q4_K", 19}, {"Q6_K", 3}, {"F32", 13}},
     "gpt2",
     "qwen2",
     24583},
    {"synthetic/tiny-llama3-synthetic-Q5_K_M.gguf",
     "llama",
     {{"Q5_K", 12}, {"Q6_K", 3}, {"F32", 6}},
     "gpt2",
     "llama-bpe",
     24587},
    {"synthetic/tiny-bert-synthetic-F16.gguf",
     "bert",
     {{"F16", 14}, {"F32", 23}},
     "bert",
     "bert-bge",
     30522},
    {"synthetic/tiny-bert-synthetic-Q8_0.gguf",
     "bert",
     {{"Q8_0", 13}, {"F16", 1}, {"F32", 23}},
     "bert",
     "bert-bge",
     30522},
    {"vocab/ggml-vocab-bert-bge.gguf", "bert", {}, "bert", "bert-bge", 30522},
    {"vocab/ggml-vocab-llama-spm.gguf", "llama", {}, "llama", "default", 32000},
    {"vocab/ggml-vocab-gpt-2.gguf", "gpt2", {}, "gpt2", "gpt-2", 50257},
    {"vocab/ggml-vocab-deepseek-llm.gguf", "llama", {}, "gpt2", "deepseek-llm", 102400},
    {"vocab/ggml-vocab-deepseek-coder.gguf", "llama", {}, "gpt2", "deepseek-coder", 32256},
    {"vocab/ggml-vocab-starcoder.gguf", "starcoder2", {}, "gpt2", "starcoder", 49152},
    {"vocab/ggml-vocab-falcon.gguf", "falcon", {}, "gpt2", "falcon", 65024},
};

TEST(GgufFile, OpensEverySharedModelWithTheListedContents) {
    int opened = 0;
    for (const auto& m : kModels) {
        SCOPED_TRACE(m.file);
        const auto f = GgufFile::open(models() / m.file);
        ++opened;
        EXPECT_EQ(f.version(), 3u);
        EXPECT_EQ(f.alignment(), 32u);
        EXPECT_EQ(f.file_size(), std::filesystem::file_size(models() / m.file));
        EXPECT_EQ(f.get_string("general.architecture"), m.arch);
        EXPECT_EQ(f.get_string("tokenizer.ggml.model"), m.tokenizer);
        if (m.pre != nullptr) {
            EXPECT_EQ(f.get_string("tokenizer.ggml.pre"), m.pre);
        } else {
            EXPECT_EQ(f.find("tokenizer.ggml.pre"), nullptr);
        }
        const auto tokens = f.get_strings("tokenizer.ggml.tokens");
        EXPECT_EQ(static_cast<std::int64_t>(tokens.size()), m.n_vocab);
        EXPECT_EQ(static_cast<std::int64_t>(f.get_ints("tokenizer.ggml.token_type").size()),
                  m.n_vocab);

        std::map<std::string, int> types;
        for (const auto& t : f.tensors()) {
            ++types[std::string(tensor_type_name(t.type))];
            // Every tensor lies inside the file, after the directory, and is sized by its type.
            const auto* base = f.tensors().front().data - f.tensors().front().offset;
            EXPECT_EQ(t.data, base + t.offset);
            EXPECT_EQ(t.offset % f.alignment(), 0u);
            EXPECT_GE(f.data_offset() + t.offset, f.data_offset());
            EXPECT_LE(f.data_offset() + t.offset + t.bytes, f.file_size());
            EXPECT_EQ(t.bytes, row_bytes(t.type, t.dims[0]) * (t.elements() / t.dims[0]));
            EXPECT_EQ(f.find_tensor(t.name), &t);
        }
        EXPECT_EQ(types, m.types);
        if (f.tensors().empty()) {
            EXPECT_EQ(f.data_offset(), f.file_size());  // vocab files end with the metadata
        } else {
            EXPECT_EQ(f.data_offset() % f.alignment(), 0u);
        }
    }
    EXPECT_EQ(opened, 17);
}

TEST(GgufFile, EveryGgufUnderModelsIsListed) {
    // A model added to the shared folder without a row here would go untested.
    int found = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(models())) {
        if (e.path().extension() != ".gguf") continue;
        ++found;
        const auto rel = std::filesystem::relative(e.path(), models()).string();
        bool listed = false;
        for (const auto& m : kModels) listed |= rel == m.file;
        EXPECT_TRUE(listed) << rel;
        EXPECT_NO_THROW(GgufFile::open(e.path()));
    }
    EXPECT_EQ(found, 17);
}

TEST(GgufFile, Stories260KMetadataAndTensors) {
    const auto f = GgufFile::open(models() / "stories260K.gguf");
    EXPECT_EQ(f.metadata().size(), 19u);
    EXPECT_EQ(f.metadata().front().first, "tokenizer.ggml.tokens");  // file order kept
    EXPECT_EQ(f.get_int("llama.embedding_length"), 64);
    EXPECT_EQ(f.get_int("llama.block_count"), 5);
    EXPECT_EQ(f.get_int("llama.feed_forward_length"), 172);
    EXPECT_EQ(f.get_int("llama.attention.head_count"), 8);
    EXPECT_EQ(f.get_int("llama.attention.head_count_kv"), 4);
    EXPECT_EQ(f.get_int("llama.context_length"), 2048);
    EXPECT_EQ(f.get_int("tokenizer.ggml.bos_token_id"), 1);
    EXPECT_EQ(f.get_int("tokenizer.ggml.padding_token_id"), 4294967295LL);  // u32 max
    EXPECT_NEAR(*f.get_float("llama.attention.layer_norm_rms_epsilon"), 1e-5, 1e-12);
    EXPECT_EQ(f.find("llama.attention.layer_norm_rms_epsilon")->type, ValueType::float32);
    EXPECT_FALSE(f.get_int("general.architecture"));  // a string is not an integer
    EXPECT_FALSE(f.get_string("no.such.key"));

    const auto tokens = f.get_strings("tokenizer.ggml.tokens");
    ASSERT_EQ(tokens.size(), 512u);
    EXPECT_EQ(tokens[0], "<unk>");
    EXPECT_EQ(tokens[1], "<s>");
    EXPECT_EQ(tokens[2], "</s>");
    EXPECT_EQ(tokens[3], "<0x00>");
    const auto scores = f.get_floats("tokenizer.ggml.scores");
    ASSERT_EQ(scores.size(), 512u);
    const auto types = f.get_ints("tokenizer.ggml.token_type");
    ASSERT_EQ(types.size(), 512u);
    EXPECT_EQ(types[3], 6);                                    // byte token
    EXPECT_TRUE(f.get_ints("tokenizer.ggml.tokens").empty());  // strings are not ints

    ASSERT_EQ(f.tensors().size(), 48u);
    const TensorInfo* emb = f.find_tensor("token_embd.weight");
    ASSERT_NE(emb, nullptr);
    EXPECT_EQ(emb->dims, (std::vector<std::int64_t>{64, 512}));
    EXPECT_EQ(emb->elements(), 64 * 512);
    EXPECT_EQ(emb->bytes, 64u * 512u * 4u);
    const TensorInfo* down = f.find_tensor("blk.4.ffn_down.weight");
    ASSERT_NE(down, nullptr);
    EXPECT_EQ(down->dims, (std::vector<std::int64_t>{172, 64}));
    EXPECT_EQ(f.find_tensor("blk.5.ffn_down.weight"), nullptr);
    // The norm weights of a trained model are positive and not all equal.
    const TensorInfo* norm = f.find_tensor("output_norm.weight");
    ASSERT_NE(norm, nullptr);
    float first, last;
    std::memcpy(&first, norm->data, 4);
    std::memcpy(&last, norm->data + 63 * 4, 4);
    EXPECT_GT(first, 0.0f);
    EXPECT_NE(first, last);
}

TEST(GgufFile, MoveKeepsTheMappingAlive) {
    auto f = GgufFile::open(models() / "derived/stories260K-Q8_0.gguf");
    const TensorInfo* t = f.find_tensor("output.weight");
    ASSERT_NE(t, nullptr);
    const std::byte* data = t->data;
    GgufFile g = std::move(f);
    EXPECT_EQ(g.find_tensor("output.weight")->data, data);
    EXPECT_EQ(g.find_tensor("output.weight")->type, TensorType::Q8_0);
    auto h = GgufFile::open(models() / "stories260K.gguf");
    h = std::move(g);
    EXPECT_EQ(h.tensors().size(), 48u);
    EXPECT_EQ(h.find_tensor("output.weight")->data, data);
}

// A file with one key of every value type, nested arrays, and two tensors.
std::string every_type_file(std::uint32_t version, std::uint32_t alignment) {
    FileSpec f;
    f.version = version;
    f.alignment = alignment;
    f.kvs = {
        kv("u8", kU8, Bytes().u8(250).take()),
        kv("i8", kI8, Bytes().i8(-7).take()),
        kv("u16", kU16, Bytes().u16(65000).take()),
        kv("i16", kI16, Bytes().i16(-30000).take()),
        kv("u32", kU32, Bytes().u32(4000000000u).take()),
        kv("i32", kI32, Bytes().i32(-2000000000).take()),
        kv("f32", kF32, Bytes().f32(0.25f).take()),
        kv("bool.t", kBool, Bytes().u8(1).take()),
        kv("bool.f", kBool, Bytes().u8(0).take()),
        kv_str("str", "héllo"),
        kv_str("empty", ""),
        kv("u64", kU64, Bytes().u64(~std::uint64_t{0}).take()),
        kv("i64", kI64, Bytes().i64(std::numeric_limits<std::int64_t>::min()).take()),
        kv("f64", kF64, Bytes().f64(-1.5e300).take()),
        kv_strings("strs", {"a", "", "ccc"}),
        kv("floats", kArr, Bytes().u32(kF32).u64(3).f32(1.5f).f32(-2.0f).f32(0.0f).take()),
        // [[1, 2], [], [3]] of int32
        kv("nested", kArr,
           Bytes()
               .u32(kArr)
               .u64(3)
               .u32(kI32)
               .u64(2)
               .i32(1)
               .i32(2)
               .u32(kI32)
               .u64(0)
               .u32(kI32)
               .u64(1)
               .i32(3)
               .take()),
        kv("empty.arr", kArr, Bytes().u32(kStr).u64(0).take()),
    };
    if (alignment != 32) f.kvs.push_back(kv_u32("general.alignment", alignment));
    f.tensors = {
        {"a", {4, 2}, 0, {}, f32_data(8)},
        {"b", {3}, 0, {}, f32_data(3)},
    };
    return build(f);
}

TEST(GgufFile, ReadsEveryValueTypeAndNestedArrays) {
    TempDir dir;
    for (std::uint32_t version : {2u, 3u}) {
        SCOPED_TRACE(version);
        write_file(dir / "all.gguf", every_type_file(version, 32));
        const auto f = GgufFile::open(dir / "all.gguf");
        EXPECT_EQ(f.version(), version);
        EXPECT_EQ(f.get_int("u8"), 250);
        EXPECT_EQ(f.find("u8")->type, ValueType::uint8);
        EXPECT_EQ(f.get_int("i8"), -7);
        EXPECT_EQ(f.get_int("u16"), 65000);
        EXPECT_EQ(f.get_int("i16"), -30000);
        EXPECT_EQ(f.get_int("u32"), 4000000000LL);
        EXPECT_EQ(f.get_int("i32"), -2000000000);
        EXPECT_EQ(f.get_float("f32"), 0.25);
        EXPECT_EQ(f.get_bool("bool.t"), true);
        EXPECT_EQ(f.get_bool("bool.f"), false);
        EXPECT_FALSE(f.get_bool("u8"));
        EXPECT_EQ(f.get_string("str"), "h\xc3\xa9llo");
        EXPECT_EQ(f.get_string("empty"), "");
        EXPECT_FALSE(f.get_int("u64"));  // above INT64_MAX
        EXPECT_EQ(std::get<std::uint64_t>(f.find("u64")->data), ~std::uint64_t{0});
        EXPECT_EQ(f.get_int("i64"), std::numeric_limits<std::int64_t>::min());
        EXPECT_EQ(f.get_float("f64"), -1.5e300);
        EXPECT_EQ(f.get_float("i16"), -30000.0);  // integers read as floats too
        EXPECT_EQ(f.get_strings("strs"), (std::vector<std::string>{"a", "", "ccc"}));
        EXPECT_EQ(f.get_floats("floats"), (std::vector<double>{1.5, -2.0, 0.0}));
        EXPECT_TRUE(f.get_floats("strs").empty());
        EXPECT_TRUE(f.get_strings("floats").empty());
        EXPECT_TRUE(f.get_strings("empty.arr").empty());
        EXPECT_EQ(f.find("empty.arr")->as_array()->size(), 0u);

        const Value* nested = f.find("nested");
        ASSERT_NE(nested, nullptr);
        ASSERT_EQ(nested->type, ValueType::array);
        const auto& outer = *nested->as_array();
        ASSERT_EQ(outer.size(), 3u);
        EXPECT_EQ(outer[0].type, ValueType::array);
        ASSERT_EQ(outer[0].as_array()->size(), 2u);
        EXPECT_EQ((*outer[0].as_array())[1].as_int(), 2);
        EXPECT_EQ((*outer[0].as_array())[1].type, ValueType::int32);
        EXPECT_TRUE(outer[1].as_array()->empty());
        EXPECT_EQ((*outer[2].as_array())[0].as_int(), 3);

        EXPECT_EQ(f.metadata().size(), 18u);
        EXPECT_EQ(f.metadata()[9].first, "str");
        ASSERT_EQ(f.tensors().size(), 2u);
        const TensorInfo* b = f.find_tensor("b");
        ASSERT_NE(b, nullptr);
        EXPECT_EQ(b->offset, 32u);  // 32 bytes of "a", already aligned
        float v[3];
        std::memcpy(v, b->data, sizeof v);
        EXPECT_EQ(v[2], 2.0f);
    }
}

TEST(GgufFile, HonoursGeneralAlignment) {
    TempDir dir;
    write_file(dir / "a64.gguf", every_type_file(3, 64));
    const auto f = GgufFile::open(dir / "a64.gguf");
    EXPECT_EQ(f.alignment(), 64u);
    EXPECT_EQ(f.data_offset() % 64, 0u);
    EXPECT_EQ(f.find_tensor("b")->offset, 64u);
    float v;
    std::memcpy(&v, f.find_tensor("b")->data + 4, 4);
    EXPECT_EQ(v, 1.0f);
}

TEST(GgufFile, VocabOnlyFileWithoutPadding) {
    TempDir dir;
    FileSpec f;
    f.kvs = {kv_str("general.architecture", "llama"), kv_strings("tokenizer.ggml.tokens", {"x"})};
    const std::string bytes = build(f);
    write_file(dir / "v.gguf", bytes);
    const auto g = GgufFile::open(dir / "v.gguf");
    EXPECT_TRUE(g.tensors().empty());
    EXPECT_EQ(g.data_offset(), bytes.size());
    EXPECT_EQ(g.get_strings("tokenizer.ggml.tokens"), std::vector<std::string>{"x"});
}

TEST(GgufFile, ScalarTensorWithNoDims) {
    TempDir dir;
    FileSpec f;
    f.tensors = {{"s", {}, 0, {}, f32_data(1)}};
    write_file(dir / "s.gguf", build(f));
    const auto g = GgufFile::open(dir / "s.gguf");
    EXPECT_EQ(g.tensors()[0].elements(), 1);
    EXPECT_EQ(g.tensors()[0].bytes, 4u);
}

TEST(GgufFile, OpensFilesWithTypesItCannotDequantise) {
    // IQ2_XXS (16): 256 elements in 66 bytes. Sized, so the file opens; dequantising refuses.
    TempDir dir;
    FileSpec f;
    f.tensors = {{"iq", {256, 2}, 16, {}, std::string(132, '\0')}};
    write_file(dir / "iq.gguf", build(f));
    const auto g = GgufFile::open(dir / "iq.gguf");
    EXPECT_EQ(g.tensors()[0].type, TensorType::IQ2_XXS);
    EXPECT_EQ(g.tensors()[0].bytes, 132u);
    EXPECT_FALSE(is_supported(TensorType::IQ2_XXS));
    float out[256];
    try {
        dequantize_row(TensorType::IQ2_XXS, g.tensors()[0].data, out, 256);
        FAIL() << "dequantised IQ2_XXS";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::unsupported);
        EXPECT_NE(std::string(e.what()).find("IQ2_XXS"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace deskside::gguf
