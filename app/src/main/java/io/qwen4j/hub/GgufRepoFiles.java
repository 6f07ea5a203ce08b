package io.qwen4j.hub;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Picks, from a GGUF repository's files, the model file of a quantisation and its vision projector, the way
 * llama.cpp's {@code -hf repo[:quant]} does: the quant named in the file name (Q4_K_M by default), and an
 * {@code mmproj*} file beside it (F16 preferred).
 */
public final class GgufRepoFiles {
    /** Preference when no quant is asked for: llama.cpp's default first, then the common ones. */
    static final List<String> DEFAULT_QUANTS = List.of("Q4_K_M", "Q8_0", "Q4_0", "Q6_K", "Q5_K_M", "F16", "BF16", "F32");
    private static final List<String> MMPROJ_PREFERENCE = List.of("F16", "BF16", "F32", "Q8_0");

    /** The chosen model file and, when the repository has one, its projector. */
    public record Selection(HubFile model, HubFile mmproj) {
    }

    private GgufRepoFiles() {
    }

    public static Selection select(String repo, List<HubFile> files, String quant) throws HubException {
        List<HubFile> models = files.stream().filter(f -> isGguf(f) && !isMmproj(f)).toList();
        if (models.isEmpty()) throw new HubException(repo + " has no GGUF model files");
        HubFile model;
        if (quant != null) {
            model = find(models, quant).orElseThrow(() -> new HubException(repo + " has no " + quant + " file; it has: "
                    + String.join(", ", models.stream().map(f -> name(f)).toList())));
        } else {
            model = DEFAULT_QUANTS.stream().map(q -> find(models, q)).flatMap(Optional::stream).findFirst().orElse(models.getFirst());
        }
        if (name(model).matches("(?i).*-\\d{5}-of-\\d{5}\\.gguf")) {
            throw new HubException(name(model) + " is split into several files; qwen4j reads single-file GGUFs (merge it with llama.cpp's gguf-split --merge)");
        }
        List<HubFile> projectors = files.stream().filter(f -> isGguf(f) && isMmproj(f)).toList();
        HubFile mmproj = MMPROJ_PREFERENCE.stream().map(q -> find(projectors, q)).flatMap(Optional::stream).findFirst()
                .orElse(projectors.isEmpty() ? null : projectors.getFirst());
        return new Selection(model, mmproj);
    }

    private static Optional<HubFile> find(List<HubFile> files, String quant) {
        String q = quant.toUpperCase(Locale.ROOT);
        return files.stream()
                .filter(f -> name(f).toUpperCase(Locale.ROOT).matches(".*[-._]" + java.util.regex.Pattern.quote(q) + "([-._].*)?\\.GGUF"))
                .min(Comparator.comparingInt(f -> name(f).length()));
    }

    static String name(HubFile f) {
        String p = f.path();
        return p.substring(p.lastIndexOf('/') + 1);
    }

    private static boolean isGguf(HubFile f) {
        return f.path().toLowerCase(Locale.ROOT).endsWith(".gguf");
    }

    private static boolean isMmproj(HubFile f) {
        return name(f).toLowerCase(Locale.ROOT).startsWith("mmproj");
    }
}
