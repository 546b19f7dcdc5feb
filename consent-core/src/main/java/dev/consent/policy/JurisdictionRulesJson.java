package dev.consent.policy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.consent.InvalidValueException;
import dev.consent.internal.Regions;
import dev.consent.rights.RequestType;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the {@code jurisdictionRules} section of a policy document ({@code docs/jurisdictions.md}) as strictly as
 * {@link PolicyJson} reads the rest: unknown fields, wrong types, malformed ids and codes are problems at their JSON
 * paths. The jurisdictions are given to the builder only when the whole section reads cleanly, so that the
 * cross-field rules ({@link JurisdictionRulesValidator}) report paths that are the document's own.
 */
final class JurisdictionRulesJson {
    static final String AT = "$.jurisdictionRules";

    private JurisdictionRulesJson() {
    }

    static void read(PolicyFields f, TermsJson terms, JsonNode root, Policy.Builder b) {
        List<Jurisdiction> read = new ArrayList<>();
        boolean present = f.array(root, "$", "jurisdictionRules", false, PolicyLimits.MAX_JURISDICTIONS,
                "jurisdictions a policy may declare (PolicyLimits.MAX_JURISDICTIONS)",
                (node, at, i) -> read.add(jurisdiction(f, terms, node, at)));
        if (present && root.get("jurisdictionRules").isEmpty()) {
            f.problem(AT, "[]", "must declare at least one jurisdiction, or be left out");
        }
        if (present && !f.reportedWithin(AT)) {
            read.forEach(b::jurisdiction);
        }
    }

    private static Jurisdiction jurisdiction(PolicyFields f, TermsJson terms, JsonNode node, String at) {
        f.onlyKnown(node, at, "id", "title", "regions", "fallback", "gdpr", "mechanisms", "gpc", "doNotSellOrShare",
                "limitSensitiveUse", "rights");
        JurisdictionId id = f.value(node, at, "id", true, JurisdictionId::of);
        String title = f.string(node, at, "title", true);
        Set<String> regions = f.list(node, at, "regions", false, 400, "regions a jurisdiction may list", code -> {
            if (!Regions.isCountryOrSubdivision(code)) {
                throw new InvalidValueException("regions", code, Regions.RULE);
            }
            return code;
        });
        boolean fallback = f.bool(node, at, "fallback", false);
        boolean gdpr = f.bool(node, at, "gdpr", false);
        GpcRule gpc = f.enumValue(node, at, "gpc", true, GpcRule.class);
        Jurisdiction.Builder j = Jurisdiction.builder(id, title == null ? "-" : title).gpc(gpc);
        if (regions != null) {
            j.regions(regions.toArray(String[]::new));
        }
        if (fallback) {
            j.fallback();
        }
        if (gdpr) {
            j.gdpr();
        }
        Map<PurposeId, Integer> mechanismAt = new HashMap<>();
        f.array(node, at, "mechanisms", false, PolicyLimits.MAX_PURPOSES,
                "mechanisms a jurisdiction may set (PolicyLimits.MAX_PURPOSES)", (m, path, k) -> {
            f.onlyKnown(m, path, "purpose", "mechanism");
            PurposeId purpose = f.value(m, path, "purpose", true, PurposeId::of);
            Mechanism mechanism = f.enumValue(m, path, "mechanism", true, Mechanism.class);
            if (purpose == null || mechanism == null) {
                return;
            }
            Integer first = mechanismAt.putIfAbsent(purpose, k);
            if (first != null) {
                f.problem(path + ".purpose", "\"" + purpose + "\"", "has a mechanism already (at " + at
                        + ".mechanisms[" + first + "])");
            } else {
                j.mechanism(purpose, mechanism);
            }
        });
        optOut(f, node, at, "doNotSellOrShare", OptOut.SALE_OR_SHARING, j);
        optOut(f, node, at, "limitSensitiveUse", OptOut.SENSITIVE_DATA_USE, j);
        Map<RequestType, String> termAt = new EnumMap<>(RequestType.class);
        f.array(node, at, "rights", false, PolicyLimits.MAX_RIGHTS_ENTRIES,
                "entries a jurisdiction may have here (PolicyLimits.MAX_RIGHTS_ENTRIES)", (entry, path, k) ->
                terms.rightsEntry(entry, path, (term, typePath) -> {
                    String first = termAt.putIfAbsent(term.type(), typePath);
                    if (first != null) {
                        f.problem(typePath, "\"" + term.type() + "\"", "has a deadline already (at " + first
                                + "); give each request type one");
                    } else {
                        j.right(term);
                    }
                }));
        Jurisdiction[] built = new Jurisdiction[1];
        f.construct(at, () -> built[0] = j.build());
        return built[0];
    }

    private static void optOut(PolicyFields f, JsonNode node, String at, String name, OptOut optOut,
            Jurisdiction.Builder j) {
        Set<PurposeId> purposes = f.list(node, at, name, false, PolicyLimits.MAX_PURPOSES,
                "purposes a policy may declare (PolicyLimits.MAX_PURPOSES)", PurposeId::of);
        if (purposes != null && node.has(name)) {
            if (purposes.isEmpty()) {
                f.problem(at + "." + name, "[]", "must name at least one purpose, or be left out");
            }
            j.optOut(optOut, purposes.toArray(PurposeId[]::new));
        }
    }
}
