package dev.consent.policy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.consent.internal.Checks;

import java.time.Duration;
import java.time.Period;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Reads the catalogue sections of a policy document, {@code categories}, {@code purposes} and {@code recipients}
 * (see {@code docs/policy-format.md}), with {@link PolicyFields}' strict readers, and remembers where each element
 * given to the builder stands in the document, so that the cross-field rules ({@link PolicyValidator}) report the
 * document's own JSON paths. One instance reads one document.
 */
final class CatalogueJson {
    static final String CATEGORIES = "data categories a policy may declare (PolicyLimits.MAX_CATEGORIES)";
    static final String PURPOSES = "purposes a policy may declare (PolicyLimits.MAX_PURPOSES)";

    private final PolicyFields f;
    private final Policy.Builder b;
    /** The index in the document of each category, purpose and recipient the builder took, in its order. */
    final List<Integer> categoryAt = new ArrayList<>();
    final List<Integer> purposeAt = new ArrayList<>();
    final List<Integer> recipientAt = new ArrayList<>();
    /** The ids of the categories and purposes that are declared but malformed: references to them are not wrong. */
    private final Set<CategoryId> otherCategories = new LinkedHashSet<>();
    private final Set<PurposeId> otherPurposes = new LinkedHashSet<>();
    private boolean categoriesRead;
    private boolean purposesRead;

    CatalogueJson(PolicyFields f, Policy.Builder b) {
        this.f = f;
        this.b = b;
    }

    /** The malformed categories' ids, or null when the array was not read (missing, not an array, too long). */
    Set<CategoryId> otherCategories() {
        return categoriesRead ? otherCategories : null;
    }

    /** The malformed purposes' ids, or null when the array was not read. */
    Set<PurposeId> otherPurposes() {
        return purposesRead ? otherPurposes : null;
    }

    void categories(JsonNode root) {
        categoriesRead = f.array(root, "$", "categories", true, PolicyLimits.MAX_CATEGORIES, CATEGORIES,
                (node, at, i) -> {
            f.onlyKnown(node, at, "id", "description", "sensitive");
            CategoryId cid = f.value(node, at, "id", true, CategoryId::of);
            String description = f.string(node, at, "description", true);
            boolean sensitive = f.bool(node, at, "sensitive", false);
            if (f.construct(at, () -> b.category(new DataCategory(cid, description, sensitive)))) {
                categoryAt.add(i);
            } else if (cid != null) {
                otherCategories.add(cid);
            }
        });
    }

    void purposes(JsonNode root) {
        purposesRead = f.array(root, "$", "purposes", true, PolicyLimits.MAX_PURPOSES, PURPOSES, this::purpose);
    }

    private void purpose(JsonNode node, String at, int i) {
        f.onlyKnown(node, at, "id", "title", "description", "legalBasis", "mechanism", "categories",
                "consentVersion", "consentLifetime", "minimumAge", "guardianConsent", "parent", "saleOrSharing",
                "purposeCategories", "confirmationWindow", "translations");
        PurposeId pid = f.value(node, at, "id", true, PurposeId::of);
        String title = f.string(node, at, "title", true);
        String description = f.string(node, at, "description", false);
        LegalBasis basis = f.enumValue(node, at, "legalBasis", true, LegalBasis.class);
        Mechanism mechanism = f.enumValue(node, at, "mechanism", false, Mechanism.class);
        Set<CategoryId> categories = f.list(node, at, "categories", true, PolicyLimits.MAX_CATEGORIES, CATEGORIES,
                CategoryId::of);
        Integer version = f.integer(node, at, "consentVersion", false, 1, Purpose.MAX_CONSENT_VERSION);
        Period lifetime = f.period(node, at, "consentLifetime");
        Integer minimumAge = f.integer(node, at, "minimumAge", false, 1, 120);
        boolean guardian = f.bool(node, at, "guardianConsent", true);
        PurposeId parent = f.value(node, at, "parent", false, PurposeId::of);
        boolean sale = f.bool(node, at, "saleOrSharing", false);
        Set<PurposeCategory> kantara = f.enumList(node, at, "purposeCategories", PurposeCategory.class);
        Duration window = f.duration(node, at, "confirmationWindow");
        Map<String, NoticeText> translations = translations(node, at);
        if (categories != null && categories.isEmpty()) {
            f.problem(at + ".categories", "[]", "must name at least one data category");
        }
        if (kantara != null && kantara.isEmpty()) {
            f.problem(at + ".purposeCategories", "[]", "must name at least one Kantara purpose category, or be left out");
        }
        if (f.construct(at, () -> b.purpose(new Purpose(pid, title, description, basis,
                mechanism != null ? mechanism : Purpose.defaultMechanism(basis), categories,
                version == null ? 1 : version, Optional.ofNullable(lifetime),
                minimumAge == null ? OptionalInt.empty() : OptionalInt.of(minimumAge), guardian,
                Optional.ofNullable(parent), sale, kantara == null ? Set.of() : kantara,
                Optional.ofNullable(window), translations)))) {
            purposeAt.add(i);
        } else if (pid != null) {
            otherPurposes.add(pid);
        }
    }

    /**
     * A purpose's {@code translations}: an object keyed by language tag, each an object with {@code title} and
     * {@code text}. Each problem is reported at its own path ({@code $.purposes[1].translations.de.text}); what is
     * returned is then incomplete, but the purpose is not built (a problem lies within it).
     */
    private Map<String, NoticeText> translations(JsonNode node, String at) {
        JsonNode all = f.object(node, at, "translations", false);
        if (all == null) {
            return Map.of(); // missing, null, or not an object (reported)
        }
        String path = at + ".translations";
        if (all.size() > PolicyLimits.MAX_TRANSLATIONS) {
            f.problem(path, all.size() + " translations", "exceed the " + PolicyLimits.MAX_TRANSLATIONS
                    + " a purpose may have (PolicyLimits.MAX_TRANSLATIONS)");
            return Map.of();
        }
        Map<String, NoticeText> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = all.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String tag = e.getKey();
            String tp = PolicyJson.member(path, tag);
            if (!Locations.isLanguageTag(tag)) {
                f.problem(tp, PolicyJson.quote(tag), Locations.LANGUAGE_TAG_RULE);
                continue;
            }
            if (!e.getValue().isObject()) {
                f.problem(tp, PolicyJson.kind(e.getValue()), "must be an object with title and text");
                continue;
            }
            f.onlyKnown(e.getValue(), tp, "title", "text");
            String title = f.string(e.getValue(), tp, "title", true);
            String text = f.string(e.getValue(), tp, "text", true);
            if (title != null && text != null) {
                f.construct(tp, () -> out.put(tag, new NoticeText(title, text)));
            }
        }
        return out;
    }

    void recipients(JsonNode root) {
        f.array(root, "$", "recipients", false, PolicyLimits.MAX_RECIPIENTS,
                "recipients a policy may declare (PolicyLimits.MAX_RECIPIENTS)", (node, at, i) -> {
            f.onlyKnown(node, at, "id", "name", "role", "categories", "purposes", "location");
            String rid = f.value(node, at, "id", true, v -> Checks.dottedId("id", v, 100));
            String name = f.string(node, at, "name", true);
            Recipient.Role role = f.enumValue(node, at, "role", true, Recipient.Role.class);
            Set<CategoryId> categories = f.list(node, at, "categories", true, PolicyLimits.MAX_CATEGORIES, CATEGORIES,
                    CategoryId::of);
            Set<PurposeId> purposes = f.list(node, at, "purposes", true, PolicyLimits.MAX_PURPOSES, PURPOSES,
                    PurposeId::of);
            String location = f.string(node, at, "location", false);
            if (f.construct(at, () -> b.recipient(new Recipient(rid, name, role, categories, purposes, location)))) {
                recipientAt.add(i);
            }
        });
    }
}
