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

    /**
     * @param subject whose data it is
     * @param category the category of the data, declared by the policy
     * @param purpose the purpose the data is held for; empty for any purpose
     * @throws dev.consent.InvalidValueException when a component is null
     */
    public ItemKey {
        Checks.required("subject", subject);
        Checks.required("category", category);
        Checks.required("purpose", purpose);
    }

    /**
     * The subject's data of a category, whatever purpose it is held for.
     *
     * @param subject whose data it is
     * @param category the category
     * @return the key, with no purpose
     */
    public static ItemKey of(SubjectId subject, CategoryId category) {
        return new ItemKey(subject, category, Optional.empty());
    }

    /**
     * {@link #of(SubjectId, CategoryId)} from the ids' strings.
     *
     * @param subject a subject id
     * @param category a category id of the policy
     * @return the key, with no purpose
     * @throws dev.consent.InvalidValueException when an id is not valid
     */
    public static ItemKey of(String subject, String category) {
        return of(SubjectId.of(subject), CategoryId.of(category));
    }

    /**
     * The subject's data of a category held for one purpose.
     *
     * @param subject whose data it is
     * @param category the category
     * @param purpose the purpose it is held for
     * @return the key
     * @throws dev.consent.InvalidValueException when {@code purpose} is null
     */
    public static ItemKey of(SubjectId subject, CategoryId category, PurposeId purpose) {
        return new ItemKey(subject, category, Optional.of(purpose));
    }

    /**
     * The purpose as stored: empty string for "any purpose", so that keys sort and index simply.
     *
     * @return the purpose id, or the empty string when the key has no purpose
     */
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
