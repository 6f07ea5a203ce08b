package io.qwen4j.docs;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every relative link in README.md and docs/ leads somewhere: the file exists, inside the repository, and an
 * {@code #anchor} into Markdown names one of its headings (GitHub's slugs); a link that leaves the repository is
 * refused. One named case per document.
 */
class DocsLinksTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern LINK = Pattern.compile("(?<!!)\\[[^\\]]*\\]\\(([^)\\s]+)\\)");
    private static final Pattern FENCE = Pattern.compile("```.*?```", Pattern.DOTALL);

    @TestFactory
    Stream<DynamicTest> everyRelativeLinkResolves() throws IOException {
        List<Path> docs = new ArrayList<>();
        docs.add(ROOT.resolve("README.md"));
        try (Stream<Path> s = Files.walk(ROOT.resolve("docs"))) {
            s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(docs::add);
        }
        return docs.stream().map(doc -> DynamicTest.dynamicTest(ROOT.relativize(doc).toString(), () -> {
            String text = FENCE.matcher(Files.readString(doc)).replaceAll("");
            List<String> problems = new ArrayList<>();
            Matcher m = LINK.matcher(text);
            while (m.find()) {
                String target = m.group(1);
                if (target.matches("[a-z]+:.*")) continue;
                int hash = target.indexOf('#');
                String file = hash < 0 ? target : target.substring(0, hash);
                String anchor = hash < 0 ? "" : target.substring(hash + 1);
                Path dest = file.isEmpty() ? doc : doc.getParent().resolve(file).normalize();
                if (!dest.startsWith(ROOT)) problems.add(target + ": outside the repository");
                else if (!Files.exists(dest)) problems.add(target + ": no such file");
                else if (!anchor.isEmpty() && dest.toString().endsWith(".md") && !slugs(dest).contains(anchor)) {
                    problems.add(target + ": no heading #" + anchor);
                }
            }
            assertThat(problems).as(ROOT.relativize(doc).toString()).isEmpty();
        }));
    }

    private static Set<String> slugs(Path md) throws IOException {
        Set<String> out = new HashSet<>();
        boolean code = false;
        for (String line : Files.readAllLines(md)) {
            if (line.startsWith("```")) code = !code;
            if (code) continue;
            Matcher h = Pattern.compile("#{1,6}\\s+(.*)").matcher(line);
            if (h.matches()) {
                out.add(h.group(1).strip().toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N}_\\- ]", "").replace(' ', '-'));
            }
        }
        return out;
    }
}
