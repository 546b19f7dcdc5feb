package dev.consent.ledger;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Optional;

/**
 * The tamper-evident hash chain of a subject's consent events.
 *
 * <p>Each event's hash is SHA-256 over a canonical encoding of every field, including its sequence
 * and the previous event's hash (the first event follows {@link #GENESIS}). The encoding is version
 * tagged and length-prefixed ({@code <utf-8 byte length>:<bytes>}, {@code -} for absent), so no two
 * different events encode alike whatever their strings contain. Changing any stored field, deleting or
 * reordering an event makes {@link #verify} report the first broken link.
 */
public final class ConsentChain {
    /** The "previous hash" of a subject's first event. */
    public static final String GENESIS = "0".repeat(64);
    private static final String ENCODING_VERSION = "consent-event-v1";

    private ConsentChain() {
    }

    /**
     * The hash of {@code e} placed at {@code sequence} after {@code previousHash}: SHA-256 over a versioned,
     * length-prefixed encoding of every field, so that changing any field, the order or the link changes it.
     *
     * @param e the event's content
     * @param sequence its position in its subject's chain
     * @param previousHash the hash of the event before it, {@link #GENESIS} for the first
     * @return 64 lower-case hex digits
     */
    public static String hash(NewConsentEvent e, long sequence, String previousHash) {
        return encodeAndHash(e.subject(), sequence, e.id(), e.purpose(), e.consentVersion(), e.policyVersion(),
                e.choice(), e.occurredAt(), e.recordedAt(), e.expiresAt(), e.method(), e.actor(), e.declaredAge(),
                e.evidence(), previousHash);
    }

    /**
     * Recomputes the hash of a stored event from its fields as stored. Works on any field values, even
     * ones no valid event could have, because its job is to judge rows that may have been tampered with.
     *
     * @param e a stored event
     * @return the hash its fields give; equal to {@code e.hash()} unless the row was changed
     */
    public static String recompute(ConsentEvent e) {
        return encodeAndHash(e.subject(), e.sequence(), e.id(), e.purpose(), e.consentVersion(), e.policyVersion(),
                e.choice(), e.occurredAt(), e.recordedAt(), e.expiresAt(), e.method(), e.actor(), e.declaredAge(),
                e.evidence(), e.previousHash());
    }

    private static String encodeAndHash(SubjectId subject, long sequence, EventId id,
            dev.consent.policy.PurposeId purpose, int consentVersion, String policyVersion, Choice choice,
            Instant occurredAt, Instant recordedAt, Optional<Instant> expiresAt, Method method, Actor actor,
            java.util.OptionalInt declaredAge, Evidence ev, String previousHash) {
        StringBuilder b = new StringBuilder(512);
        field(b, ENCODING_VERSION);
        field(b, subject.value());
        field(b, Long.toString(sequence));
        field(b, id.value());
        field(b, purpose.value());
        field(b, Integer.toString(consentVersion));
        field(b, policyVersion);
        field(b, choice.name());
        field(b, instant(occurredAt));
        field(b, instant(recordedAt));
        field(b, expiresAt.map(ConsentChain::instant).orElse(null));
        field(b, method.name());
        field(b, actor.name());
        field(b, declaredAge.isPresent() ? Integer.toString(declaredAge.getAsInt()) : null);
        field(b, ev.noticeId());
        field(b, ev.noticeHash());
        field(b, ev.locale());
        field(b, ev.userAgent());
        field(b, ev.ip());
        field(b, ev.reference());
        field(b, previousHash);
        return sha256(b.toString());
    }

    /**
     * Checks a subject's events, read in sequence order, against each other and against the chain head the
     * store recorded. Reports the first broken link.
     *
     * @param subject the subject whose chain is checked
     * @param inSequenceOrder the subject's events from sequence 1 on
     * @param head the head the store holds for the subject, empty if it holds none
     * @return intact, or the first broken link and what is wrong with it
     */
    public static ChainVerification verify(SubjectId subject, Iterator<ConsentEvent> inSequenceOrder,
            Optional<ChainHead> head) {
        return verify(subject, inSequenceOrder, head, Optional.empty(), null);
    }

    /**
     * As {@link #verify(SubjectId, Iterator, Optional)} for a chain whose prefix was pruned: the events continue
     * from {@code checkpoint}, whose signature must verify under {@code checkpointKey}.
     *
     * @param subject the subject whose chain is checked
     * @param inSequenceOrder the subject's events from the first one after the checkpoint (from 1 without one)
     * @param head the head the store holds for the subject, empty if it holds none
     * @param checkpoint the checkpoint that stands for the pruned prefix, if any
     * @param checkpointKey the shop's checkpoint key; without it a checkpoint cannot be trusted and the chain is
     *        reported broken
     * @return intact, or the first broken link and what is wrong with it
     */
    public static ChainVerification verify(SubjectId subject, Iterator<ConsentEvent> inSequenceOrder,
            Optional<ChainHead> head, Optional<ChainCheckpoint> checkpoint, byte[] checkpointKey) {
        long expected = 1;
        String previous = GENESIS;
        long checked = 0;
        if (checkpoint.isPresent()) {
            ChainCheckpoint cp = checkpoint.get();
            if (checkpointKey == null) {
                return ChainVerification.broken(subject, 0, cp.sequence(),
                        "is a pruning checkpoint that cannot be authenticated: no checkpoint key is configured");
            }
            if (!cp.subject().equals(subject) || !cp.verifies(checkpointKey)) {
                return ChainVerification.broken(subject, 0, cp.sequence(),
                        "is a pruning checkpoint whose signature does not verify");
            }
            expected = cp.sequence() + 1;
            previous = cp.hash();
        }
        while (inSequenceOrder.hasNext()) {
            ConsentEvent e = inSequenceOrder.next();
            if (!e.subject().equals(subject)) {
                return ChainVerification.broken(subject, checked, e.sequence(), "belongs to another subject");
            }
            if (e.sequence() != expected) {
                return ChainVerification.broken(subject, checked, expected,
                        e.sequence() > expected ? "is missing (the next stored event is #" + e.sequence() + ")"
                                : "appears twice or out of order");
            }
            if (!recompute(e).equals(e.hash())) {
                return ChainVerification.broken(subject, checked, e.sequence(),
                        "does not match its hash: a field was changed after it was recorded");
            }
            if (!e.previousHash().equals(previous)) {
                return ChainVerification.broken(subject, checked, e.sequence(),
                        "does not link to the event before it");
            }
            previous = e.hash();
            expected++;
            checked++;
        }
        long last = expected - 1;
        if (head.isPresent()) {
            ChainHead h = head.get();
            if (h.sequence() != last) {
                return ChainVerification.broken(subject, checked, last + 1,
                        "is missing: the chain head records #" + h.sequence() + " but the events end at #" + last);
            }
            if (!h.hash().equals(previous)) {
                return ChainVerification.broken(subject, checked, last, "does not match the hash the chain head records");
            }
        } else if (last > 0 || checkpoint.isPresent()) {
            return ChainVerification.broken(subject, checked, last, "has no chain head recorded");
        }
        return ChainVerification.intact(subject, checked);
    }

    private static void field(StringBuilder b, String value) {
        if (value == null) {
            b.append('-');
        } else {
            b.append(value.getBytes(StandardCharsets.UTF_8).length).append(':').append(value);
        }
        b.append('\n');
    }

    private static String instant(Instant t) {
        return t.toString();
    }

    static String sha256(String s) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(md.digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }
}
