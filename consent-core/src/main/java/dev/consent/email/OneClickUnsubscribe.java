package dev.consent.email;

import dev.consent.ConsentService;
import dev.consent.Decision;
import dev.consent.InvalidValueException;
import dev.consent.Reason;
import dev.consent.internal.Checks;
import dev.consent.ledger.Capture;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.EventId;
import dev.consent.ledger.Evidence;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.Purpose;
import dev.consent.policy.PurposeId;

import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * One-click unsubscribe (RFC 8058; the {@code List-Unsubscribe} header of RFC 2369), as Gmail and Yahoo require of
 * bulk senders since February 2024, honoured at once (they require within two days). {@link #link} issues, per
 * recipient and purpose, an HTTPS URL with a sealed token (its subject and purpose are not readable from it) and
 * the two header values; {@link #handle} is the framework-neutral
 * handler of the POST a mail provider sends to that URL (token in, outcome out: no cookies, no login, RFC 8058
 * section 3.2), which any web framework can mount.
 *
 * <p>Guarantees: a valid token records one withdrawal of the purpose (and so of the purposes beneath it) with method
 * {@link Method#UNSUBSCRIBE_LINK} and the SHA-256 of the token as evidence reference, the request's user agent and
 * minimised IP as the rest; a replay, or a purpose already withdrawn or denied, writes nothing; two requests at once
 * write one event (its id is derived from the token's hash and the grant it withdraws). A forged, altered, other-kind
 * token, one under a key the ring does not hold, or one for a purpose the policy in force
 * does not declare, is refused and writes nothing. A token of a subject the host's erasure knowledge (e.g.
 * {@link dev.consent.retention.RetentionService#wasErased}) reports erased is answered as done and writes nothing, so
 * an erasure is not undone. Tokens do not expire, and a retired key keeps verifying them beyond the ring's grace (which
 * bounds confirmation tokens only): a link in an old mail keeps working as long as the ring holds its key, since
 * refusing a genuine unsubscribe would keep sending marketing to someone who asked to stop.
 * Thread-safe.
 */
public final class OneClickUnsubscribe {
    private static final char KIND = 'u';
    private static final int FIELDS = 2;

    private final ConsentService consents;
    private final EmailKeys keys;
    private final URI base;
    private final Predicate<SubjectId> erased;

    /**
     * @param base   the host's HTTPS endpoint that passes the {@code token} query parameter of a POST to
     *               {@link #handle} (RFC 8058 section 3.1: the URI must be HTTPS); may carry a query of its own
     * @param erased whether a subject was erased (e.g. {@code retentionService::wasErased}); consulted before anything
     *               is written
     * @param consents the service the withdrawals are recorded with
     * @param keys the keys that sign and verify unsubscribe tokens
     * @throws InvalidValueException when {@code base} is not an absolute https URI without a fragment
     */
    public OneClickUnsubscribe(ConsentService consents, EmailKeys keys, URI base, Predicate<SubjectId> erased) {
        this.consents = Checks.required("consents", consents);
        this.keys = Checks.required("keys", keys);
        Checks.required("base", base);
        if (!"https".equalsIgnoreCase(base.getScheme()) || base.getHost() == null || base.getFragment() != null) {
            throw new InvalidValueException("base", base, "must be an absolute https URI without a fragment"
                    + " (RFC 8058 section 3.1)");
        }
        this.base = base;
        this.erased = Checks.required("erased", erased);
    }

    /**
     * The unsubscribe URL and headers for one recipient's mails about one purpose.
     *
     * @param subject the recipient
     * @param purpose the purpose the mails are sent for
     * @return the link and header values; its token does not expire and verifies as long as its key does
     * @throws dev.consent.UnknownPurposeException when the policy in force does not declare the purpose
     * @throws InvalidValueException when the purpose is not on consent (there is nothing to withdraw)
     */
    public UnsubscribeLink link(SubjectId subject, PurposeId purpose) {
        Checks.required("subject", subject);
        Purpose p = consents.policy().purpose(Checks.required("purpose", purpose));
        if (!p.needsConsent()) {
            throw new InvalidValueException("purpose", purpose, "rests on " + p.basis()
                    + ", not consent: there is no consent to withdraw by unsubscribing");
        }
        String token = EmailToken.issue(keys, KIND, List.of(subject.value(), purpose.value()));
        String b = base.toString();
        URI url = URI.create(b + (base.getRawQuery() == null ? "?" : "&") + "token=" + token);
        return new UnsubscribeLink(url, "<" + url + ">", UnsubscribeLink.ONE_CLICK);
    }

    /**
     * Handles a one-click unsubscribe: the {@code token} query parameter of the POST, and the request's user agent and
     * IP as evidence (the IP is minimised before it is stored; a reference given is replaced by the token's hash).
     * Never throws for a bad token: it answers {@link Unsubscription.Status#REFUSED} and writes nothing.
     *
     * @param token the token from the link; may be anything a client sent
     * @param evidence the request's evidence
     * @return what the request did
     * @throws dev.consent.StoreException when the store cannot be read or written
     */
    public Unsubscription handle(String token, Evidence evidence) {
        Checks.required("evidence", evidence);
        Instant now = consents.clock().instant();
        EmailToken.Read read = EmailToken.read(keys, token, KIND, FIELDS, now);
        if (read.fields().isEmpty()) {
            return refused(read.refusal());
        }
        SubjectId subject;
        PurposeId purpose;
        try {
            subject = SubjectId.of(read.fields().get().get(0));
            purpose = PurposeId.of(read.fields().get().get(1));
        } catch (InvalidValueException e) {
            return refused("the token's fields do not parse");
        }
        if (erased.test(subject)) {
            return new Unsubscription(Unsubscription.Status.SUBJECT_ERASED, Optional.empty(),
                    "the subject was erased; nothing is recorded for it");
        }
        if (consents.policy().findPurpose(purpose).isEmpty()) {
            return refused("purpose " + purpose + " is not declared by policy " + consents.policy().version());
        }
        Decision d = consents.check(subject, purpose);
        if (d.reason() == Reason.WITHDRAWN || d.reason() == Reason.DENIED) {
            return new Unsubscription(Unsubscription.Status.ALREADY_UNSUBSCRIBED, Optional.empty(),
                    "purpose " + purpose + " is already " + d.reason());
        }
        String hash = EmailToken.hash(token);
        EventId id = EventId.of("unsubscribe-" + hash.substring(0, 32))
                .derive(d.decidingEvent().map(r -> r.subject().value() + "#" + r.sequence()).orElse("none"));
        Evidence stored = new Evidence(evidence.noticeId(), evidence.noticeHash(), evidence.locale(),
                evidence.userAgent(), evidence.ip(), "one-click unsubscribe (RFC 8058); token sha256 " + hash);
        ConsentEvent withdrawn = consents.withdraw(subject, purpose,
                Capture.by(Method.UNSUBSCRIBE_LINK).withEvidence(stored).withEventId(id));
        return new Unsubscription(Unsubscription.Status.UNSUBSCRIBED, Optional.of(withdrawn), "withdrawn");
    }

    private static Unsubscription refused(String why) {
        return new Unsubscription(Unsubscription.Status.REFUSED, Optional.empty(), why);
    }
}
