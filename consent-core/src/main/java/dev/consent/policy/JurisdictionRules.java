package dev.consent.policy;

import dev.consent.internal.Regions;

import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The jurisdictions a policy declares ({@link Policy#jurisdictionRules()}) and which one holds a subject
 * ({@code docs/jurisdictions.md}):
 *
 * <ol>
 *   <li>a subject located in a subdivision ({@code US-CA}) falls under the jurisdiction listing that subdivision,
 *       else under the one listing its country ({@code US}), else under the fallback jurisdiction, if one is
 *       declared;</li>
 *   <li>a subject whose location is not known, or whose location no jurisdiction covers when there is no fallback,
 *       is held to the {@link #strictest() strictest} rules the policy declares, under the id
 *       {@link JurisdictionId#UNKNOWN}.</li>
 * </ol>
 *
 * <p>Immutable and built with its policy, whose purposes the strictest rules are computed over.
 */
public final class JurisdictionRules {
    private final List<Jurisdiction> jurisdictions;
    private final Map<String, Jurisdiction> byRegion;
    private final Jurisdiction fallback;
    private final Jurisdiction strictest;

    JurisdictionRules(List<Jurisdiction> jurisdictions, List<Purpose> purposes) {
        this.jurisdictions = List.copyOf(jurisdictions);
        Map<String, Jurisdiction> regions = new HashMap<>();
        Jurisdiction fb = null;
        for (Jurisdiction j : this.jurisdictions) {
            j.regions().forEach(r -> regions.putIfAbsent(r, j));
            if (j.fallback() && fb == null) {
                fb = j;
            }
        }
        this.byRegion = Collections.unmodifiableMap(regions);
        this.fallback = fb;
        this.strictest = strictestOf(this.jurisdictions, purposes);
    }

    /**
     * The rules that hold everywhere at once, for a subject whose jurisdiction is not known: each purpose on the
     * strictest mechanism any jurisdiction gives it (opt-in over opt-out over notice only), Global Privacy Control
     * binding if it binds anywhere, each opt-out covering every purpose it covers anywhere, GDPR if it applies
     * anywhere. Deadlines are chosen per request (the earliest any jurisdiction's term gives, see
     * {@code RightsService}), so this jurisdiction lists none of its own.
     */
    private static Jurisdiction strictestOf(List<Jurisdiction> all, List<Purpose> purposes) {
        Map<PurposeId, Mechanism> mechanisms = new LinkedHashMap<>();
        for (Purpose p : purposes) {
            Mechanism strictest = null;
            for (Jurisdiction j : all) {
                Mechanism m = j.mechanismOf(p);
                if (strictest == null || m.ordinal() < strictest.ordinal()) {
                    strictest = m; // Mechanism's order: OPT_IN, OPT_OUT, NOTICE_ONLY
                }
            }
            if (strictest != null && strictest != p.mechanism()) {
                mechanisms.put(p.id(), strictest);
            }
        }
        Map<OptOut, Set<PurposeId>> optOuts = new EnumMap<>(OptOut.class);
        for (Jurisdiction j : all) {
            j.optOuts().forEach((o, ps) -> optOuts.computeIfAbsent(o, x -> new LinkedHashSet<>()).addAll(ps));
        }
        boolean binds = all.stream().anyMatch(Jurisdiction::gpcBinds);
        boolean gdpr = all.stream().anyMatch(Jurisdiction::gdpr);
        return new Jurisdiction(JurisdictionId.UNKNOWN, "unknown: the strictest rules of the policy", Set.of(), false,
                gdpr, mechanisms, binds ? GpcRule.BINDING : GpcRule.ADVISORY, optOuts, Map.of());
    }

    /**
     * The declared jurisdictions, in declaration order.
     *
     * @return the jurisdictions, at least one
     */
    public List<Jurisdiction> all() {
        return jurisdictions;
    }

    /**
     * The declared jurisdiction with this id.
     *
     * @param id an id
     * @return the jurisdiction, or empty
     */
    public Optional<Jurisdiction> find(JurisdictionId id) {
        return jurisdictions.stream().filter(j -> j.id().equals(id)).findFirst();
    }

    /**
     * The strictest rules the policy declares, under {@link JurisdictionId#UNKNOWN}: what holds a subject whose
     * jurisdiction is not known.
     *
     * @return the strictest rules
     */
    public Jurisdiction strictest() {
        return strictest;
    }

    /**
     * The jurisdiction that holds a subject located in {@code region} (by the rules of this class), or the strictest
     * rules for an unknown location.
     *
     * @param region the subject's location (a country or subdivision code), or empty when it is not known
     * @return the jurisdiction; {@link #strictest()} when none covers the location
     */
    public Jurisdiction forRegion(Optional<String> region) {
        if (region.isEmpty()) {
            return strictest;
        }
        String code = region.get();
        Jurisdiction j = byRegion.get(code);
        if (j == null && Regions.isCountryOrSubdivision(code)) {
            j = byRegion.get(Regions.country(code));
        }
        if (j == null) {
            j = fallback;
        }
        return j != null ? j : strictest;
    }
}
