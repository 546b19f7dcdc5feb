package dev.consent.retention;

import dev.consent.internal.Checks;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.CategoryId;
import dev.consent.policy.PurposeId;

import java.util.Optional;

/**
 * One retained item: a category of one subject's data, optionally narrowed to the purpose it is held for
 * (an email address held for the newsletter can be due before the same address held for orders). The disposal
 * audit names an item only by its keyed {@link ReferenceKey#itemReference reference}.
 */
public record ItemKey(SubjectId subject, CategoryId category, Optional<PurposeId> purpose) implements Comparable<ItemKey> {

    public ItemKey {
        Checks.required("subject", subject);
        Checks.required("category", category);
        Checks.required("purpose", purpose);
    }

    public static ItemKey of(SubjectId subject, CategoryId category) {
        return new ItemKey(subject, category, Optional.empty());
    }

    public static ItemKey of(String subject, String category) {
        return of(SubjectId.of(subject), CategoryId.of(category));
    }

    public static ItemKey of(SubjectId subject, CategoryId category, PurposeId purpose) {
        return new ItemKey(subject, category, Optional.of(purpose));
    }

    /** The purpose as stored: empty string for "any purpose", so that keys sort and index simply. */
    public String purposeKey() {
        return purpose.map(PurposeId::value).orElse("");
    }

    @Override
    public int compareTo(ItemKey o) {
        int c = subject.compareTo(o.subject);
        if (c == 0) {
            c = category.compareTo(o.category);
        }
        return c != 0 ? c : purposeKey().compareTo(o.purposeKey());
    }

    @Override
    public String toString() {
        return category + purpose.map(p -> "/" + p).orElse("") + " of a subject";
    }
}
