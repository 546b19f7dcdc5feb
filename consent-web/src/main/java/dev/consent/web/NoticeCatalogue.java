package dev.consent.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.consent.InvalidValueException;
import dev.consent.policy.PurposeId;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The notice texts of the policy's purposes in languages other than the policy's own. A policy states each purpose's
 * title and description once, in its {@link dev.consent.policy.Policy#language() language}: those are the notices in
 * that language. This catalogue adds translations, each written for one consent version of its purpose: a
 * translation whose version is not the purpose's current one is never shown (the banner falls back to the policy's
 * language and says so), so a material change to a purpose cannot be shown under an outdated text.
 *
 * <p>The JSON form ({@link #read(InputStream)}):
 * <pre>{@code
 * { "purposes": {
 *     "analytics": {
 *       "de": { "version": 2, "title": "Statistik", "text": "Wir zählen Besuche ..." },
 *       "fr": { "version": 2, "title": "Statistiques", "text": "Nous comptons les visites ..." } } } }
 * }</pre>
 * Immutable and thread-safe.
 */
public final class NoticeCatalogue {
    /** The longest title, in characters: a purpose's own title limit. */
    public static final int MAX_TITLE = 300;
    /** The longest notice text, in characters: a purpose's own description limit. */
    public static final int MAX_TEXT = 4000;
    private static final Pattern LANGUAGE_TAG = Pattern.compile("[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,4}");
    private static final NoticeCatalogue EMPTY = new NoticeCatalogue(Map.of());

    /** A translation of one purpose's notice: its title and text, written for one consent version. */
    record Translation(int version, String title, String text) {
    }

    private final Map<PurposeId, Map<String, Translation>> texts;

    private NoticeCatalogue(Map<PurposeId, Map<String, Translation>> texts) {
        Map<PurposeId, Map<String, Translation>> copy = new LinkedHashMap<>();
        texts.forEach((p, m) -> copy.put(p, Collections.unmodifiableMap(new LinkedHashMap<>(m))));
        this.texts = Collections.unmodifiableMap(copy);
    }

    /**
     * No translations: every notice is shown in the policy's language.
     *
     * @return the empty catalogue
     */
    public static NoticeCatalogue empty() {
        return EMPTY;
    }

    /**
     * A builder with no translations.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Reads the JSON form shown in the class comment (UTF-8). Unknown members are refused, so that a misspelt key is
     * not a silently missing translation.
     *
     * @param json the document; not closed
     * @return the catalogue
     * @throws InvalidValueException naming the JSON path of the first member that breaks a rule
     * @throws IOException when the stream cannot be read
     */
    public static NoticeCatalogue read(InputStream json) throws IOException {
        ObjectNode root;
        try {
            root = Json.readObject(new String(json.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new InvalidValueException("$", null, "must be one JSON object (" + e.getMessage() + ")");
        }
        only(root, "$", Set.of("purposes"));
        JsonNode purposes = root.get("purposes");
        if (purposes == null || !purposes.isObject()) {
            throw new InvalidValueException("$.purposes", null, "must be an object of purposes");
        }
        Builder b = builder();
        for (Iterator<Map.Entry<String, JsonNode>> ps = purposes.fields(); ps.hasNext(); ) {
            Map.Entry<String, JsonNode> p = ps.next();
            String pPath = "$.purposes." + p.getKey();
            if (!p.getValue().isObject()) {
                throw new InvalidValueException(pPath, null, "must be an object of languages");
            }
            for (Iterator<Map.Entry<String, JsonNode>> ls = p.getValue().fields(); ls.hasNext(); ) {
                Map.Entry<String, JsonNode> l = ls.next();
                String path = pPath + "." + l.getKey();
                JsonNode t = l.getValue();
                if (!t.isObject()) {
                    throw new InvalidValueException(path, null, "must be an object with version, title and text");
                }
                only((ObjectNode) t, path, Set.of("version", "title", "text"));
                if (!t.path("version").isInt()) {
                    throw new InvalidValueException(path + ".version", t.path("version").toString(),
                            "must be the purpose's consent version this text was written for (an integer)");
                }
                b.text(p.getKey(), l.getKey(), t.get("version").intValue(), textOf(t, "title", path),
                        textOf(t, "text", path), path);
            }
        }
        return b.build();
    }

    private static String textOf(JsonNode t, String name, String path) {
        JsonNode v = t.get(name);
        if (v == null || !v.isTextual()) {
            throw new InvalidValueException(path + "." + name, v == null ? null : v.toString(), "must be a string");
        }
        return v.textValue();
    }

    private static void only(ObjectNode node, String path, Set<String> allowed) {
        node.fieldNames().forEachRemaining(n -> {
            if (!allowed.contains(n)) {
                throw new InvalidValueException(path + "." + n, null, "is not a member of the notice catalogue"
                        + " (allowed here: " + new TreeSet<>(allowed) + ")");
            }
        });
    }

    /**
     * The purposes this catalogue translates.
     *
     * @return their ids, unmodifiable
     */
    public Set<PurposeId> purposes() {
        return texts.keySet();
    }

    /** The translation of {@code purpose}'s notice into exactly {@code locale}, if there is one. */
    Optional<Translation> translation(PurposeId purpose, String locale) {
        return Optional.ofNullable(texts.getOrDefault(purpose, Map.of()).get(locale));
    }

    /**
     * A language tag in its canonical case ({@code de-DE}), or empty when it is not a well-formed tag this module
     * takes: a 2 or 3 letter language and up to four subtags of 1 to 8 letters or digits.
     */
    static Optional<String> canonical(String tag) {
        if (tag == null || tag.length() > 35 || !LANGUAGE_TAG.matcher(tag).matches()) {
            return Optional.empty();
        }
        String c = java.util.Locale.forLanguageTag(tag).toLanguageTag();
        return c.equals("und") ? Optional.empty() : Optional.of(c);
    }

    /** Collects translations; {@link #build()} copies them. */
    public static final class Builder {
        private final Map<PurposeId, Map<String, Translation>> texts = new LinkedHashMap<>();

        private Builder() {
        }

        /**
         * Adds the notice of {@code purpose} in {@code locale}, written for consent version {@code version}.
         *
         * @param purpose the purpose's id
         * @param locale a BCP 47 language tag such as {@code de} or {@code fr-CA}
         * @param version the consent version of the purpose this text describes, 1 or more
         * @param title the title, 1 to {@value #MAX_TITLE} characters
         * @param text the notice text, 1 to {@value #MAX_TEXT} characters
         * @return this builder
         * @throws InvalidValueException naming the argument that breaks its rule, or {@code locale} when the
         *     purpose already has a text in that language
         */
        public Builder text(String purpose, String locale, int version, String title, String text) {
            return text(purpose, locale, version, title, text, "notice");
        }

        private Builder text(String purpose, String locale, int version, String title, String text, String path) {
            PurposeId id;
            try {
                id = PurposeId.of(purpose);
            } catch (InvalidValueException e) {
                throw new InvalidValueException(path + ".purpose", purpose, e.rule());
            }
            String tag = canonical(locale).orElseThrow(() -> new InvalidValueException(path + ".locale", locale,
                    "must be a BCP 47 language tag such as de or fr-CA"));
            if (version < 1) {
                throw new InvalidValueException(path + ".version", version, "must be 1 or more");
            }
            checkText(path + ".title", title, MAX_TITLE);
            checkText(path + ".text", text, MAX_TEXT);
            if (texts.computeIfAbsent(id, k -> new LinkedHashMap<>()).putIfAbsent(tag,
                    new Translation(version, title, text)) != null) {
                throw new InvalidValueException(path + ".locale", tag, "purpose " + id + " already has a text in "
                        + tag);
            }
            return this;
        }

        private static void checkText(String field, String value, int max) {
            if (value == null || value.isBlank() || value.length() > max) {
                throw new InvalidValueException(field, value, "must be 1 to " + max + " characters, not blank");
            }
        }

        /**
         * The catalogue.
         *
         * @return the catalogue, independent of this builder
         */
        public NoticeCatalogue build() {
            return new NoticeCatalogue(texts);
        }
    }
}
