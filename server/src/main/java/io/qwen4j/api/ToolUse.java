package io.qwen4j.api;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The request's {@code tools}, {@code tool_choice} and {@code parallel_tool_calls}, validated.
 *
 * @param tools      the {@code tools} array as given (the chat template renders it), or null when there are none
 * @param functions  the function tools, in order
 * @param choice     what the model may or must do
 * @param forcedName the function of {@link Choice#NAMED}, else null
 * @param parallel   whether several calls may be made in one answer
 */
public record ToolUse(JsonNode tools, List<FunctionTool> functions, Choice choice, String forcedName, boolean parallel) {

    public enum Choice { NONE, AUTO, REQUIRED, NAMED }

    /** @param parameters the {@code parameters} JSON Schema's text, or null when the function takes none */
    public record FunctionTool(String name, String description, String parameters) {
    }

    public static final ToolUse NO_TOOLS = new ToolUse(null, List.of(), Choice.NONE, null, true);

    /** Whether the model may produce a tool call. */
    public boolean callsPossible() {
        return choice != Choice.NONE;
    }

    static ToolUse read(RequestReader r) {
        JsonNode tools = r.raw("tools");
        JsonNode choiceNode = r.raw("tool_choice");
        JsonNode parallel = r.raw("parallel_tool_calls");
        if (parallel != null && !parallel.isBoolean()) throw ApiException.invalid("parallel_tool_calls", "'parallel_tool_calls' must be a boolean");
        List<FunctionTool> functions = tools == null ? List.of() : functions(tools);
        Choice choice;
        String forced = null;
        if (choiceNode == null) {
            choice = functions.isEmpty() ? Choice.NONE : Choice.AUTO;
        } else if (choiceNode.isTextual()) {
            choice = switch (choiceNode.textValue()) {
                case "none" -> Choice.NONE;
                case "auto" -> functions.isEmpty() ? Choice.NONE : Choice.AUTO;
                case "required" -> Choice.REQUIRED;
                default -> throw ApiException.invalid("tool_choice", "'tool_choice' must be \"none\", \"auto\", \"required\" or {\"type\": \"function\", \"function\": {\"name\": ...}}");
            };
        } else if (choiceNode.isObject()) {
            if (!"function".equals(choiceNode.path("type").asText(null)) || !choiceNode.path("function").path("name").isTextual()) {
                throw ApiException.invalid("tool_choice", "a named 'tool_choice' must be {\"type\": \"function\", \"function\": {\"name\": ...}}");
            }
            choice = Choice.NAMED;
            forced = choiceNode.get("function").get("name").textValue();
        } else {
            throw ApiException.invalid("tool_choice", "'tool_choice' must be \"none\", \"auto\", \"required\" or an object");
        }
        if (choice != Choice.NONE && functions.isEmpty()) throw ApiException.invalid("tool_choice", "'tool_choice' requires 'tools'");
        if (forced != null) {
            String name = forced;
            if (functions.stream().noneMatch(f -> f.name().equals(name))) {
                throw ApiException.invalid("tool_choice", "'tool_choice' names function \"" + name + "\", which is not in 'tools'");
            }
        }
        return new ToolUse(tools, functions, choice, forced, parallel == null || parallel.booleanValue());
    }

    private static List<FunctionTool> functions(JsonNode tools) {
        if (!tools.isArray()) throw ApiException.invalid("tools", "'tools' must be an array");
        if (tools.isEmpty()) throw ApiException.invalid("tools", "'tools' must not be empty");
        if (tools.size() > 128) throw ApiException.invalid("tools", "'tools' may hold at most 128 functions");
        List<FunctionTool> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < tools.size(); i++) {
            JsonNode t = tools.get(i);
            String p = "tools[" + i + "]";
            if (!t.isObject() || !"function".equals(t.path("type").asText(null))) {
                throw ApiException.invalid(p, p + " must be {\"type\": \"function\", \"function\": {...}}");
            }
            JsonNode f = t.get("function");
            if (f == null || !f.isObject()) throw ApiException.invalid(p + ".function", p + ".function must be an object");
            JsonNode name = f.get("name");
            if (name == null || !name.isTextual() || !name.textValue().matches("[a-zA-Z0-9_.\\-]{1,64}")) {
                throw ApiException.invalid(p + ".function.name", p + ".function.name must be 1 to 64 letters, digits, '_', '.' or '-'");
            }
            if (!names.add(name.textValue())) throw ApiException.invalid(p + ".function.name", "duplicate function name \"" + name.textValue() + "\"");
            JsonNode desc = f.get("description");
            if (desc != null && !desc.isNull() && !desc.isTextual()) throw ApiException.invalid(p + ".function.description", p + ".function.description must be a string");
            JsonNode params = f.get("parameters");
            if (params != null && !params.isNull() && !params.isObject()) {
                throw ApiException.invalid(p + ".function.parameters", p + ".function.parameters must be a JSON Schema object");
            }
            JsonNode strict = f.get("strict");
            if (strict != null && !strict.isNull() && !strict.isBoolean()) throw ApiException.invalid(p + ".function.strict", p + ".function.strict must be a boolean");
            out.add(new FunctionTool(name.textValue(), desc == null || desc.isNull() ? null : desc.textValue(),
                    params == null || params.isNull() ? null : params.toString()));
        }
        return out;
    }
}
