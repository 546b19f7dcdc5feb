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

    /** The end of a hold: who ended it, why and when. */
    public record Release(String releasedBy, String reason, Instant releasedAt) {
        public Release {
            Checks.text("hold.releasedBy", releasedBy, 200);
            Checks.text("hold.releaseReason", reason, 1000);
            Checks.required("hold.releasedAt", releasedAt);
        }
    }

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

    /** Whether the hold keeps {@code item} at {@code at}. */
    public boolean covers(ItemKey item, Instant at) {
        return subject.equals(item.subject()) && (categories.isEmpty() || categories.contains(item.category()))
                && !placedAt.isAfter(at) && release.map(r -> r.releasedAt().isAfter(at)).orElse(true);
    }

    public LegalHold released(Release r) {
        return new LegalHold(id, subject, categories, reason, placedBy, placedAt, Optional.of(r));
    }
}
