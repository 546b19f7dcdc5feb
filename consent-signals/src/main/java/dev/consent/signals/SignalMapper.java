package dev.consent.signals;

import dev.consent.ledger.Choice;
import dev.consent.policy.GppSectionLayout;
import dev.consent.policy.LegalBasis;
import dev.consent.policy.Policy;
import dev.consent.policy.PurposeId;
import dev.consent.policy.SignalMappings;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Turns decoded signals into the choices they imply under a policy's mapping; the rules are {@link ImpliedChoice}'s. */
final class SignalMapper {
    private enum Verdict { AGREE, REFUSE, SILENT }

    private record Said(String signal, Verdict verdict) {
    }

    /** The choices implied, in the policy's purpose order, and what was left unmapped. */
    record Mapping(List<ImpliedChoice> choices, List<Unmapped> unmapped) {
    }

    private final Policy policy;
    private final SignalMappings mappings;
    private final Map<PurposeId, List<Said>> said = new LinkedHashMap<>();
    private final List<Unmapped> unmapped = new ArrayList<>();

    private SignalMapper(Policy policy) {
        this.policy = policy;
        this.mappings = policy.signals().orElseThrow();
        policy.purposes().forEach(p -> said.put(p.id(), new ArrayList<>()));
    }

    static Mapping map(Policy policy, Optional<TcString> tcf, List<GppString.UsSection> us,
            List<GppString.OtherSection> other) {
        SignalMapper m = new SignalMapper(policy);
        tcf.ifPresent(m::tcf);
        us.forEach(m::us);
        for (GppString.OtherSection o : other) {
            m.unmapped.add(new Unmapped(o.name() + " (GPP section " + o.id() + ")",
                    "not a section this library interprets (mappable sections: " + String.join(", ",
                            GppSectionLayout.all().stream().map(GppSectionLayout::name).toList()) + ")"));
        }
        return m.result();
    }

    private boolean consentBasis(PurposeId p) {
        return policy.purpose(p).basis() == LegalBasis.CONSENT;
    }

    private void say(PurposeId purpose, String signal, Verdict v) {
        said.get(purpose).add(new Said(signal, v));
    }

    private void tcf(TcString tc) {
        if (mappings.tcf().isEmpty()) {
            unmapped.add(new Unmapped("tcfeuv2 (GPP section 2)", "the policy maps no TCF signals"));
            return;
        }
        SignalMappings.Tcf t = mappings.tcf().get();
        if (t.requireDisclosedVendors() && tc.disclosedVendors().isEmpty()) {
            throw new InvalidSignalException("DisclosedVendors", "segment is missing; TCF v2.3 makes it mandatory "
                    + "and the policy requires it (signals.tcf.requireDisclosedVendors)");
        }
        for (SignalMappings.TcfRule r : t.purposes()) {
            boolean consent = consentBasis(r.purpose());
            Set<Integer> bits = consent ? tc.purposeConsents() : tc.purposeLegitimateInterests();
            bit(r.purpose(), "tcf purpose " + r.id() + (consent ? " consent" : " legitimate interest"),
                    bits.contains(r.id()));
        }
        for (SignalMappings.TcfRule r : t.specialFeatures()) {
            bit(r.purpose(), "tcf special feature " + r.id() + " opt-in", tc.specialFeatureOptIns().contains(r.id()));
        }
        for (SignalMappings.TcfRule r : t.vendors()) {
            boolean consent = consentBasis(r.purpose());
            String signal = "tcf vendor " + r.id() + (consent ? " consent" : " legitimate interest");
            if (tc.disclosedVendors().isPresent() && !tc.disclosedVendors().get().contains(r.id())) {
                say(r.purpose(), signal + ": not disclosed", Verdict.REFUSE);
            } else {
                bit(r.purpose(), signal, (consent ? tc.vendorConsents() : tc.vendorLegitimateInterests())
                        .contains(r.id()));
            }
        }
    }

    private void bit(PurposeId purpose, String signal, boolean set) {
        say(purpose, signal + (set ? ": set" : ": clear"), set ? Verdict.AGREE : Verdict.REFUSE);
    }

    private void us(GppString.UsSection s) {
        Optional<SignalMappings.GppSection> g = mappings.gppSection(s.name());
        if (g.isEmpty()) {
            unmapped.add(new Unmapped(s.name() + " (GPP section " + s.id() + ")", "the policy maps no field of it"));
            return;
        }
        GppSectionLayout layout = GppSectionLayout.withId(s.id()).orElseThrow();
        String n = "gpp " + s.name() + ".";
        g.get().saleOptOut().ifPresent(p -> optOut(p, n + "SaleOptOut", s.saleOptOut().orElseThrow()));
        g.get().sharingOptOut().ifPresent(p -> optOut(p, n + "SharingOptOut", s.sharingOptOut().orElseThrow()));
        g.get().targetedAdvertisingOptOut().ifPresent(p -> optOut(p, n + "TargetedAdvertisingOptOut",
                s.targetedAdvertisingOptOut().orElseThrow()));
        for (SignalMappings.GppIndexRule r : g.get().sensitiveDataProcessing()) {
            String field = n + "SensitiveDataProcessing[" + r.index() + "]";
            int v = s.sensitiveDataProcessing().get(r.index() - 1);
            if (layout.sensitiveSemantics() == GppSectionLayout.Semantics.OPT_OUT) {
                optOut(r.purpose(), field, v);
            } else {
                consent(r.purpose(), field, v);
            }
        }
        for (SignalMappings.GppIndexRule r : g.get().knownChildSensitiveDataConsents()) {
            consent(r.purpose(), n + "KnownChildSensitiveDataConsents[" + r.index() + "]",
                    s.knownChildSensitiveDataConsents().get(r.index() - 1));
        }
    }

    private void optOut(PurposeId p, String field, int v) {
        switch (v) {
            case 1 -> say(p, field + ": 1 opted out", Verdict.REFUSE);
            case 2 -> say(p, field + ": 2 did not opt out" + (consentBasis(p) ? ", which is not consent" : ""),
                    consentBasis(p) ? Verdict.SILENT : Verdict.AGREE);
            default -> say(p, field + ": 0 not applicable", Verdict.SILENT);
        }
    }

    private void consent(PurposeId p, String field, int v) {
        switch (v) {
            case 1 -> say(p, field + ": 1 no consent", Verdict.REFUSE);
            case 2 -> say(p, field + ": 2 consent", Verdict.AGREE);
            default -> say(p, field + ": 0 not applicable", Verdict.SILENT);
        }
    }

    private Mapping result() {
        List<ImpliedChoice> choices = new ArrayList<>();
        said.forEach((purpose, list) -> {
            if (list.isEmpty()) {
                return;
            }
            boolean refuse = list.stream().anyMatch(s -> s.verdict == Verdict.REFUSE);
            boolean agree = list.stream().anyMatch(s -> s.verdict == Verdict.AGREE);
            Choice choice = refuse ? (consentBasis(purpose) ? Choice.DENIED : Choice.OBJECTED)
                    : agree ? Choice.GRANTED : null;
            if (choice != null) {
                choices.add(new ImpliedChoice(purpose, choice, list.stream().map(Said::signal).toList()));
            }
        });
        return new Mapping(choices, unmapped);
    }
}
