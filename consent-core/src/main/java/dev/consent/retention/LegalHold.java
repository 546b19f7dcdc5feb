package dev.consent.retention;

import dev.consent.internal.Checks;
import dev.consent.InvalidValueException;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.CategoryId;

import java.time.Instant;
import java.util.Optional;
import java.util.Set;

/**
 * A legal hold: while it is in force, none of the subject's data in its categories (all categories when
 * empty) is disposed of, whatever the rules or an erasure request say (litigation, an authority's order;
 * GDPR Art. 17(3)(e)). Placed and released with who and why; never deleted, so the audit shows every hold
 * there ever was.
 */
public record LegalHold(String id, SubjectId subject, Set<CategoryId> categories, String reason, String placedBy,
        Instant placedAt, Optional<Release> release) {

    /**
     * The end of a hold: who ended it, why and when.
     *
     * @param releasedBy who released the hold, at most 200 characters
     * @param reason why, at most 1000 characters
     * @param releasedAt when; not before the hold was placed
     */
    public record Release(String releasedBy, String reason, Instant releasedAt) {
        /**
         * @param releasedBy who released the hold, at most 200 characters
         * @param reason why, at most 1000 characters
         * @param releasedAt when; not before the hold was placed
         * @throws InvalidValueException when a component is null, blank or too long
         */
        public Release {
            Checks.text("hold.releasedBy", releasedBy, 200);
            Checks.text("hold.releaseReason", reason, 1000);
            Checks.required("hold.releasedAt", releasedAt);
        }
    }

    /**
     * @param id the hold's id, at most 100 characters
     * @param subject whose data is held
     * @param categories the held categories; empty holds every category of the subject
     * @param reason why it was placed, at most 1000 characters
     * @param placedBy who placed it, at most 200 characters
     * @param placedAt when it was placed
     * @param release who released it, why and when; empty while it is in force
     * @throws InvalidValueException when a component is null, a text is blank or too long, or the release is before
     *     {@code placedAt}
     */
    public LegalHold {
        Checks.text("hold.id", id, 100);
        Checks.required("hold.subject", subject);
        categories = Checks.sortedSet("hold.categories", categories);
        Checks.text("hold.reason", reason, 1000);
        Checks.text("hold.placedBy", placedBy, 200);
        Checks.required("hold.placedAt", placedAt);
        Checks.required("hold.release", release);
        if (release.isPresent() && release.get().releasedAt().isBefore(placedAt)) {
            throw new InvalidValueException("hold.releasedAt", release.get().releasedAt(),
                    "must not be before the hold was placed at " + placedAt);
        }
    }

    /**
     * Whether the hold keeps {@code item} at {@code at}.
     *
     * @param item the item judged
     * @param at the instant judged
     * @return true when the item is the subject's, of a held category (or the hold has none), and the hold was placed
     *     at or before {@code at} and not released by then
     */
    public boolean covers(ItemKey item, Instant at) {
        return subject.equals(item.subject()) && (categories.isEmpty() || categories.contains(item.category()))
                && !placedAt.isAfter(at) && release.map(r -> r.releasedAt().isAfter(at)).orElse(true);
    }

    /**
     * The same hold, released.
     *
     * @param r who released it, why and when
     * @return the released hold
     * @throws InvalidValueException when the release is before the hold was placed
     */
    public LegalHold released(Release r) {
        return new LegalHold(id, subject, categories, reason, placedBy, placedAt, Optional.of(r));
    }
}
