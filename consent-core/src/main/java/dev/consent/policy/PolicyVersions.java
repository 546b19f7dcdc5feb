package dev.consent.policy;

import dev.consent.InvalidValueException;
import dev.consent.internal.Checks;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Every version of one policy that has been in force, and which of them governs a given instant.
 *
 * <p>Guarantees: at least one version; all of one policy id; no two taking effect at the same instant. Immutable
 * and thread-safe. {@link #at(Instant)} is the latest version effective at or before the instant asked about, or the
 * earliest version for an instant before every effective date (a policy always governs, even what was recorded before
 * its first version took effect).
 */
public final class PolicyVersions {
    /** Oldest first, by effective instant. */
    private final Policy[] versions;

    private PolicyVersions(Policy[] versions) {
        this.versions = versions;
    }

    /**
     * The versions given, in any order.
     *
     * @param versions every version that has been in force
     * @return the versions, ordered by effective instant
     * @throws InvalidValueException when {@code versions} is null, empty or holds a null, when the versions belong to
     *     different policy ids, or when two take effect at the same instant
     */
    public static PolicyVersions of(Collection<Policy> versions) {
        Checks.required("policy", versions);
        if (versions.isEmpty()) {
            throw new InvalidValueException("policy", null, "is required: give at least one policy version");
        }
        Set<String> ids = new LinkedHashSet<>();
        Set<Instant> effective = new HashSet<>();
        for (Policy p : versions) {
            Checks.required("policy", p);
            ids.add(p.id());
            if (!effective.add(p.effectiveInstant())) {
                throw new InvalidValueException("policy", p.id() + " " + p.version(),
                        "takes effect on the same date as another version given");
            }
        }
        if (ids.size() > 1) {
            throw new InvalidValueException("policy", ids, "versions must all belong to one policy id");
        }
        return new PolicyVersions(versions.stream().sorted(Comparator.comparing(Policy::effectiveInstant))
                .toArray(Policy[]::new));
    }

    /**
     * The one version given.
     *
     * @param only the version
     * @return versions holding just it, in force at every instant
     * @throws InvalidValueException when {@code only} is null
     */
    public static PolicyVersions of(Policy only) {
        return of(List.of(Checks.required("policy", only)));
    }

    /**
     * The version in force at {@code at}: the latest one effective at or before it, or the earliest one.
     *
     * @param at the instant asked about
     * @return the version in force then, never null
     * @throws InvalidValueException when {@code at} is null
     */
    public Policy at(Instant at) {
        Checks.required("at", at);
        for (int i = versions.length - 1; i > 0; i--) {
            Policy p = versions[i];
            if (!p.effectiveInstant().isAfter(at)) {
                return p;
            }
        }
        return versions[0];
    }

    /**
     * Every version, oldest effective date first.
     *
     * @return the versions, unmodifiable
     */
    public List<Policy> all() {
        return List.of(versions);
    }

    /**
     * The policy id all versions share.
     *
     * @return the id
     */
    public String policyId() {
        return versions[0].id();
    }

    /**
     * Every purpose id declared by any version, each once, the newest version's first (a purpose a later version
     * keeps is listed where that version lists it).
     *
     * @return the ids, unmodifiable
     */
    public List<PurposeId> purposeIdsNewestFirst() {
        Set<PurposeId> ids = new LinkedHashSet<>();
        for (int i = versions.length - 1; i >= 0; i--) {
            versions[i].purposes().forEach(purpose -> ids.add(purpose.id()));
        }
        return new ArrayList<>(ids);
    }

    /**
     * Whether {@code other} holds the same versions as this: the same policy id, and version by version, oldest first,
     * the same label, effective instant, zone, categories, purposes, recipients, retention rules and rights terms
     * (what the consent, retention and rights services judge by). Services built over different versions would
     * answer one subject by two policies; their builders refuse that with this test.
     *
     * @param other the versions another service holds
     * @return true when they judge by the same policy
     * @throws InvalidValueException when {@code other} is null
     */
    public boolean sameVersionsAs(PolicyVersions other) {
        Checks.required("policyVersions", other);
        if (other == this) {
            return true;
        }
        if (other.versions.length != versions.length) {
            return false;
        }
        for (int i = 0; i < versions.length; i++) {
            if (!sameVersion(versions[i], other.versions[i])) {
                return false;
            }
        }
        return true;
    }

    private static boolean sameVersion(Policy a, Policy b) {
        return a == b || a.id().equals(b.id()) && a.version().equals(b.version())
                && a.effectiveInstant().equals(b.effectiveInstant()) && a.zone().equals(b.zone())
                && a.categories().equals(b.categories()) && a.purposes().equals(b.purposes())
                && a.recipients().equals(b.recipients()) && a.retentionRules().equals(b.retentionRules())
                && a.rightsTerms().equals(b.rightsTerms());
    }

    /**
     * Throws unless {@code given} holds the same versions as {@code expected} ({@link #sameVersionsAs}): the check
     * every service builder makes of a service it is given.
     *
     * @param field the builder setting that was given the other service, named in the message
     * @param expected the versions of the service being built
     * @param given the versions of the service it was given
     * @throws InvalidValueException naming {@code field} when the versions differ
     */
    public static void requireSame(String field, PolicyVersions expected, PolicyVersions given) {
        if (!expected.sameVersionsAs(given)) {
            throw new InvalidValueException(field, given.toString(), "is built over other policy versions than "
                    + expected + ": build every service over one PolicyVersions, e.g. ConsentService.policyVersions()");
        }
    }

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder(policyId()).append(" versions");
        for (Policy p : versions) {
            out.append(' ').append(p.version()).append(" from ").append(p.effectiveFrom());
        }
        return out.toString();
    }
}
