package dev.consent.recipients;

import dev.consent.InvalidValueException;
import dev.consent.internal.Checks;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.CategoryId;
import dev.consent.policy.PurposeId;
import dev.consent.policy.Recipient;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;

/**
 * One entry of the recipients' outbox as it is written: tell {@code recipientId} that {@code action} was carried
 * out for {@code subject}'s data of {@code categories}, held for {@code purposes}. It is written in the same atomic
 * store call as the change that caused it (the consent events of a withdrawal or restriction, the rights request's
 * state change of an erasure or rectification), so a change is never stored without its notices, nor a notice
 * without its change (GDPR Art. 19: "shall communicate ... to each recipient").
 *
 * <p>The id is derived from what caused the notice and the recipient (SHA-256), so writing the same cause twice
 * names the same notice; it is also the idempotency key the {@link RecipientNotifier} is given.
 *
 * @param id            64 lower-case hex digits, see {@link #idOf}
 * @param subject       whose data it concerns: the notifier needs it to tell the recipient whom to act on; it is never
 *                      written to the delivery audit or to logs
 * @param recipientName the recipient's name as the policy gave it when the notice was written (for the request's
 *                      history: "told PayCo Europe at ...")
 * @param requestId     the rights request that caused it, if any (its history lists the delivery)
 * @param occurredAt    when the change was made
 * @param recordedAt    when the notice was written
 */
public record RecipientNotice(String id, SubjectId subject, String recipientId, String recipientName,
        Recipient.Role role, NoticeAction action, SortedSet<PurposeId> purposes, SortedSet<CategoryId> categories,
        Optional<String> requestId, Instant occurredAt, Instant recordedAt) {

    /**
     * Checks the notice; it must name at least one category.
     *
     * @param id 64 lower-case hex digits, see {@link #idOf}
     * @param subject whose data it concerns
     * @param recipientId the recipient's id in the policy
     * @param recipientName the recipient's name, at most 300 characters
     * @param role the recipient's role (processor, controller, ...)
     * @param action what was carried out
     * @param purposes the purposes the data was held for
     * @param categories the data categories, at least one
     * @param requestId the rights request that caused it, at most 100 characters
     * @param occurredAt when the change was made
     * @param recordedAt when the notice was written
     * @throws InvalidValueException (field {@code notice.<name>}) naming the field that breaks its rule
     */
    public RecipientNotice {
        if (id == null || id.length() != 64 || !Checks.isSha256Hex(id)) {
            throw new InvalidValueException("notice.id", id, "must be 64 lower-case hex digits (RecipientNotice.idOf)");
        }
        Checks.required("notice.subject", subject);
        Checks.dottedId("notice.recipientId", recipientId, 100);
        Checks.text("notice.recipientName", recipientName, 300);
        Checks.required("notice.role", role);
        Checks.required("notice.action", action);
        purposes = Checks.sortedSet("notice.purposes", purposes);
        categories = Checks.sortedSet("notice.categories", categories);
        if (categories.isEmpty()) {
            throw new InvalidValueException("notice.categories", categories, "must name at least one category");
        }
        Checks.required("notice.requestId", requestId).ifPresent(r -> Checks.text("notice.requestId", r, 100));
        Checks.required("notice.occurredAt", occurredAt);
        Checks.required("notice.recordedAt", recordedAt);
    }

    /**
     * The id of the notice to {@code recipientId} of {@code action}, caused by {@code causes} (the event ids of the
     * change, or the rights request's id): SHA-256 over them, in hex. Deterministic, so that writing the same cause
     * again yields the same id.
     *
     * @param action what was carried out
     * @param recipientId the recipient's id
     * @param causes the event ids of the change, or the rights request's id, in a fixed order
     * @return 64 lower-case hex digits
     */
    public static String idOf(NoticeAction action, String recipientId, List<String> causes) {
        StringBuilder b = new StringBuilder(action.name()).append('\n').append(recipientId);
        for (String c : causes) {
            b.append('\n').append(c);
        }
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(b.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }

    /**
     * What the notice says, without the subject: "ERASURE of transaction.record (orders)".
     *
     * @return the action, the categories and, in brackets, the purposes
     */
    public String describe() {
        StringBuilder b = new StringBuilder(action.name()).append(" of ");
        b.append(String.join(", ", categories.stream().map(CategoryId::value).toList()));
        if (!purposes.isEmpty()) {
            b.append(" (").append(String.join(", ", purposes.stream().map(PurposeId::value).toList())).append(')');
        }
        return b.toString();
    }

    @Override
    public String toString() {
        // the subject is personal data: never in a string that may reach a log
        return "RecipientNotice[" + id + ", " + recipientId + ", " + describe() + "]";
    }
}
