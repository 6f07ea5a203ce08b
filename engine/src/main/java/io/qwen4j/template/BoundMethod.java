package io.qwen4j.template;

import java.util.List;
import java.util.Map;

/** A Python method looked up on a value ({@code "a,b".split}), called later. */
record BoundMethod(Object self, String name) implements PyCallable {
    @Override
    public Object call(RenderContext ctx, List<Object> args, Map<String, Object> kwargs) {
        return PyMethods.call(self, name, args, kwargs);
    }
}
