package io.qwen4j.grammar;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Translates a JSON Schema (a {@link JsonTree}) into grammar productions whose sentences are exactly the
 * JSON texts valid under the schema (within the output policy: schema property order, bounded whitespace
 * and digits). Keywords it cannot enforce are refused with {@link UnsupportedSchemaException}; annotations
 * and unknown keys are ignored. Schemas are compiled from a work queue (no deep recursion), each schema
 * object once ($ref targets are shared, so recursive schemas give recursive grammars), within size and
 * time budgets.
 */
final class JsonSchemaCompiler {
    static final int MAX_ENUM_VALUES = 10_000;
    static final int MAX_UNROLLED_ITEMS = 4_096;
    static final int MAX_LENGTH_BOUND = 1_000_000;
    static final int MAX_MERGES = 20_000;
    static final int MAX_REF_INLINE_DEPTH = 64;

    /** Keywords refused outright (checked where they would apply). */
    private static final Set<String> REFUSED = Set.of("not", "dependentSchemas", "contains", "minContains", "maxContains",
            "propertyNames", "unevaluatedProperties", "unevaluatedItems", "$dynamicRef", "$recursiveRef");
    /** Keywords whose value is a schema or schemas but that only matter in combination (handled explicitly). */
    private static final Set<String> ASSERTIONS = Set.of("type", "enum", "const", "properties", "required", "additionalProperties",
            "items", "prefixItems", "additionalItems", "minItems", "maxItems", "uniqueItems", "minLength", "maxLength", "pattern",
            "format", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "anyOf", "oneOf", "allOf",
            "$ref", "minProperties", "maxProperties", "patternProperties", "dependencies", "dependentRequired", "if", "then", "else",
            "not", "dependentSchemas", "contains", "minContains", "maxContains", "propertyNames", "unevaluatedProperties",
            "unevaluatedItems", "$dynamicRef", "$recursiveRef");
    private static final List<String> ALL_TYPES = List.of("object", "array", "string", "number", "boolean", "null");

    private final GrammarBuilder gb;
    private final Object root;
    private final JsonSchemaOptions options;
    private final JsonLexemes lx;
    private final IdentityHashMap<Object, Integer> ntOf = new IdentityHashMap<>();
    private final ArrayDeque<Object[]> queue = new ArrayDeque<>();
    private int merges;
    private int anyValue = -1;

    private JsonSchemaCompiler(GrammarBuilder gb, Object root, JsonSchemaOptions options) {
        this.gb = gb;
        this.root = root;
        this.options = options;
        this.lx = JsonLexemes.of(options);
    }

    /**
     * Adds the productions for values of {@code schema} to {@code gb}; returns their nonterminal. Checks
     * the enclosing {@link CompileDeadline}.
     */
    static int compile(GrammarBuilder gb, Object schema, JsonSchemaOptions options) {
        JsonSchemaCompiler c = new JsonSchemaCompiler(gb, schema, options);
        int nt = c.schemaNt(schema);
        c.drain();
        return nt;
    }

    private void drain() {
        while (!queue.isEmpty()) {
            CompileDeadline.check();
            Object[] job = queue.poll();
            compileBody((Integer) job[0], job[1]);
        }
    }

    private int schemaNt(Object schema) {
        Integer nt = ntOf.get(schema);
        if (nt != null) return nt;
        nt = gb.nonterminal("schema");
        ntOf.put(schema, nt);
        queue.add(new Object[] {nt, schema});
        return nt;
    }

    // ---- schema bodies ----

    private void compileBody(int nt, Object schema) {
        if (schema instanceof Boolean b) {
            if (b) gb.production(nt, anyValue());
            return;
        }
        if (!(schema instanceof Map<?, ?>)) throw new UnsupportedSchemaException("schema", "a schema must be an object or a boolean");
        Map<String, Object> m = asMap(schema);
        checkKeywords(m);
        if (m.containsKey("allOf") || (m.containsKey("$ref") && hasAssertionsBesides(m, "$ref"))) {
            compileFlat(nt, flatten(m, 0));
        } else if (m.containsKey("$ref")) {
            gb.production(nt, schemaNt(resolve(m.get("$ref"))));
        } else {
            compileFlat(nt, normalize(m));
        }
    }

    /** A schema without allOf/$ref at its top level. */
    private void compileFlat(int nt, Map<String, Object> m) {
        checkKeywords(m);
        if (m.containsKey("anyOf") && m.containsKey("oneOf")) {
            // anyOf ∧ oneOf: distribute the oneOf branches over the anyOf ones.
            Map<String, Object> rest = without(m, "oneOf");
            List<Object> branches = new ArrayList<>();
            for (Object o : checkedOneOf(m.get("oneOf"))) branches.add(merge(rest, resolveFlat(o, 0), 0));
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("anyOf", branches);
            compileFlat(nt, d);
            return;
        }
        String comb = m.containsKey("anyOf") ? "anyOf" : m.containsKey("oneOf") ? "oneOf" : null;
        if (comb != null) {
            List<Object> branches = comb.equals("oneOf") ? checkedOneOf(m.get("oneOf")) : list(m.get("anyOf"), "anyOf");
            Map<String, Object> siblings = without(m, comb);
            boolean plain = !hasAssertionsBesides(siblings, null);
            List<Object> values = plain ? valuesOfConstBranches(branches) : null;
            if (values != null) { // a oneOf/anyOf of consts is one enum: one lexeme per kind, not one per branch
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("enum", values);
                compileEnum(nt, e);
                return;
            }
            for (Object b : branches) {
                if (plain) gb.production(nt, schemaNt(b));
                else gb.production(nt, schemaNt(merge(siblings, resolveFlat(b, 0), 0)));
            }
            return;
        }
        if (m.containsKey("enum") || m.containsKey("const")) {
            compileEnum(nt, m);
            return;
        }
        for (String type : types(m)) {
            int sym = switch (type) {
                case "object" -> objectNt(m);
                case "array" -> arrayNt(m);
                case "string" -> stringSymbol(m);
                case "number" -> numberSymbol(m, false);
                case "integer" -> numberSymbol(m, true);
                case "boolean" -> booleanNt();
                case "null" -> gb.terminal(lx.literal("null"));
                default -> throw new UnsupportedSchemaException("type", "unknown type \"" + type + "\"");
            };
            if (sym != Integer.MIN_VALUE) gb.production(nt, sym);
        }
    }

    private List<String> types(Map<String, Object> m) {
        Object t = m.get("type");
        List<String> types = new ArrayList<>();
        if (t == null) return ALL_TYPES;
        if (t instanceof String s) types.add(s);
        else if (t instanceof List<?> l) for (Object o : l) types.add(string(o, "type"));
        else throw new UnsupportedSchemaException("type", "type must be a string or an array");
        if (types.contains("number")) types.remove("integer");
        return new ArrayList<>(new LinkedHashSet<>(types));
    }

    private void checkKeywords(Map<String, Object> m) {
        for (String k : m.keySet()) {
            if (REFUSED.contains(k)) throw new UnsupportedSchemaException(k, "keyword \"" + k + "\" is not supported");
        }
        if (m.containsKey("if") && (m.containsKey("then") || m.containsKey("else"))) {
            throw new UnsupportedSchemaException("if", "keyword \"if\" (with then/else) is not supported");
        }
        for (String k : List.of("dependencies", "dependentRequired", "patternProperties")) {
            Object v = m.get(k);
            if (v != null && !(v instanceof Map<?, ?> mm && mm.isEmpty())) {
                throw new UnsupportedSchemaException(k, "keyword \"" + k + "\" is not supported");
            }
        }
        if (Boolean.TRUE.equals(m.get("uniqueItems"))) {
            Object max = m.get("maxItems");
            boolean atMostOne = max instanceof BigDecimal d && d.compareTo(BigDecimal.ONE) <= 0;
            if (!atMostOne && types(m).contains("array")) {
                throw new UnsupportedSchemaException("uniqueItems", "keyword \"uniqueItems\" is not supported");
            }
        }
    }

    private static boolean hasAssertionsBesides(Map<String, Object> m, String except) {
        for (String k : m.keySet()) if (!k.equals(except) && ASSERTIONS.contains(k)) return true;
        return false;
    }

    // ---- objects ----

    private int objectNt(Map<String, Object> m) {
        Map<String, Object> props = m.get("properties") == null ? Map.of() : asMap(m.get("properties"));
        Object additional = m.containsKey("additionalProperties") ? m.get("additionalProperties") : options.additionalPropertiesDefault();
        boolean additionalAllowed = !Boolean.FALSE.equals(additional);
        Set<String> required = new LinkedHashSet<>();
        if (m.get("required") != null) for (Object o : list(m.get("required"), "required")) required.add(string(o, "required"));
        LinkedHashMap<String, Object> fields = new LinkedHashMap<>(props);
        for (String r : required) if (!fields.containsKey(r)) fields.put(r, additional); // required but undeclared
        if (m.get("minProperties") instanceof BigDecimal min && min.compareTo(BigDecimal.valueOf(required.size())) > 0) {
            throw new UnsupportedSchemaException("minProperties", "minProperties above the number of required properties is not supported");
        }
        if (m.get("maxProperties") instanceof BigDecimal max && (additionalAllowed || max.compareTo(BigDecimal.valueOf(fields.size())) < 0)) {
            throw new UnsupportedSchemaException("maxProperties", "maxProperties is supported only when it cannot be exceeded");
        }
        List<String> names = new ArrayList<>(fields.keySet());
        int n = names.size();
        int[] first = new int[n + 1], rest = new int[n + 1];
        for (int i = 0; i <= n; i++) {
            first[i] = gb.nonterminal("obj.first");
            rest[i] = gb.nonterminal("obj.rest");
        }
        int comma = gb.terminal(lx.literal(","));
        int colon = gb.terminal(lx.literal(":"));
        for (int i = 0; i < n; i++) {
            String name = names.get(i);
            Object s = fields.get(name);
            boolean req = required.contains(name);
            if (!Boolean.FALSE.equals(s)) {
                int pair = gb.nonterminal("pair");
                gb.production(pair, gb.terminal(lx.stringLiteral(name)), colon, schemaNt(s));
                gb.production(first[i], pair, rest[i + 1]);
                gb.production(rest[i], comma, pair, rest[i + 1]);
            }
            if (!req) {
                gb.production(first[i], first[i + 1]);
                gb.production(rest[i], rest[i + 1]);
            }
        }
        gb.production(first[n]);
        gb.production(rest[n]);
        if (additionalAllowed) {
            int key = gb.terminal(keyExcluding(names));
            int pair = gb.nonterminal("extra.pair");
            gb.production(pair, key, colon, schemaNt(additional));
            int extras = gb.nonterminal("extras");
            gb.production(extras);
            gb.production(extras, extras, comma, pair);
            gb.production(first[n], pair, extras);
            gb.production(rest[n], extras);
        }
        int obj = gb.nonterminal("object");
        gb.production(obj, gb.terminal(lx.literal("{")), first[0], gb.terminal(lx.literal("}")));
        return obj;
    }

    /** A JSON string lexeme for any key except the given names. */
    private ByteLexeme keyExcluding(List<String> names) {
        if (names.isEmpty()) return lx.anyString(0, defaultMaxLength());
        List<String> sorted = new ArrayList<>(names);
        sorted.sort(null);
        String key = "not" + JsonTree.write(new ArrayList<Object>(sorted));
        try {
            return lx.string(key, () -> CharDfa.compile(complementOf(sorted, 0, sorted.size(), 0)), 0, defaultMaxLength());
        } catch (UnsupportedSchemaException e) {
            if (!e.keyword().equals("maxLength")) throw e;
            // Too many names to count lengths over: the default bound is a policy, not the schema's, so drop it.
            return lx.string(key, () -> CharDfa.compile(complementOf(sorted, 0, sorted.size(), 0)), 0, -1);
        }
    }

    /** The length bound of strings whose schema sets none (any-value strings and undeclared keys too), or -1. */
    private int defaultMaxLength() {
        return Math.max(-1, options.maxStringLength());
    }

    /** Regex for every string except the given sorted names (among names[from, to), which share prefix [0, depth)). */
    private static Regex complementOf(List<String> names, int from, int to, int depth) {
        List<Regex> alts = new ArrayList<>();
        boolean prefixIsName = false;
        List<Integer> childPairs = new ArrayList<>();
        List<Regex> children = new ArrayList<>();
        int i = from;
        while (i < to) {
            String s = names.get(i);
            if (s.length() == depth) {
                prefixIsName = true;
                i++;
                continue;
            }
            int cp = s.codePointAt(depth);
            int j = i;
            while (j < to && names.get(j).length() > depth && names.get(j).codePointAt(depth) == cp) j++;
            childPairs.add(cp);
            childPairs.add(cp);
            children.add(Regex.concat(Regex.chars(cp, cp), complementOf(names, i, j, depth + Character.charCount(cp))));
            i = j;
        }
        if (!prefixIsName) alts.add(Regex.EMPTY);
        int[] used = CharRanges.normalize(childPairs.stream().mapToInt(Integer::intValue).toArray());
        int[] others = CharRanges.complement(used);
        if (others.length > 0) alts.add(Regex.concat(new Regex.Chars(others), Regex.repeat(Regex.ANY_CHAR, 0, -1)));
        alts.addAll(children);
        return alts.isEmpty() ? new Regex.Chars(new int[0]) : Regex.alt(alts);
    }

    // ---- arrays ----

    private int arrayNt(Map<String, Object> m) {
        List<Object> prefix = m.get("prefixItems") == null ? List.of() : list(m.get("prefixItems"), "prefixItems");
        Object items = m.containsKey("items") ? m.get("items") : Boolean.TRUE;
        int min = intBound(m, "minItems", 0);
        int max = intBound(m, "maxItems", -1);
        int k = prefix.size();
        if (Boolean.FALSE.equals(items)) max = max < 0 ? k : Math.min(max, k);
        for (int j = 0; j < k; j++) {
            if (Boolean.FALSE.equals(prefix.get(j))) {
                max = max < 0 ? j : Math.min(max, j);
                break;
            }
        }
        if (max >= 0 && min > max) return Integer.MIN_VALUE; // unsatisfiable
        if (max > MAX_UNROLLED_ITEMS) throw new UnsupportedSchemaException("maxItems", "maxItems above " + MAX_UNROLLED_ITEMS + " is not supported");
        if (Math.max(min, k) > MAX_UNROLLED_ITEMS) throw new UnsupportedSchemaException("minItems", "arrays longer than " + MAX_UNROLLED_ITEMS + " are not supported");
        int comma = gb.terminal(lx.literal(","));
        int unrolled = Math.max(Math.max(k, min), 1);
        int[] after = new int[(max >= 0 ? max : unrolled) + 2];
        int tail = -1;
        if (max < 0) {
            tail = gb.nonterminal("items.tail");
            gb.production(tail);
            gb.production(tail, tail, comma, schemaNt(items));
        }
        // after[j]: the rest of the array once j elements are written (1 <= j).
        int last = max >= 0 ? max : unrolled;
        for (int j = last; j >= 1; j--) {
            if (max < 0 && j == unrolled) {
                after[j] = tail;
                continue;
            }
            int a = gb.nonterminal("items.after");
            if (j >= min) gb.production(a);
            if (max < 0 || j < max) gb.production(a, comma, schemaNt(j < k ? prefix.get(j) : items), after[j + 1]);
            after[j] = a;
        }
        int elems = gb.nonterminal("items");
        if (min == 0) gb.production(elems);
        if (max != 0) gb.production(elems, schemaNt(k > 0 ? prefix.get(0) : items), after[1]);
        int arr = gb.nonterminal("array");
        gb.production(arr, gb.terminal(lx.literal("[")), elems, gb.terminal(lx.literal("]")));
        return arr;
    }

    // ---- strings ----

    private int stringSymbol(Map<String, Object> m) {
        int min = intBound(m, "minLength", 0);
        int max = intBound(m, "maxLength", -1);
        if (max > MAX_LENGTH_BOUND) max = -1; // longer than any output we generate
        if (min > MAX_LENGTH_BOUND) throw new UnsupportedSchemaException("minLength", "minLength above " + MAX_LENGTH_BOUND + " is not supported");
        if (max >= 0 && min > max) return Integer.MIN_VALUE;
        Object pattern = m.get("pattern");
        Object format = m.get("format");
        if (format != null && StringFormats.pattern(string(format, "format")) == null) {
            throw new UnsupportedSchemaException("format", "format \"" + format + "\" is not supported");
        }
        if (pattern != null && format != null) throw new UnsupportedSchemaException("format", "format together with pattern is not supported");
        if (pattern != null) {
            String p = string(pattern, "pattern");
            return gb.terminal(lx.string("re:" + p, () -> CharDfa.compile(RegexParser.parseSearch(p)), min, max));
        }
        if (format != null) {
            String f = (String) format;
            return gb.terminal(lx.string("fmt:" + f, () -> StringFormats.dfa(f), min, max));
        }
        if (max < 0 && defaultMaxLength() >= 0) max = Math.max(min, defaultMaxLength());
        return gb.terminal(lx.anyString(min, max));
    }

    // ---- numbers ----

    private int numberSymbol(Map<String, Object> m, boolean integer) {
        BigDecimal lo = null, hi = null;
        boolean loEx = false, hiEx = false;
        if (m.get("minimum") instanceof BigDecimal d) lo = d;
        if (m.get("maximum") instanceof BigDecimal d) hi = d;
        if (m.get("exclusiveMinimum") instanceof BigDecimal d && (lo == null || d.compareTo(lo) >= 0)) { lo = d; loEx = true; }
        if (m.get("exclusiveMaximum") instanceof BigDecimal d && (hi == null || d.compareTo(hi) <= 0)) { hi = d; hiEx = true; }
        Object format = m.get("format");
        if (integer && format instanceof String f) {
            BigDecimal fLo = null, fHi = null;
            switch (f) {
                case "int32" -> { fLo = BigDecimal.valueOf(Integer.MIN_VALUE); fHi = BigDecimal.valueOf(Integer.MAX_VALUE); }
                case "int64" -> { fLo = BigDecimal.valueOf(Long.MIN_VALUE); fHi = BigDecimal.valueOf(Long.MAX_VALUE); }
                case "uint32" -> { fLo = BigDecimal.ZERO; fHi = BigDecimal.valueOf(0xFFFFFFFFL); }
                default -> { }
            }
            if (fLo != null) {
                if (lo == null || fLo.compareTo(lo) > 0) { lo = fLo; loEx = false; }
                if (hi == null || fHi.compareTo(hi) < 0) { hi = fHi; hiEx = false; }
            }
        }
        BigDecimal step = multipleOf(m);
        if (step != null && integer && step.stripTrailingZeros().scale() > 0 && BigDecimal.ONE.remainder(step).signum() == 0) {
            step = null; // every integer is a multiple of 1/k
        }
        final BigDecimal flo = lo, fhi = hi;
        final boolean floEx = loEx, fhiEx = hiEx;
        Regex r;
        String key;
        if (integer) {
            BigInteger ilo = null, ihi = null;
            if (lo != null) {
                BigDecimal c = lo.setScale(0, RoundingMode.CEILING);
                if (loEx && c.compareTo(lo) == 0) c = c.add(BigDecimal.ONE);
                ilo = c.toBigIntegerExact();
            }
            if (hi != null) {
                BigDecimal f = hi.setScale(0, RoundingMode.FLOOR);
                if (hiEx && f.compareTo(hi) == 0) f = f.subtract(BigDecimal.ONE);
                ihi = f.toBigIntegerExact();
            }
            final BigInteger a = ilo, b = ihi;
            key = "int:" + a + ":" + b;
            r = a == null && b == null ? NumberRegex.anyInteger() : NumberRegex.integerRange(a, b);
        } else {
            key = "num:" + flo + ":" + floEx + ":" + fhi + ":" + fhiEx;
            r = flo == null && fhi == null ? NumberRegex.anyNumber() : NumberRegex.numberRange(flo, floEx, fhi, fhiEx);
        }
        if (r == null) return Integer.MIN_VALUE;
        final Regex fr = r;
        if (step == null || (integer && step.compareTo(BigDecimal.ONE) == 0)) return gb.terminal(lx.rawText(key, () -> fr));
        final BigDecimal fstep = step;
        try {
            CharDfa multiples = CharDfa.intersect(CharDfa.compile(fr), NumberRegex.multiplesOf(fstep));
            if (multiples.isEmpty()) return Integer.MIN_VALUE;
            return gb.terminal(lx.rawAutomaton(key + ":mul:" + fstep.toPlainString(), () -> multiples));
        } catch (UnsupportedSchemaException e) {
            if (e.keyword().equals("multipleOf") || e.keyword().equals("limits")) throw e;
            throw new UnsupportedSchemaException("multipleOf", "multipleOf " + fstep.toPlainString() + " with these bounds is too complex: " + e.getMessage());
        }
    }

    /** The schema's multipleOf (positive), or null. */
    private static BigDecimal multipleOf(Map<String, Object> m) {
        if (!m.containsKey("multipleOf")) return null;
        BigDecimal step = number(m.get("multipleOf"), "multipleOf");
        if (step.signum() <= 0) throw new UnsupportedSchemaException("multipleOf", "multipleOf must be greater than 0");
        // Bounded before any arithmetic on it: a remainder by 1e-999999999 would build a number of a billion digits.
        BigDecimal s = step.stripTrailingZeros();
        if (Math.abs(s.scale()) > MAX_STEP_SCALE || s.unscaledValue().bitLength() > 63) {
            throw new UnsupportedSchemaException("multipleOf", "multipleOf must be a decimal of at most 18 significant digits and "
                    + MAX_STEP_SCALE + " decimal places either way");
        }
        return step;
    }

    private static final int MAX_STEP_SCALE = 4000;

    /** Whether {@code d} is a multiple of {@code step}; a value beyond double range (never generated) is not. */
    private static boolean isMultiple(BigDecimal d, BigDecimal step) {
        if (d.signum() == 0) return true;
        if ((long) d.precision() - d.scale() > 310 || d.stripTrailingZeros().scale() > MAX_STEP_SCALE) return false;
        return d.remainder(step).signum() == 0;
    }

    private int booleanNt() {
        int b = gb.nonterminal("boolean");
        gb.production(b, gb.terminal(lx.literal("true")));
        gb.production(b, gb.terminal(lx.literal("false")));
        return b;
    }

    // ---- enum / const ----

    private void compileEnum(int nt, Map<String, Object> m) {
        List<Object> values;
        if (m.containsKey("const")) values = List.of(m.get("const"));
        else values = list(m.get("enum"), "enum");
        if (values.size() > MAX_ENUM_VALUES) throw new UnsupportedSchemaException("enum", "enum with more than " + MAX_ENUM_VALUES + " values");
        if (m.containsKey("const") && m.containsKey("enum")) {
            List<Object> both = new ArrayList<>();
            for (Object v : list(m.get("enum"), "enum")) if (JsonTree.jsonEquals(v, m.get("const"))) both.add(v);
            values = both;
        }
        List<String> types = m.containsKey("type") ? types(m) : ALL_TYPES;
        List<String> strings = new ArrayList<>();
        List<String> numbers = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        int checked = 0;
        for (Object v : values) {
            if ((checked++ & 255) == 0) CompileDeadline.check();
            if (!admits(m, types, v)) continue;
            if (!seen.add(JsonTree.write(v))) continue;
            if (v instanceof String s) strings.add(s);
            else if (v instanceof BigDecimal d) numbers.add(JsonTree.numberText(d));
            else gb.production(nt, constNt(v));
        }
        // Strings, and numbers, are one lexeme each (an automaton over all values), not one per value.
        try {
            if (!strings.isEmpty()) {
                String key = "enum" + JsonTree.write(new ArrayList<Object>(strings));
                gb.production(nt, gb.terminal(lx.string(key, () -> CharDfa.ofStrings(strings), 0, -1)));
            }
            if (numbers.size() == 1) gb.production(nt, gb.terminal(lx.literal(numbers.getFirst())));
            else if (!numbers.isEmpty()) gb.production(nt, gb.terminal(lx.rawAutomaton("enum" + numbers, () -> CharDfa.ofStrings(numbers))));
        } catch (UnsupportedSchemaException e) {
            if (!e.keyword().equals("pattern")) throw e;
            throw new UnsupportedSchemaException("enum", "enum too large: " + e.getMessage());
        }
    }

    /** Whether an enum/const value also satisfies the schema's other (simple) keywords. */
    private boolean admits(Map<String, Object> m, List<String> types, Object v) {
        String t = v == JsonTree.NULL ? "null" : v instanceof Boolean ? "boolean" : v instanceof String ? "string"
                : v instanceof List<?> ? "array" : v instanceof Map<?, ?> ? "object" : "number";
        boolean integral = v instanceof BigDecimal d && d.stripTrailingZeros().scale() <= 0;
        boolean typeOk = types.contains(t) || (t.equals("number") && integral && types.contains("integer"));
        if (!typeOk) return false;
        if (v instanceof String s) {
            int len = s.codePointCount(0, s.length());
            if (len < intBound(m, "minLength", 0)) return false;
            int max = intBound(m, "maxLength", -1);
            if (max >= 0 && len > max) return false;
            if (m.get("pattern") instanceof String p && !CharDfa.compile(RegexParser.parseSearch(p)).matches(s)) return false;
            if (m.get("format") instanceof String f && StringFormats.pattern(f) != null && !StringFormats.dfa(f).matches(s)) return false;
        }
        if (v instanceof BigDecimal d) {
            if (m.get("minimum") instanceof BigDecimal x && d.compareTo(x) < 0) return false;
            if (m.get("maximum") instanceof BigDecimal x && d.compareTo(x) > 0) return false;
            if (m.get("exclusiveMinimum") instanceof BigDecimal x && d.compareTo(x) <= 0) return false;
            if (m.get("exclusiveMaximum") instanceof BigDecimal x && d.compareTo(x) >= 0) return false;
            BigDecimal step = multipleOf(m);
            if (step != null && !isMultiple(d, step)) return false;
        }
        if (v instanceof List<?> || v instanceof Map<?, ?>) {
            for (String k : List.of("properties", "required", "additionalProperties", "items", "prefixItems", "minItems", "maxItems",
                    "minProperties", "maxProperties")) {
                if (m.containsKey(k)) throw new UnsupportedSchemaException("enum", "enum/const of objects or arrays together with \"" + k + "\" is not supported");
            }
        }
        return true;
    }

    /** Exactly this JSON value (objects keep their key order). */
    private int constNt(Object v) {
        int nt = gb.nonterminal("const");
        if (v == JsonTree.NULL) gb.production(nt, gb.terminal(lx.literal("null")));
        else if (v instanceof Boolean b) gb.production(nt, gb.terminal(lx.literal(b.toString())));
        else if (v instanceof BigDecimal d) gb.production(nt, gb.terminal(lx.literal(JsonTree.numberText(d))));
        else if (v instanceof String s) gb.production(nt, gb.terminal(lx.stringLiteral(s)));
        else if (v instanceof List<?> l) {
            List<Integer> syms = new ArrayList<>();
            syms.add(gb.terminal(lx.literal("[")));
            for (int i = 0; i < l.size(); i++) {
                if (i > 0) syms.add(gb.terminal(lx.literal(",")));
                syms.add(constNt(l.get(i)));
            }
            syms.add(gb.terminal(lx.literal("]")));
            gb.production(nt, syms.stream().mapToInt(Integer::intValue).toArray());
        } else {
            Map<String, Object> o = asMap(v);
            List<Integer> syms = new ArrayList<>();
            syms.add(gb.terminal(lx.literal("{")));
            boolean firstKey = true;
            for (Map.Entry<String, Object> e : o.entrySet()) {
                if (!firstKey) syms.add(gb.terminal(lx.literal(",")));
                firstKey = false;
                syms.add(gb.terminal(lx.stringLiteral(e.getKey())));
                syms.add(gb.terminal(lx.literal(":")));
                syms.add(constNt(e.getValue()));
            }
            syms.add(gb.terminal(lx.literal("}")));
            gb.production(nt, syms.stream().mapToInt(Integer::intValue).toArray());
        }
        return nt;
    }

    // ---- any JSON value ----

    int anyValue() {
        if (anyValue >= 0) return anyValue;
        anyValue = gb.nonterminal("any");
        int comma = gb.terminal(lx.literal(","));
        int obj = gb.nonterminal("any.object"), members = gb.nonterminal("any.members"), pair = gb.nonterminal("any.pair");
        int lb = gb.terminal(lx.literal("{")), rb = gb.terminal(lx.literal("}"));
        gb.production(obj, lb, rb);
        gb.production(obj, lb, members, rb);
        gb.production(members, pair);
        gb.production(members, members, comma, pair);
        gb.production(pair, gb.terminal(lx.anyString(0, defaultMaxLength())), gb.terminal(lx.literal(":")), anyValue);
        int arr = gb.nonterminal("any.array"), elems = gb.nonterminal("any.elements");
        int ls = gb.terminal(lx.literal("[")), rs = gb.terminal(lx.literal("]"));
        gb.production(arr, ls, rs);
        gb.production(arr, ls, elems, rs);
        gb.production(elems, anyValue);
        gb.production(elems, elems, comma, anyValue);
        gb.production(anyValue, obj);
        gb.production(anyValue, arr);
        gb.production(anyValue, gb.terminal(lx.anyString(0, defaultMaxLength())));
        gb.production(anyValue, gb.terminal(lx.rawText("number", NumberRegex::anyNumber)));
        gb.production(anyValue, gb.terminal(lx.literal("true")));
        gb.production(anyValue, gb.terminal(lx.literal("false")));
        gb.production(anyValue, gb.terminal(lx.literal("null")));
        return anyValue;
    }

    // ---- $ref, allOf, normalisation ----

    private Object resolve(Object refValue) {
        String ref = string(refValue, "$ref");
        if (!ref.startsWith("#")) throw new UnsupportedSchemaException("$ref", "only local $ref (\"#...\") is supported: " + ref);
        String pointer = URLDecoder.decode(ref.substring(1).replace("+", "%2B"), StandardCharsets.UTF_8);
        if (pointer.isEmpty()) return root;
        if (!pointer.startsWith("/")) throw new UnsupportedSchemaException("$ref", "anchor references are not supported: " + ref);
        Object cur = root;
        for (String part : pointer.substring(1).split("/", -1)) {
            String token = part.replace("~1", "/").replace("~0", "~");
            if (cur instanceof Map<?, ?> mm && mm.containsKey(token)) cur = mm.get(token);
            else if (cur instanceof List<?> l && token.matches("[0-9]+") && Integer.parseInt(token) < l.size()) cur = l.get(Integer.parseInt(token));
            else throw new UnsupportedSchemaException("$ref", "unresolvable $ref " + ref);
        }
        return cur;
    }

    /** A schema with its top-level $ref and allOf merged in (recursively), as a fresh map. */
    private Map<String, Object> flatten(Map<String, Object> m, int depth) {
        if (depth > MAX_REF_INLINE_DEPTH) throw new UnsupportedSchemaException("$ref", "$ref/allOf nesting too deep (recursive allOf?)");
        Map<String, Object> result = normalize(without(without(m, "allOf"), "$ref"));
        if (m.containsKey("$ref")) result = merge(result, resolveFlat(resolve(m.get("$ref")), depth + 1), depth + 1);
        if (m.get("allOf") != null) {
            for (Object sub : list(m.get("allOf"), "allOf")) result = merge(result, resolveFlat(sub, depth + 1), depth + 1);
        }
        return result;
    }

    private Map<String, Object> resolveFlat(Object schema, int depth) {
        if (Boolean.TRUE.equals(schema)) return new LinkedHashMap<>();
        if (Boolean.FALSE.equals(schema)) {
            Map<String, Object> never = new LinkedHashMap<>();
            never.put("enum", new ArrayList<>());
            return never;
        }
        Map<String, Object> m = asMap(schema);
        checkKeywords(m);
        if (m.containsKey("$ref") || m.containsKey("allOf")) return flatten(m, depth);
        return normalize(m);
    }

    /** Intersection of two flat schemas (no top-level $ref/allOf). */
    private Map<String, Object> merge(Map<String, Object> a, Map<String, Object> b, int depth) {
        CompileDeadline.check();
        if (++merges > MAX_MERGES) throw new UnsupportedSchemaException("allOf", "schema too complex: more than " + MAX_MERGES + " allOf merges");
        if (depth > MAX_REF_INLINE_DEPTH) throw new UnsupportedSchemaException("allOf", "allOf nesting too deep");
        for (String comb : List.of("anyOf", "oneOf")) {
            for (int side = 0; side < 2; side++) {
                Map<String, Object> x = side == 0 ? a : b, y = side == 0 ? b : a;
                if (x.containsKey(comb)) {
                    List<Object> branches = comb.equals("oneOf") ? checkedOneOf(x.get(comb)) : list(x.get(comb), comb);
                    Map<String, Object> base = merge(without(x, comb), y, depth + 1);
                    List<Object> merged = new ArrayList<>();
                    for (Object br : branches) merged.add(merge(base, resolveFlat(br, depth + 1), depth + 1));
                    Map<String, Object> out = new LinkedHashMap<>();
                    out.put("anyOf", merged);
                    return out;
                }
            }
        }
        Map<String, Object> out = new LinkedHashMap<>(a);
        for (Map.Entry<String, Object> e : b.entrySet()) {
            String k = e.getKey();
            Object vb = e.getValue();
            if (!out.containsKey(k)) {
                out.put(k, vb);
                continue;
            }
            Object va = out.get(k);
            switch (k) {
                case "type" -> {
                    List<String> ta = typeList(va), tb = typeList(vb), both = new ArrayList<>();
                    for (String t : ta) {
                        if (tb.contains(t)) both.add(t);
                        else if (t.equals("integer") && tb.contains("number")) both.add("integer");
                        else if (t.equals("number") && tb.contains("integer")) both.add("integer");
                    }
                    out.put(k, new ArrayList<Object>(new LinkedHashSet<>(both)));
                }
                case "properties" -> {
                    Map<String, Object> pa = asMap(va), pb = asMap(vb), pm = new LinkedHashMap<>(pa);
                    for (Map.Entry<String, Object> pe : pb.entrySet()) {
                        pm.merge(pe.getKey(), pe.getValue(), (x, y) -> allOf(x, y));
                    }
                    out.put(k, pm);
                }
                case "required" -> {
                    LinkedHashSet<Object> r = new LinkedHashSet<>(list(va, k));
                    r.addAll(list(vb, k));
                    out.put(k, new ArrayList<>(r));
                }
                case "additionalProperties", "items" -> out.put(k, allOf(va, vb));
                case "prefixItems" -> { } // see mergeArrayItems
                case "minLength", "minItems", "minProperties", "minimum", "exclusiveMinimum" -> out.put(k, number(va, k).max(number(vb, k)));
                case "maxLength", "maxItems", "maxProperties", "maximum", "exclusiveMaximum" -> out.put(k, number(va, k).min(number(vb, k)));
                case "uniqueItems" -> out.put(k, Boolean.TRUE.equals(va) || Boolean.TRUE.equals(vb));
                case "enum" -> {
                    List<Object> r = new ArrayList<>();
                    for (Object x : list(va, k)) for (Object y : list(vb, k)) if (JsonTree.jsonEquals(x, y)) { r.add(x); break; }
                    out.put(k, r);
                }
                case "const" -> {
                    if (!JsonTree.jsonEquals(va, vb)) {
                        out.remove("const");
                        out.put("enum", new ArrayList<>());
                    }
                }
                default -> {
                    if (ASSERTIONS.contains(k) && !JsonTree.jsonEquals(va, vb)) {
                        throw new UnsupportedSchemaException(k, "allOf with two different \"" + k + "\" values is not supported");
                    }
                }
            }
        }
        mergeArrayItems(out, a, b);
        // A property declared on one side only is still subject to the other side's additionalProperties.
        crossAdditional(out, a, b);
        crossAdditional(out, b, a);
        return out;
    }

    /**
     * Position i of the merged array is constrained by each side's prefixItems[i] or, past its prefix, by
     * that side's items; so the merged prefix is the element-wise intersection and items intersect.
     */
    private void mergeArrayItems(Map<String, Object> out, Map<String, Object> a, Map<String, Object> b) {
        if (!a.containsKey("prefixItems") && !b.containsKey("prefixItems")) return;
        List<Object> pa = a.get("prefixItems") == null ? List.of() : list(a.get("prefixItems"), "prefixItems");
        List<Object> pb = b.get("prefixItems") == null ? List.of() : list(b.get("prefixItems"), "prefixItems");
        Object ia = a.containsKey("items") ? a.get("items") : Boolean.TRUE, ib = b.containsKey("items") ? b.get("items") : Boolean.TRUE;
        List<Object> prefix = new ArrayList<>();
        for (int i = 0; i < Math.max(pa.size(), pb.size()); i++) {
            prefix.add(allOf(i < pa.size() ? pa.get(i) : ia, i < pb.size() ? pb.get(i) : ib));
        }
        out.put("prefixItems", prefix);
        out.put("items", allOf(ia, ib));
    }

    private void crossAdditional(Map<String, Object> out, Map<String, Object> x, Map<String, Object> y) {
        if (!y.containsKey("additionalProperties") || Boolean.TRUE.equals(y.get("additionalProperties"))) return;
        Map<String, Object> px = x.get("properties") == null ? Map.of() : asMap(x.get("properties"));
        Map<String, Object> py = y.get("properties") == null ? Map.of() : asMap(y.get("properties"));
        if (px.isEmpty()) return;
        Map<String, Object> props = new LinkedHashMap<>(asMap(out.get("properties")));
        for (String name : px.keySet()) if (!py.containsKey(name)) props.put(name, allOf(props.get(name), y.get("additionalProperties")));
        out.put("properties", props);
    }

    private static Object allOf(Object x, Object y) {
        if (Boolean.TRUE.equals(x)) return y;
        if (Boolean.TRUE.equals(y)) return x;
        if (Boolean.FALSE.equals(x) || Boolean.FALSE.equals(y)) return Boolean.FALSE;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("allOf", new ArrayList<>(List.of(x, y)));
        return m;
    }

    /** Draft-4 forms to 2020-12: boolean exclusive bounds, array-form items. */
    private Map<String, Object> normalize(Map<String, Object> m) {
        boolean change = m.get("exclusiveMinimum") instanceof Boolean || m.get("exclusiveMaximum") instanceof Boolean
                || m.get("items") instanceof List<?>;
        if (!change) return m;
        Map<String, Object> out = new LinkedHashMap<>(m);
        if (out.get("exclusiveMinimum") instanceof Boolean b) {
            out.remove("exclusiveMinimum");
            if (b && out.get("minimum") != null) out.put("exclusiveMinimum", out.remove("minimum"));
        }
        if (out.get("exclusiveMaximum") instanceof Boolean b) {
            out.remove("exclusiveMaximum");
            if (b && out.get("maximum") != null) out.put("exclusiveMaximum", out.remove("maximum"));
        }
        if (out.get("items") instanceof List<?> l) {
            out.put("prefixItems", l);
            Object additional = out.remove("additionalItems");
            if (additional != null) out.put("items", additional);
            else out.remove("items");
        }
        return out;
    }

    /** The values of branches that are all only {@code const} or {@code enum} (besides annotations), or null. */
    private List<Object> valuesOfConstBranches(List<Object> branches) {
        List<Object> values = new ArrayList<>();
        for (Object b : branches) {
            if (!(b instanceof Map<?, ?> bm) || bm.containsKey("$ref") || bm.containsKey("allOf")) return null;
            Map<String, Object> f = asMap(b);
            if (f.containsKey("const") && !hasAssertionsBesides(f, "const")) values.add(f.get("const"));
            else if (f.get("enum") instanceof List<?> l && !hasAssertionsBesides(f, "enum")) values.addAll(l);
            else return null;
        }
        return values;
    }

    /** The branches of a oneOf, which must be provably pairwise disjoint (then oneOf = anyOf). */
    private List<Object> checkedOneOf(Object value) {
        List<Object> branches = list(value, "oneOf");
        List<Map<String, Object>> flat = new ArrayList<>();
        for (Object b : branches) flat.add(resolveFlat(b, 0));
        if (scalarConstsDisjoint(flat)) return branches;
        for (int i = 0; i < flat.size(); i++) {
            CompileDeadline.check();
            for (int j = i + 1; j < flat.size(); j++) {
                if (!disjoint(flat.get(i), flat.get(j))) {
                    throw new UnsupportedSchemaException("oneOf", "oneOf whose branches may overlap is not supported (use anyOf)");
                }
            }
        }
        return branches;
    }

    /** Linear check for the common case: every branch is scalar consts/enums, all values distinct. */
    private static boolean scalarConstsDisjoint(List<Map<String, Object>> flat) {
        Set<String> seen = new HashSet<>();
        for (Map<String, Object> f : flat) {
            List<Object> values = constValues(f);
            if (values == null) return false;
            Set<String> own = new HashSet<>();
            for (Object v : values) {
                String key = v instanceof BigDecimal d ? "n" + (d.signum() == 0 ? "0" : d.stripTrailingZeros().toString())
                        : v instanceof String s ? "s" + s : v == JsonTree.NULL || v instanceof Boolean ? "l" + v : null;
                if (key == null) return false;
                own.add(key);
            }
            for (String k : own) if (!seen.add(k)) return false;
        }
        return true;
    }

    private boolean disjoint(Map<String, Object> a, Map<String, Object> b) {
        Set<String> ta = valueTypes(a), tb = valueTypes(b);
        boolean typeOverlap = false;
        for (String t : ta) if (tb.contains(t)) typeOverlap = true;
        if (!typeOverlap) return true;
        List<Object> va = constValues(a), vb = constValues(b);
        if (va != null && vb != null) {
            for (Object x : va) for (Object y : vb) if (JsonTree.jsonEquals(x, y)) return false;
            return true;
        }
        // Only objects can still overlap: look for a discriminating property.
        if (!(ta.equals(Set.of("object")) || tb.equals(Set.of("object")))) return false;
        Map<String, Object> pa = a.get("properties") == null ? Map.of() : asMap(a.get("properties"));
        Map<String, Object> pb = b.get("properties") == null ? Map.of() : asMap(b.get("properties"));
        Set<Object> ra = a.get("required") == null ? Set.of() : new HashSet<>(list(a.get("required"), "required"));
        Set<Object> rb = b.get("required") == null ? Set.of() : new HashSet<>(list(b.get("required"), "required"));
        for (String p : pa.keySet()) {
            if (!ra.contains(p) || !rb.contains(p) || !pb.containsKey(p)) continue;
            if (!(pa.get(p) instanceof Map<?, ?>) || !(pb.get(p) instanceof Map<?, ?>)) continue;
            if (disjoint(resolveFlat(pa.get(p), 0), resolveFlat(pb.get(p), 0))) return true;
        }
        if (Boolean.FALSE.equals(a.get("additionalProperties"))) for (Object r : rb) if (!pa.containsKey((String) r)) return true;
        if (Boolean.FALSE.equals(b.get("additionalProperties"))) for (Object r : ra) if (!pb.containsKey((String) r)) return true;
        return false;
    }

    private Set<String> valueTypes(Map<String, Object> m) {
        List<Object> values = constValues(m);
        Set<String> out = new HashSet<>();
        if (values != null) {
            for (Object v : values) {
                out.add(v == JsonTree.NULL ? "null" : v instanceof Boolean ? "boolean" : v instanceof String ? "string"
                        : v instanceof List<?> ? "array" : v instanceof Map<?, ?> ? "object" : "number");
            }
            return out;
        }
        if (m.containsKey("anyOf") || m.containsKey("oneOf")) {
            for (Object br : list(m.containsKey("anyOf") ? m.get("anyOf") : m.get("oneOf"), "anyOf")) out.addAll(valueTypes(resolveFlat(br, 0)));
            if (m.containsKey("type")) out.retainAll(valueTypesOfType(m));
            return out;
        }
        return valueTypesOfType(m);
    }

    private Set<String> valueTypesOfType(Map<String, Object> m) {
        Set<String> out = new HashSet<>();
        for (String t : m.containsKey("type") ? typeList(m.get("type")) : ALL_TYPES) out.add(t.equals("integer") ? "number" : t);
        return out;
    }

    private static List<Object> constValues(Map<String, Object> m) {
        if (m.containsKey("const")) return List.of(m.get("const"));
        if (m.get("enum") instanceof List<?> l) return new ArrayList<>(l);
        return null;
    }

    // ---- small accessors ----

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object o) {
        if (o instanceof Map<?, ?> m) return (Map<String, Object>) m;
        throw new UnsupportedSchemaException("schema", "expected a schema object, got " + JsonTree.write(o));
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o, String keyword) {
        if (o instanceof List<?> l) return (List<Object>) l;
        throw new UnsupportedSchemaException(keyword, "\"" + keyword + "\" must be an array");
    }

    private static String string(Object o, String keyword) {
        if (o instanceof String s) return s;
        throw new UnsupportedSchemaException(keyword, "\"" + keyword + "\" must be a string");
    }

    private static BigDecimal number(Object o, String keyword) {
        if (o instanceof BigDecimal d) return d;
        throw new UnsupportedSchemaException(keyword, "\"" + keyword + "\" must be a number");
    }

    private List<String> typeList(Object t) {
        List<String> out = new ArrayList<>();
        if (t instanceof String s) out.add(s);
        else for (Object o : list(t, "type")) out.add(string(o, "type"));
        return out;
    }

    private static int intBound(Map<String, Object> m, String k, int dflt) {
        Object v = m.get(k);
        if (v == null) return dflt;
        BigDecimal d = number(v, k);
        if (d.signum() < 0) throw new UnsupportedSchemaException(k, "\"" + k + "\" must be non-negative");
        if (d.compareTo(BigDecimal.valueOf(Integer.MAX_VALUE / 2)) > 0) return k.startsWith("max") ? Integer.MAX_VALUE / 2 : Integer.MAX_VALUE / 2;
        return d.setScale(0, k.startsWith("max") ? RoundingMode.FLOOR : RoundingMode.CEILING).intValueExact();
    }

    private static Map<String, Object> without(Map<String, Object> m, String key) {
        if (!m.containsKey(key)) return m;
        Map<String, Object> out = new LinkedHashMap<>(m);
        out.remove(key);
        return out;
    }
}
