package io.qwen4j.template;

import java.util.List;
import java.util.Map;

/** Anything a template can call: macros, globals, bound methods. */
interface PyCallable {
    Object call(RenderContext ctx, List<Object> args, Map<String, Object> kwargs);
}
