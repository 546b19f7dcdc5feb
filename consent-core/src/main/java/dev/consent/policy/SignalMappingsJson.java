package dev.consent.policy;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads the {@code signals} section of a policy document ({@code docs/signals.md}) as strictly as {@link PolicyJson}
 * reads the rest: unknown fields, wrong types and malformed ids are problems at their JSON paths. The mapping is
 * given to the builder only when the section reads cleanly, so that the cross-field rules
 * ({@link SignalMappingsValidator}) report paths that are the document's own.
 */
final class SignalMappingsJson {
    private static final String AT = "$.signals";
    private static final int MAX_RULES = PolicyLimits.MAX_PURPOSES;
    private static final String RULES = "rules a list may hold (PolicyLimits.MAX_PURPOSES)";

    private SignalMappingsJson() {
    }

    static void read(PolicyFields f, JsonNode node, Policy.Builder b) {
        f.onlyKnown(node, AT, "tcf", "gpp", "consentMode");
        Optional<SignalMappings.Tcf> tcf = Optional.empty();
        JsonNode tcfNode = f.object(node, AT, "tcf", false);
        if (tcfNode != null) {
            tcf = Optional.of(tcf(f, tcfNode));
        }
        List<SignalMappings.GppSection> gpp = new ArrayList<>();
        f.array(node, AT, "gpp", false, GppSectionLayout.all().size() * 4, "sections a mapping may list",
                (section, at, i) -> gpp.add(gppSection(f, section, at)));
        Map<SignalMappings.ConsentModeType, List<PurposeId>> modes = new EnumMap<>(SignalMappings.ConsentModeType.class);
        JsonNode modeNode = f.object(node, AT, "consentMode", false);
        if (modeNode != null) {
            String at = AT + ".consentMode";
            f.onlyKnown(modeNode, at, SignalMappings.ConsentModeType.gtagNames().toArray(String[]::new));
            Iterator<String> names = modeNode.fieldNames();
            while (names.hasNext()) {
                String name = names.next();
                Optional<SignalMappings.ConsentModeType> type = SignalMappings.ConsentModeType.ofGtagName(name);
                if (type.isPresent()) {
                    Set<PurposeId> purposes = f.list(modeNode, at, name, true, PolicyLimits.MAX_PURPOSES,
                            "purposes a policy may declare (PolicyLimits.MAX_PURPOSES)", PurposeId::of);
                    if (purposes != null) {
                        modes.put(type.get(), List.copyOf(purposes));
                    }
                }
            }
        }
        if (!f.reportedWithin(AT)) {
            b.signals(new SignalMappings(tcf, gpp, modes));
        }
    }

    private static SignalMappings.Tcf tcf(PolicyFields f, JsonNode node) {
        String at = AT + ".tcf";
        f.onlyKnown(node, at, "purposes", "specialFeatures", "vendors", "requireDisclosedVendors");
        List<SignalMappings.TcfRule> purposes = tcfRules(f, node, at, "purposes");
        List<SignalMappings.TcfRule> features = tcfRules(f, node, at, "specialFeatures");
        List<SignalMappings.TcfRule> vendors = tcfRules(f, node, at, "vendors");
        boolean disclosed = f.bool(node, at, "requireDisclosedVendors", true);
        return new SignalMappings.Tcf(purposes, features, vendors, disclosed);
    }

    private static List<SignalMappings.TcfRule> tcfRules(PolicyFields f, JsonNode node, String at, String name) {
        List<SignalMappings.TcfRule> rules = new ArrayList<>();
        f.array(node, at, name, false, MAX_RULES, RULES, (rule, path, i) -> {
            f.onlyKnown(rule, path, "id", "purpose");
            Integer id = f.integer(rule, path, "id", true, 1, SignalMappings.Tcf.MAX_VENDOR);
            PurposeId purpose = f.value(rule, path, "purpose", true, PurposeId::of);
            if (id != null && purpose != null) {
                rules.add(new SignalMappings.TcfRule(id, purpose));
            }
        });
        return rules;
    }

    private static SignalMappings.GppSection gppSection(PolicyFields f, JsonNode node, String at) {
        f.onlyKnown(node, at, "section", "saleOptOut", "sharingOptOut", "targetedAdvertisingOptOut",
                "sensitiveDataProcessing", "knownChildSensitiveDataConsents");
        String section = f.string(node, at, "section", true);
        Optional<PurposeId> sale = Optional.ofNullable(f.value(node, at, "saleOptOut", false, PurposeId::of));
        Optional<PurposeId> sharing = Optional.ofNullable(f.value(node, at, "sharingOptOut", false, PurposeId::of));
        Optional<PurposeId> targeted = Optional.ofNullable(
                f.value(node, at, "targetedAdvertisingOptOut", false, PurposeId::of));
        List<SignalMappings.GppIndexRule> sensitive = indexRules(f, node, at, "sensitiveDataProcessing");
        List<SignalMappings.GppIndexRule> child = indexRules(f, node, at, "knownChildSensitiveDataConsents");
        return new SignalMappings.GppSection(section == null ? "" : section, sale, sharing, targeted, sensitive,
                child);
    }

    private static List<SignalMappings.GppIndexRule> indexRules(PolicyFields f, JsonNode node, String at,
            String name) {
        List<SignalMappings.GppIndexRule> rules = new ArrayList<>();
        f.array(node, at, name, false, MAX_RULES, RULES, (rule, path, i) -> {
            f.onlyKnown(rule, path, "index", "purpose");
            Integer index = f.integer(rule, path, "index", true, 1, 64);
            PurposeId purpose = f.value(rule, path, "purpose", true, PurposeId::of);
            if (index != null && purpose != null) {
                rules.add(new SignalMappings.GppIndexRule(index, purpose));
            }
        });
        return rules;
    }
}
