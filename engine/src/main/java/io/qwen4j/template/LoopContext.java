package io.qwen4j.template;

import java.util.List;

/** The {@code loop} variable inside a for loop. */
final class LoopContext {
    private final List<Object> items;
    private final int depth0;
    private final PyCallable recurse;
    int index0;
    private Object lastChanged = PyOps.MISSING;

    LoopContext(List<Object> items, int depth0, PyCallable recurse) {
        this.items = items;
        this.depth0 = depth0;
        this.recurse = recurse;
    }

    long index() {
        return index0 + 1L;
    }

    long length() {
        return items.size();
    }

    Object attribute(String name) {
        int n = items.size();
        return switch (name) {
            case "index" -> index0 + 1L;
            case "index0" -> (long) index0;
            case "revindex" -> (long) (n - index0);
            case "revindex0" -> (long) (n - index0 - 1);
            case "first" -> index0 == 0;
            case "last" -> index0 == n - 1;
            case "length" -> (long) n;
            case "depth" -> depth0 + 1L;
            case "depth0" -> (long) depth0;
            case "previtem" -> index0 > 0 ? items.get(index0 - 1) : Undefined.withHint("there is no previous item");
            case "nextitem" -> index0 < n - 1 ? items.get(index0 + 1) : Undefined.withHint("there is no next item");
            case "cycle" -> (PyCallable) (ctx, args, kwargs) -> {
                if (args.isEmpty()) throw PyTypes.typeError("no items for cycling given");
                return args.get(index0 % args.size());
            };
            case "changed" -> (PyCallable) (ctx, args, kwargs) -> {
                Object value = args.size() == 1 ? args.getFirst() : new PyTuple(List.copyOf(args));
                if (lastChanged != PyOps.MISSING && PyOps.eq(lastChanged, value)) return false;
                lastChanged = value;
                return true;
            };
            default -> Undefined.missingAttribute(this, name);
        };
    }

    PyCallable recurse() {
        return recurse;
    }
}
