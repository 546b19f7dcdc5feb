package dev.consent.receipt;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Validates Kantara Consent Receipts with networknt's JSON Schema validator: always against this project's transcription
 * of the Kantara v1.1 schema (test resource {@value #TRANSCRIBED}, see the README beside it), and against the official
 * file as well when its path is given ({@code -Dkantara.schema=...} or {@code KANTARA_CR_SCHEMA=...}). Published in the
 * test-jar, so the examples' tests validate their receipts the same way.
 */
public final class KantaraSchemas {
    public static final String TRANSCRIBED = "/dev/consent/receipt/kantara-cr-v1.1.transcribed.schema.json";
    public static final String PROPERTY = "kantara.schema";
    public static final String ENVIRONMENT = "KANTARA_CR_SCHEMA";
    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** The official file opens with // comments. */
    private static final ObjectMapper LENIENT = JsonMapper.builder().enable(JsonReadFeature.ALLOW_JAVA_COMMENTS).build();
    private static volatile JsonSchema transcribed;
    private static volatile JsonSchema official;

    private KantaraSchemas() {
    }

    /** Where the official schema file is, if the build was told. */
    public static Optional<Path> officialPath() {
        String path = System.getProperty(PROPERTY);
        if (path == null || path.isBlank()) {
            path = System.getenv(ENVIRONMENT);
        }
        return path == null || path.isBlank() ? Optional.empty() : Optional.of(Path.of(path));
    }

    public static Set<ValidationMessage> transcribedProblems(JsonNode receipt) {
        return transcribed().validate(receipt);
    }

    /** Problems against the official schema; only when {@link #officialPath()} is given. */
    public static Set<ValidationMessage> officialProblems(JsonNode receipt) {
        return official().validate(receipt);
    }

    /** Every problem of the receipt, under the transcription and (when given) the official schema. */
    public static List<String> problems(JsonNode receipt) {
        List<String> out = new ArrayList<>();
        transcribedProblems(receipt).forEach(m -> out.add("transcribed schema: " + m.getMessage()));
        if (officialPath().isPresent()) {
            officialProblems(receipt).forEach(m -> out.add("official schema: " + m.getMessage()));
        }
        return out;
    }

    public static void assertValid(JsonNode receipt) {
        assertThat(problems(receipt)).as("schema problems of receipt %s", receipt.path("consentReceiptID")).isEmpty();
    }

    public static void assertValid(String receiptJson) {
        try {
            assertValid(MAPPER.readTree(receiptJson));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonSchema transcribed() {
        if (transcribed == null) {
            try (InputStream in = KantaraSchemas.class.getResourceAsStream(TRANSCRIBED)) {
                transcribed = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return transcribed;
    }

    private static JsonSchema official() {
        if (official == null) {
            Path path = officialPath().orElseThrow(() -> new IllegalStateException("no official schema given: set -D"
                    + PROPERTY + " or " + ENVIRONMENT));
            try {
                JsonNode schema = LENIENT.readTree(Files.readString(path));
                official = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4).getSchema(schema);
            } catch (IOException e) {
                throw new UncheckedIOException("the official Kantara schema given (" + path + ") cannot be read", e);
            }
        }
        return official;
    }
}
