package dev.consent.retention;

import dev.consent.internal.Checks;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.CategoryId;
import dev.consent.policy.PurposeId;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * One retained item: a category of one subject's data, optionally narrowed to the purpose it is held for
 * (an email address held for the newsletter can be due before the same address held for orders).
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

    /**
     * A pseudonymous reference for audit entries: SHA-256 over subject, category and purpose. It lets an
     * auditor match entries to an item whose id they already know, without the audit naming the subject.
     */
    public String reference() {
        return sha256(subject.value() + "\n" + category.value() + "\n" + purposeKey());
    }

    /** SHA-256 of a subject id, as tombstones keep it. */
    public static String subjectReference(SubjectId subject) {
        return sha256("subject\n" + subject.value());
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
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
