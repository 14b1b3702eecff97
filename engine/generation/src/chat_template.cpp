#include "generation/chat_template.h"

#include <array>
#include <utility>

#include "base/error.h"

namespace deskside::generation {
namespace {

constexpr std::array<std::pair<ChatFamily, std::string_view>, 23> kNames{{
    {ChatFamily::chatml, "chatml"},
    {ChatFamily::phi4, "phi4"},
    {ChatFamily::mistral_v7, "mistral-v7"},
    {ChatFamily::mistral_v7_tekken, "mistral-v7-tekken"},
    {ChatFamily::mistral_v1, "mistral-v1"},
    {ChatFamily::mistral_v3, "mistral-v3"},
    {ChatFamily::mistral_v3_tekken, "mistral-v3-tekken"},
    {ChatFamily::llama2, "llama2"},
    {ChatFamily::llama2_sys, "llama2-sys"},
    {ChatFamily::llama2_sys_bos, "llama2-sys-bos"},
    {ChatFamily::llama2_sys_strip, "llama2-sys-strip"},
    {ChatFamily::phi3, "phi3"},
    {ChatFamily::falcon3, "falcon3"},
    {ChatFamily::zephyr, "zephyr"},
    {ChatFamily::gemma, "gemma"},
    {ChatFamily::gemma4, "gemma4"},
    {ChatFamily::deepseek, "deepseek"},
    {ChatFamily::command_r, "command-r"},
    {ChatFamily::llama3, "llama3"},
    {ChatFamily::deepseek2, "deepseek2"},
    {ChatFamily::deepseek3, "deepseek3"},
    {ChatFamily::llama4, "llama4"},
    {ChatFamily::granite, "granite"},
}};

// llama.cpp's trim: ASCII white space at both ends (Jinja's |trim also strips Unicode spaces;
// the built-in formatter, which the references record, does not).
std::string trim(std::string_view text) {
    auto space = [](char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
    };
    std::size_t begin = 0, end = text.size();
    while (begin < end && space(text[begin])) ++begin;
    while (end > begin && space(text[end - 1])) --end;
    return std::string(text.substr(begin, end - begin));
}

// The llama2 / Mistral [INST] families, told apart as llama.cpp's llm_chat_detect_template does.
ChatFamily detect_inst(std::string_view t) {
    auto has = [t](std::string_view marker) { return t.find(marker) != std::string_view::npos; };
    if (has("[SYSTEM_PROMPT]")) return ChatFamily::mistral_v7;
    if (has("' [INST] ' + system_message") || has("[AVAILABLE_TOOLS]")) {
        if (has(" [INST]")) return ChatFamily::mistral_v1;
        if (has("\"[INST]\"")) return ChatFamily::mistral_v3_tekken;
        return ChatFamily::mistral_v3;
    }
    if (has("content.strip()")) return ChatFamily::llama2_sys_strip;
    if (has("bos_token + '[INST]")) return ChatFamily::llama2_sys_bos;
    if (has("<<SYS>>")) return ChatFamily::llama2_sys;
    return ChatFamily::llama2;
}

void format_mistral(std::string& out, std::span<const llm::ChatMessage> messages,
                    ChatFamily family) {
    if (family == ChatFamily::mistral_v7 || family == ChatFamily::mistral_v7_tekken) {
        const std::string space = family == ChatFamily::mistral_v7 ? " " : "";
        for (const auto& m : messages) {
            if (m.role == "system") {
                out += "[SYSTEM_PROMPT]" + space + m.content + "[/SYSTEM_PROMPT]";
            } else if (m.role == "user") {
                out += "[INST]" + space + m.content + "[/INST]";
            } else {
                out += space + m.content + "</s>";
            }
        }
        return;
    }
    const std::string lead = family == ChatFamily::mistral_v1 ? " " : "";
    const std::string trail = family == ChatFamily::mistral_v3_tekken ? "" : " ";
    bool inside_turn = false;
    for (const auto& m : messages) {
        if (!inside_turn) {
            out += lead + "[INST]" + trail;
            inside_turn = true;
        }
        if (m.role == "system") {
            out += m.content + "\n\n";
        } else if (m.role == "user") {
            out += m.content + lead + "[/INST]";
        } else {
            out +=
                trail + (family == ChatFamily::mistral_v3 ? trim(m.content) : m.content) + "</s>";
            inside_turn = false;
        }
    }
}

void format_llama2(std::string& out, std::span<const llm::ChatMessage> messages,
                   ChatFamily family) {
    const bool system_block = family != ChatFamily::llama2;
    const bool bos_inside = family == ChatFamily::llama2_sys_bos;
    const bool strip = family == ChatFamily::llama2_sys_strip;
    bool inside_turn = true;  // the first [INST] follows the BOS the tokenizer adds
    out += "[INST] ";
    for (const auto& m : messages) {
        const std::string content = strip ? trim(m.content) : m.content;
        if (!inside_turn) {
            inside_turn = true;
            out += bos_inside ? "<s>[INST] " : "[INST] ";
        }
        if (m.role == "system") {
            out += system_block ? "<<SYS>>\n" + content + "\n<</SYS>>\n\n" : content + "\n";
        } else if (m.role == "user") {
            out += content + " [/INST]";
        } else {
            out += content + "</s>";
            inside_turn = false;
        }
    }
}

void format_gemma(std::string& out, std::span<const llm::ChatMessage> messages, bool add) {
    // Gemma has no system turn: its text opens the first user turn.
    std::string system;
    for (const auto& m : messages) {
        if (m.role == "system") {
            system += trim(m.content);
            continue;
        }
        const std::string role = m.role == "assistant" ? "model" : m.role;
        out += "<start_of_turn>" + role + "\n";
        if (!system.empty() && role != "model") {
            out += system + "\n\n";
            system.clear();
        }
        out += trim(m.content) + "<end_of_turn>\n";
    }
    if (add) out += "<start_of_turn>model\n";
}

void format_gemma4(std::string& out, std::span<const llm::ChatMessage> messages, bool add) {
    // After google-gemma-4-31B-it.jinja without tools: a leading system message gets its own
    // turn, content is trimmed, and the assistant's turn opens with an empty thought channel
    // (thinking off).
    for (const auto& m : messages) {
        const std::string role = m.role == "assistant" ? "model" : m.role;
        out += "<|turn>" + role + "\n" + trim(m.content) + "<turn|>\n";
    }
    if (add) out += "<|turn>model\n<|channel>thought\n<channel|>";
}

void format_deepseek3(std::string& out, std::span<const llm::ChatMessage> messages, bool add) {
    for (const auto& m : messages) {
        if (m.role == "system") {
            out += m.content + "\n\n";
        } else if (m.role == "user") {
            out += "<｜User｜>" + m.content;
        } else {
            out += "<｜Assistant｜>" + m.content + "<｜end▁of▁sentence｜>";
        }
    }
    if (add) out += "<｜Assistant｜>";
}

}  // namespace

std::string_view chat_family_name(ChatFamily family) {
    for (const auto& [f, name] : kNames) {
        if (f == family) return name;
    }
    return "unknown";
}

std::optional<ChatFamily> chat_family_from_name(std::string_view name) {
    for (const auto& [f, n] : kNames) {
        if (n == name) return f;
    }
    return std::nullopt;
}

std::optional<ChatFamily> detect_chat_family(std::string_view t) {
    if (auto named = chat_family_from_name(t)) return named;
    auto has = [t](std::string_view marker) { return t.find(marker) != std::string_view::npos; };
    // llama.cpp's order. Families it knows but we do not format (SmolVLM, GLM, Monarch, Orion,
    // OpenChat, Vicuna, ChatGLM3, MiniCPM, EXAONE, ...) are still recognised here so that their
    // templates fall back to chatml instead of matching a later, wrong family.
    if (has("<|im_start|>")) {
        if (has("<|im_sep|>")) return ChatFamily::phi4;
        if (has("<end_of_utterance>")) return std::nullopt;  // SmolVLM
        return ChatFamily::chatml;
    }
    if (t.starts_with("mistral") || has("[INST]")) return detect_inst(t);
    if (has("<|assistant|>") && has("<|end|>")) return ChatFamily::phi3;
    if (has("[gMASK]<sop>")) return std::nullopt;  // ChatGLM4
    if (has("<|assistant|>") && has("<|user|>")) {
        if (has("</s>")) return ChatFamily::falcon3;
        return std::nullopt;  // GLM-Edge
    }
    if (has("<|{{ item['role'] }}|>") && has("<|begin_of_image|>")) return std::nullopt;
    if (has("<|user|>") && has("<|endoftext|>")) return ChatFamily::zephyr;
    if (has("bos_token + message['role']")) return std::nullopt;  // Monarch
    if (has("<|turn>")) return ChatFamily::gemma4;
    if (has("<start_of_turn>")) return ChatFamily::gemma;
    if (has("'\\n\\nAssistant: ' + eos_token")) return std::nullopt;  // Orion
    if (has("GPT4 Correct ")) return std::nullopt;                    // OpenChat
    if (has("USER: ") && has("ASSISTANT: ")) return std::nullopt;     // Vicuna
    if (has("### Instruction:") && has("<|EOT|>")) return ChatFamily::deepseek;
    if (has("<|START_OF_TURN_TOKEN|>") && has("<|USER_TOKEN|>")) return ChatFamily::command_r;
    if (has("<|start_header_id|>") && has("<|end_header_id|>")) return ChatFamily::llama3;
    if (has("[gMASK]sop")) return std::nullopt;  // ChatGLM3
    if (has("<用户>")) return std::nullopt;      // MiniCPM
    if (has("'Assistant: ' + message['content'] + eos_token")) return ChatFamily::deepseek2;
    if (has("<｜Assistant｜>") && has("<｜User｜>") && has("<｜end▁of▁sentence｜>")) {
        return ChatFamily::deepseek3;
    }
    if (has("[|system|]") && has("[|assistant|]") && has("[|endofturn|]")) return std::nullopt;
    if (has("rwkv-world")) return std::nullopt;
    if (has("<|start_of_role|>")) return ChatFamily::granite;
    if (has("<|header_start|>") && has("<|header_end|>")) return ChatFamily::llama4;
    return std::nullopt;
}

ChatTemplate ChatTemplate::from_source(std::optional<std::string_view> template_source) {
    if (template_source && !template_source->empty()) {
        if (auto family = detect_chat_family(*template_source)) return ChatTemplate(*family);
    }
    return ChatTemplate(ChatFamily::chatml, /*fallback=*/true);
}

ChatTemplate ChatTemplate::from_gguf(const gguf::GgufFile& file) {
    const std::optional<std::string> source = file.get_string("tokenizer.chat_template");
    if (!source) return from_source(std::nullopt);
    return from_source(std::string_view(*source));
}

std::string ChatTemplate::apply(std::span<const llm::ChatMessage> messages,
                                bool add_assistant) const {
    for (const auto& m : messages) {
        if (m.role != "system" && m.role != "user" && m.role != "assistant") {
            throw Error(
                ErrorCode::invalid_argument,
                "chat message role must be system, user or assistant, got '" + m.role + "'");
        }
    }
    std::string out;
    const bool add = add_assistant;
    switch (family_) {
        case ChatFamily::chatml:
            for (const auto& m : messages) {
                out += "<|im_start|>" + m.role + "\n" + m.content + "<|im_end|>\n";
            }
            if (add) out += "<|im_start|>assistant\n";
            break;
        case ChatFamily::phi4:
            for (const auto& m : messages) {
                out += "<|im_start|>" + m.role + "<|im_sep|>" + m.content + "<|im_end|>";
            }
            if (add) out += "<|im_start|>assistant<|im_sep|>";
            break;
        case ChatFamily::mistral_v7:
        case ChatFamily::mistral_v7_tekken:
        case ChatFamily::mistral_v1:
        case ChatFamily::mistral_v3:
        case ChatFamily::mistral_v3_tekken:
            format_mistral(out, messages, family_);  // the [/INST] already opens the reply
            break;
        case ChatFamily::llama2:
        case ChatFamily::llama2_sys:
        case ChatFamily::llama2_sys_bos:
        case ChatFamily::llama2_sys_strip:
            format_llama2(out, messages, family_);
            break;
        case ChatFamily::phi3:
            for (const auto& m : messages) out += "<|" + m.role + "|>\n" + m.content + "<|end|>\n";
            if (add) out += "<|assistant|>\n";
            break;
        case ChatFamily::falcon3:
            for (const auto& m : messages) out += "<|" + m.role + "|>\n" + m.content + "\n";
            if (add) out += "<|assistant|>\n";
            break;
        case ChatFamily::zephyr:
            for (const auto& m : messages) {
                out += "<|" + m.role + "|>\n" + m.content + "<|endoftext|>\n";
            }
            if (add) out += "<|assistant|>\n";
            break;
        case ChatFamily::gemma:
            format_gemma(out, messages, add);
            break;
        case ChatFamily::gemma4:
            format_gemma4(out, messages, add);
            break;
        case ChatFamily::deepseek:
            for (const auto& m : messages) {
                if (m.role == "system") {
                    out += m.content;
                } else if (m.role == "user") {
                    out += "### Instruction:\n" + m.content + "\n";
                } else {
                    out += "### Response:\n" + m.content + "\n<|EOT|>\n";
                }
            }
            if (add) out += "### Response:\n";
            break;
        case ChatFamily::command_r:
            for (const auto& m : messages) {
                const char* token = m.role == "system" ? "<|SYSTEM_TOKEN|>"
                                    : m.role == "user" ? "<|USER_TOKEN|>"
                                                       : "<|CHATBOT_TOKEN|>";
                out += std::string("<|START_OF_TURN_TOKEN|>") + token + trim(m.content) +
                       "<|END_OF_TURN_TOKEN|>";
            }
            if (add) out += "<|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>";
            break;
        case ChatFamily::llama3:
            for (const auto& m : messages) {
                out += "<|start_header_id|>" + m.role + "<|end_header_id|>\n\n" + trim(m.content) +
                       "<|eot_id|>";
            }
            if (add) out += "<|start_header_id|>assistant<|end_header_id|>\n\n";
            break;
        case ChatFamily::deepseek2:
            for (const auto& m : messages) {
                if (m.role == "system") {
                    out += m.content + "\n\n";
                } else if (m.role == "user") {
                    out += "User: " + m.content + "\n\n";
                } else {
                    out += "Assistant: " + m.content + "<｜end▁of▁sentence｜>";
                }
            }
            if (add) out += "Assistant:";
            break;
        case ChatFamily::deepseek3:
            format_deepseek3(out, messages, add);
            break;
        case ChatFamily::llama4:
            for (const auto& m : messages) {
                out += "<|header_start|>" + m.role + "<|header_end|>\n\n" + trim(m.content) +
                       "<|eot|>";
            }
            if (add) out += "<|header_start|>assistant<|header_end|>\n\n";
            break;
        case ChatFamily::granite:
            for (const auto& m : messages) {
                out += "<|start_of_role|>" + m.role + "<|end_of_role|>" + m.content +
                       "<|end_of_text|>\n";
            }
            if (add) out += "<|start_of_role|>assistant<|end_of_role|>\n";
            break;
    }
    return out;
}

}  // namespace deskside::generation
