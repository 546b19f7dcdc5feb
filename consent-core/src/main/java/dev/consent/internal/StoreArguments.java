package dev.consent.internal;

import dev.consent.InvalidValueException;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.PurposeId;
import dev.consent.recipients.OutboxBacklog;
import dev.consent.store.Claim;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The argument checks of the store SPI that every store makes alike (the in-memory stores and the JDBC store), so that
 * a caller meets the same {@link InvalidValueException} (field, value, rule) whichever store it runs on. Each check
 * runs before the store reads or writes anything.
 */
public final class StoreArguments {
    private StoreArguments() {
    }

    /**
     * A page size.
     *
     * @throws InvalidValueException (field {@code limit}) unless it is 1 or more
     */
    public static int limit(int limit) {
        if (limit < 1) {
            throw new InvalidValueException("limit", limit, "must be 1 or more");
        }
        return limit;
    }

    /**
     * The most pending notices an outbox backlog counts.
     *
     * @throws InvalidValueException (field {@code limit}) unless it is 1 to {@link OutboxBacklog#MAX_COUNT}
     */
    public static int backlogLimit(int limit) {
        if (limit < 1 || limit > OutboxBacklog.MAX_COUNT) {
            throw new InvalidValueException("limit", limit, "must be between 1 and " + OutboxBacklog.MAX_COUNT);
        }
        return limit;
    }

    /**
     * A sweeper's lease.
     *
     * @throws InvalidValueException (field {@code lease}) unless it is a positive duration
     */
    public static Duration lease(Duration lease) {
        if (lease == null || lease.isNegative() || lease.isZero()) {
            throw new InvalidValueException("lease", lease, "must be a positive duration");
        }
        return lease;
    }

    /**
     * Claims handed back to be renewed or released: the list, each claim and its item required, each token the
     * non-blank text of at most 36 characters a store hands out.
     *
     * @throws InvalidValueException naming {@code claims}, {@code claim}, {@code claim.item} or {@code claim.token}
     */
    public static List<Claim> claims(List<Claim> claims) {
        Checks.required("claims", claims);
        for (Claim k : claims) {
            Checks.required("claim", k);
            Checks.required("claim.item", k.item());
            Checks.text("claim.token", k.token(), 36);
        }
        return claims;
    }

    /**
     * The purposes a decision read is narrowed to: at least one, none null.
     *
     * @throws InvalidValueException naming {@code purposes} when the set is null or empty, {@code purpose} when one is
     *     null
     */
    public static Set<PurposeId> purposes(Set<PurposeId> purposes) {
        Checks.required("purposes", purposes);
        if (purposes.isEmpty()) {
            throw new InvalidValueException("purposes", purposes, "must name at least one purpose");
        }
        for (PurposeId p : purposes) {
            Checks.required("purpose", p);
        }
        return purposes;
    }

    /**
     * An empty, mutable list per subject, in the order given (a subject named twice once), to collect what is stored
     * for each.
     *
     * @throws InvalidValueException naming {@code subjects} when the collection is null, {@code subject} when one is
     */
    public static <T> Map<SubjectId, List<T>> perSubject(Collection<SubjectId> subjects) {
        Checks.required("subjects", subjects);
        Map<SubjectId, List<T>> out = new LinkedHashMap<>();
        for (SubjectId s : subjects) {
            out.put(Checks.required("subject", s), new ArrayList<>());
        }
        return out;
    }

    /**
     * The distinct elements of a collection in first-seen order, as the set-based reads take them.
     *
     * @throws InvalidValueException (field {@code field}, or {@code field[]} for an element) when the collection or
     *         one of its elements is null
     */
    public static <T> List<T> distinct(String field, Collection<T> values) {
        Checks.required(field, values);
        Set<T> out = new java.util.LinkedHashSet<>();
        for (T v : values) {
            out.add(Checks.required(field + "[]", v));
        }
        return new ArrayList<>(out);
    }
}
