package io.qwen4j.template;

import java.util.List;
import java.util.Map;

/** A {@code {% macro %}} bound to the scope it was defined in (lexical scoping, late-bound reads). */
record Macro(Node.Macro definition, Scope scope, boolean catchVarargs, boolean catchKwargs, boolean acceptsCaller)
        implements PyCallable {
    String name() {
        return definition.name();
    }

    List<String> paramNames() {
        return definition.params().stream().map(Node.Param::name).toList();
    }

    @Override
    public Object call(RenderContext ctx, List<Object> args, Map<String, Object> kwargs) {
        return ctx.interpreter.callMacro(this, args, kwargs);
    }
}
