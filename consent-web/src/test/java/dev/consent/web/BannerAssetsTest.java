package dev.consent.web;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The banner's files as shipped: small, self-contained, and the size docs/banner.md states is the size they have.
 */
class BannerAssetsTest {
    private static final Path DOC = Path.of("..", "docs", "banner.md");

    @Test
    void theSizesTheDocumentationStatesAreTheFilesSizes() throws IOException {
        String doc = Files.readString(DOC);
        for (String file : new String[] {"banner.js", "banner.css"}) {
            byte[] bytes = asset(file);
            int gzipped = gzip(bytes).length;
            Matcher row = Pattern.compile("\\| `" + Pattern.quote(file) + "` \\| ([0-9,]+) \\| ([0-9,]+) \\|")
                    .matcher(doc);
            assertThat(row.find()).as("docs/banner.md has a size row for " + file).isTrue();
            assertThat(row.group(1) + " | " + row.group(2)).as("docs/banner.md's size row for " + file
                    + ": update it").isEqualTo(String.format("%,d | %,d", bytes.length, gzipped));
        }
    }

    @Test
    void theBannerIsSmall() throws IOException {
        assertThat(gzip(asset("banner.js")).length + gzip(asset("banner.css")).length)
                .as("both files gzipped, in bytes").isLessThan(10 * 1024);
    }

    @Test
    void theBannerLoadsNothingFromElsewhere() throws IOException {
        String js = new String(asset("banner.js"), StandardCharsets.UTF_8);
        String css = new String(asset("banner.css"), StandardCharsets.UTF_8);
        // every request goes to the directory the script came from: no absolute URL, no script or font from outside
        assertThat(js).doesNotContain("http:", "https:", "import(", "createElement('script')", "eval(", "innerHTML");
        assertThat(css).doesNotContain("url(", "@import", "http:", "https:");
    }

    private static byte[] asset(String name) throws IOException {
        try (InputStream in = BannerAssetsTest.class.getResourceAsStream("/dev/consent/web/assets/" + name)) {
            assertThat(in).as(name).isNotNull();
            return in.readAllBytes();
        }
    }

    private static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(bytes);
        }
        return out.toByteArray();
    }
}
