package dev.consent.email;

import dev.consent.ConsentService;
import dev.consent.Decision;
import dev.consent.InvalidValueException;
import dev.consent.Reason;
import dev.consent.internal.Checks;
import dev.consent.ledger.Capture;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ChoiceRecord;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.EventId;
import dev.consent.ledger.Evidence;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.Purpose;
import dev.consent.policy.PurposeId;

import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Double opt-in for a purpose that {@link Purpose#requiresConfirmation() requires confirmation}. In Germany a
 * marketing email consent is relied on once the address owner confirmed it: the advertiser must document each
 * consumer's consent completely (&sect; 7(2) no. 2 UWG, no. 3 before 28 May 2022), and once the address was confirmed
 * by double opt-in, a consumer who denies having sent the consent bears the burden of presenting that (BGH, 10 February
 * 2011, I ZR 164/09 "Double-opt-in-Verfahren", headnotes b) to e)). Whether the confirmation request is itself
 * advertising is disputed (OLG M&uuml;nchen, 27 September 2012, 29 U 1682/12, held so; OLG Celle, 2014, 13 U 15/14,
 * inclined against it for a request free of advertising): keep that mail free of any advertising.
 *
 * <p>Guarantees: {@link #request} records an ordinary grant, which a check answers {@code PENDING_CONFIRMATION} until
 * {@link #confirm} records a {@link Choice#CONFIRMED} event for it, and {@code NO_RECORD} once the purpose's
 * confirmation window runs out (nothing is written then). The token is bound to the subject, the purpose, the consent
 * version and the grant's event id, carries its expiry, is sealed (authenticated encryption: the link shows none of
 * them) and is opened with the key ring alone, without a store lookup ({@link EmailKeys}); it is single-use: the
 * confirmation's event id is derived from the grant's ({@link EventId#derive}), so a replay finds it
 * and writes nothing. A forged, altered, expired or superseded token writes nothing. The confirmation's evidence is
 * the time, the user agent and the IP (minimised by the service's {@link dev.consent.ledger.IpMinimizer}), with the
 * grant's event id and the SHA-256 of the token as reference; both steps are in {@code history}, {@code verify} and
 * the subject export. A token issued for an address ({@link #request(SubjectId, PurposeId, Capture, EmailAddress)})
 * takes that address off the {@linkplain Suppression suppression list} when, and only when, it confirms a pending
 * grant now (not on a replay, which could come from an old mail after a later "never contact me"). Thread-safe.
 */
public final class DoubleOptIn {
    private static final char KIND = 'c';
    private static final int FIELDS = 5;
    /** A token issued for an address carries a sixth field: the address's keyed hashes on the suppression list. */
    private static final int FIELDS_WITH_ADDRESS = 6;

    private final ConsentService consents;
    private final EmailKeys keys;
    /** Null when built without a suppression list. */
    private final Suppression suppression;

    /**
     * Double opt-in over a consent service, its grants confirmed within each purpose's confirmation window (German case
     * law on &sect; 7(2) UWG, BGH I ZR 164/09).
     *
     * @param consents the service the grants and confirmations are recorded with
     * @param keys the keys that sign and verify confirmation tokens
     * @throws InvalidValueException when an argument is null
     */
    public DoubleOptIn(ConsentService consents, EmailKeys keys) {
        this.consents = Checks.required("consents", consents);
        this.keys = Checks.required("keys", keys);
        this.suppression = null;
    }

    /**
     * Double opt-in that also takes a confirmed address off the suppression list: the only way an entry is removed,
     * since a confirmation proves that the address's owner opted in again ({@link #request(SubjectId, PurposeId,
     * Capture, EmailAddress)}).
     *
     * @param consents the service the grants and confirmations are recorded with
     * @param keys the keys that sign and verify confirmation tokens
     * @param suppression the list a confirmed address is taken off
     * @throws InvalidValueException when an argument is null
     */
    public DoubleOptIn(ConsentService consents, EmailKeys keys, Suppression suppression) {
        this.consents = Checks.required("consents", consents);
        this.keys = Checks.required("keys", keys);
        this.suppression = Checks.required("suppression", suppression);
    }

    /**
     * Records the subject's grant (pending until confirmed) and issues the token for the confirmation mail.
     *
     * @param subject who subscribes
     * @param purpose a purpose with a confirmation window
     * @param capture how and when the grant was given
     * @return the pending grant and its token
     * @throws dev.consent.UnknownPurposeException when the policy in force does not declare the purpose
     * @throws InvalidValueException when the purpose does not require confirmation, or as
     *     {@link ConsentService#grant} does
     */
    public OptInRequest request(SubjectId subject, PurposeId purpose, Capture capture) {
        Purpose p = consents.policy().purpose(Checks.required("purpose", purpose));
        if (!p.requiresConfirmation()) {
            throw new InvalidValueException("purpose", purpose, "does not require confirmation (no"
                    + " confirmationWindow in policy " + consents.policy().version() + "): grant it directly");
        }
        return tokenFor(consents.grant(subject, purpose, capture));
    }

    /**
     * Records the subject's grant (pending until confirmed) and issues the token for the confirmation mail sent to
     * {@code address}; the token carries the address's keyed hashes (never the address), so that its confirmation
     * takes the address off the suppression list: the owner's own confirmed opt-in (a fresh sign-up after an erasure
     * or a "never contact me" request). Nothing is taken off until the token is confirmed.
     *
     * @param subject who subscribes
     * @param purpose a purpose with a confirmation window
     * @param capture how and when the grant was given
     * @param address where the confirmation mail is sent
     * @return the pending grant and its token
     * @throws dev.consent.UnknownPurposeException when the policy in force does not declare the purpose
     * @throws InvalidValueException when this double opt-in was built without a suppression list, the purpose does
     *     not require confirmation, or as {@link ConsentService#grant} does
     */
    public OptInRequest request(SubjectId subject, PurposeId purpose, Capture capture, EmailAddress address) {
        requireSuppression();
        Checks.required("address", address);
        OptInRequest plain = request(subject, purpose, capture);
        return tokenFor(plain.grant(), address);
    }

    /**
     * As {@link #tokenFor(ConsentEvent)}, for the confirmation mail sent to {@code address} (see {@link
     * #request(SubjectId, PurposeId, Capture, EmailAddress)}).
     *
     * @param grant a stored grant
     * @param address where the confirmation mail is sent
     * @return the grant and its token
     * @throws InvalidValueException as {@link #tokenFor(ConsentEvent)}, or when built without a suppression list
     */
    public OptInRequest tokenFor(ConsentEvent grant, EmailAddress address) {
        requireSuppression();
        return token(grant, Optional.of(String.join(",", suppression.hashes(Checks.required("address", address)))));
    }

    private void requireSuppression() {
        if (suppression == null) {
            throw new InvalidValueException("suppression", null, "is required to bind a confirmation to an address:"
                    + " build the double opt-in with the suppression list");
        }
    }

    /**
     * A token for a grant already on record, e.g. to send the confirmation mail again; the same grant always gets a
     * token with the same fields and expiry.
     *
     * @param grant a stored grant
     * @return the grant and its token, expiring at the grant's occurred-at plus the purpose's window
     * @throws InvalidValueException when the event is not a grant, or its purpose does not require confirmation in the
     *     policy in force
     */
    public OptInRequest tokenFor(ConsentEvent grant) {
        return token(grant, Optional.empty());
    }

    private OptInRequest token(ConsentEvent grant, Optional<String> addressHashes) {
        Checks.required("grant", grant);
        if (grant.choice() != Choice.GRANTED) {
            throw new InvalidValueException("grant", grant.id(), "is a " + grant.choice() + " event, not a grant");
        }
        Purpose p = consents.policy().purpose(grant.purpose());
        if (!p.requiresConfirmation()) {
            throw new InvalidValueException("grant", grant.id(), "is for purpose " + grant.purpose()
                    + ", which does not require confirmation");
        }
        Instant expiresAt = grant.occurredAt().plus(p.confirmationWindow().get());
        List<String> fields = new ArrayList<>(List.of(grant.subject().value(), grant.purpose().value(),
                Integer.toString(grant.consentVersion()), grant.id().value(), expiresAt.toString()));
        addressHashes.ifPresent(fields::add);
        String token = EmailToken.issue(keys, KIND, fields);
        return new OptInRequest(grant, token, expiresAt);
    }

    /**
     * Confirms the grant a token names, with the evidence of the click (user agent and IP; the IP is minimised before
     * it is stored; a reference given is replaced by the grant's id and the token's hash). Never throws for a bad
     * token: it answers {@link Confirmation.Status#REFUSED} and writes nothing.
     *
     * @param token the token from the confirmation link; may be anything a client sent
     * @param evidence the click's evidence
     * @return what the confirmation did
     * @throws dev.consent.StoreException when the store cannot be read or written
     */
    public Confirmation confirm(String token, Evidence evidence) {
        Checks.required("evidence", evidence);
        Instant now = consents.clock().instant();
        EmailToken.Read read = EmailToken.read(keys, token, KIND, FIELDS, FIELDS_WITH_ADDRESS, now);
        if (read.fields().isEmpty()) {
            return refused(read.refusal());
        }
        List<String> f = read.fields().get();
        SubjectId subject;
        PurposeId purpose;
        int version;
        EventId grantId;
        Instant expiresAt;
        List<String> addressHashes = f.size() == FIELDS_WITH_ADDRESS ? List.of(f.get(5).split(",", -1)) : List.of();
        if (addressHashes.size() > SuppressionKeys.MAX_KEYS || !addressHashes.stream().allMatch(Checks::isSha256Hex)) {
            return refused("the token's address field does not parse");
        }
        if (!addressHashes.isEmpty() && suppression == null) {
            // fail closed: the address stays suppressed rather than the confirmation losing its proof half done
            return refused("the token is bound to an address, and this double opt-in has no suppression list");
        }
        try {
            subject = SubjectId.of(f.get(0));
            purpose = PurposeId.of(f.get(1));
            version = Integer.parseInt(f.get(2));
            grantId = EventId.of(f.get(3));
            expiresAt = Instant.parse(f.get(4));
        } catch (InvalidValueException | NumberFormatException | DateTimeException e) {
            return refused("the token's fields do not parse"); // signed by us, so only a key leaked could do this
        }
        EventId confirmationId = grantId.derive("confirmed");
        Optional<ConsentEvent> done = consents.event(confirmationId);
        if (done.isPresent()) {
            return new Confirmation(Confirmation.Status.ALREADY_CONFIRMED, done, "the grant was confirmed before");
        }
        if (!now.isBefore(expiresAt)) {
            return new Confirmation(Confirmation.Status.EXPIRED, Optional.empty(),
                    "the confirmation window ended at " + expiresAt);
        }
        Optional<ConsentEvent> grant = consents.event(grantId);
        if (grant.isEmpty() || grant.get().choice() != Choice.GRANTED || !grant.get().subject().equals(subject)
                || !grant.get().purpose().equals(purpose) || grant.get().consentVersion() != version) {
            return refused("the grant the token names is not on record as signed");
        }
        Optional<Purpose> p = consents.policy().findPurpose(purpose);
        if (p.isEmpty() || !p.get().requiresConfirmation()) {
            return refused("purpose " + purpose + " does not require confirmation in policy "
                    + consents.policy().version());
        }
        Decision now2 = consents.check(subject, purpose);
        boolean decidesNow = now2.decidingEvent().equals(Optional.of(grant.get().ref()));
        if (!decidesNow || now2.reason() != Reason.PENDING_CONFIRMATION) {
            if (decidesNow && now2.reason() == Reason.NO_RECORD) {
                return new Confirmation(Confirmation.Status.EXPIRED, Optional.empty(),
                        "the confirmation window of the grant has ended");
            }
            return new Confirmation(Confirmation.Status.SUPERSEDED, Optional.empty(),
                    "a later choice decides purpose " + purpose + " now (" + now2.reason() + ")");
        }
        if (!addressHashes.isEmpty()) {
            // the owner's own confirmed opt-in: the one way off the suppression list (released before the event is
            // recorded, so that a failure leaves a token that can still be confirmed, never a spent one)
            suppression.release(addressHashes);
        }
        String reference = "confirms " + grantId.value() + "; token sha256 " + EmailToken.hash(token);
        Evidence stored = new Evidence(evidence.noticeId(), evidence.noticeHash(), evidence.locale(),
                evidence.userAgent(), evidence.ip(), reference);
        Capture capture = Capture.by(Method.CONFIRMATION_LINK).withEvidence(stored).withEventId(confirmationId)
                .withConsentVersion(version);
        ConsentEvent confirmed = consents.record(List.of(new ChoiceRecord(subject, purpose, Choice.CONFIRMED, capture)))
                .get(0);
        return new Confirmation(Confirmation.Status.CONFIRMED, Optional.of(confirmed), "confirmed");
    }

    private static Confirmation refused(String why) {
        return new Confirmation(Confirmation.Status.REFUSED, Optional.empty(), why);
    }
}
