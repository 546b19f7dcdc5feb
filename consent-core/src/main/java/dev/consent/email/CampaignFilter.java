package dev.consent.email;

import dev.consent.ConsentService;
import dev.consent.Decision;
import dev.consent.InvalidValueException;
import dev.consent.StoreException;
import dev.consent.internal.Checks;
import dev.consent.internal.ConsentFold;
import dev.consent.internal.Ledger;
import dev.consent.internal.StoreCalls;
import dev.consent.ledger.ChoiceFact;
import dev.consent.ledger.EventRef;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.Policy;
import dev.consent.policy.PurposeId;
import dev.consent.store.ConsentStore;
import dev.consent.store.EmailStore;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The audience filter of a marketing campaign, with its proof: decides each recipient's consent for the campaign's
 * purpose from the store (never a cache), leaves out every address on the {@linkplain Suppression suppression list}
 * (an erased address, or one whose owner asked never to be contacted, even when a consent was re-imported), and
 * records, per campaign, every included recipient with the decision it was included on ({@link CampaignRecipient}:
 * reason, legal basis, policy version, the deciding event and its consent version, the time), so that "was it
 * allowed when we sent it?" is answered per recipient later ({@link #recipient}); GDPR Art. 7(1) and 5(2).
 *
 * <p>Set-based: per chunk of {@link Builder#chunkSize} recipients, one read of the change-feed position, one read of
 * the decision facts, one read of the suppression list and one guarded write of the proof, none of them per
 * recipient. A recipient is included only once its proof is written: when the store fails, the exception says how
 * many were recorded, and those (and only those) may be mailed.
 *
 * <p>Checked, then recorded, as {@link dev.consent.processing.ProcessingLog#useAll} is: the proof is written only if
 * no consent change of the recipient reached the store's change feed since the decision was read ({@link
 * EmailStore#recordRecipients}); a recipient whose consent changed in between (a withdrawal, an objection, a linked
 * visitor's choice) is decided again from a new read, so a withdrawal that committed before the proof is never
 * missed. A withdrawal that commits after the guard's read is ordered after the proof, whose instant was taken before
 * the decision was read, and does not undo it (GDPR Art. 7(3): withdrawal is not retroactive): the proof answers "was
 * it allowed at {@link CampaignRecipient#at()}?", and the host sends once the filter returned. A mail sent later than
 * that is the host's to check again ({@link ConsentService#check}). Running a
 * campaign again (a retry) keeps the proof first recorded for a recipient and includes it again. Thread-safe.
 */
public final class CampaignFilter {
    /** How many times a chunk is decided again because its recipients' consents kept changing, before giving up. */
    private static final int MAX_ROUNDS = 10;

    private final ConsentService consents;
    private final ConsentStore ledger;
    private final EmailStore store;
    private final Suppression suppression;
    private final int chunkSize;

    private CampaignFilter(Builder b) {
        this.consents = b.consents;
        this.ledger = b.ledger;
        this.store = b.store;
        this.suppression = b.suppression;
        this.chunkSize = b.chunkSize;
    }

    /**
     * A builder that needs the consent service, its store and the suppression list.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Filters a campaign's recipients for {@code purpose} and records the proof of every one included.
     *
     * @param campaign the campaign's id, under which the proof is recorded
     * @param purpose the purpose the campaign is sent for
     * @param recipients the audience, each subject once
     * @return whom to mail, and who was left out and why
     * @throws dev.consent.UnknownPurposeException when the policy in force does not declare the purpose
     * @throws InvalidValueException when a subject appears twice
     * @throws StoreException when the store cannot be read or written; the message says how many recipients were
     *     recorded before (only those may be mailed)
     */
    public CampaignAudience filter(CampaignId campaign, PurposeId purpose, Collection<Recipient> recipients) {
        Checks.required("campaign", campaign);
        Checks.required("purpose", purpose);
        List<Recipient> all = List.copyOf(Checks.required("recipients", recipients));
        Set<SubjectId> seen = new HashSet<>(all.size() * 2);
        for (Recipient r : all) {
            if (!seen.add(Checks.required("recipients[]", r).subject())) {
                throw new InvalidValueException("recipients", r.subject(), "appears twice: a campaign mails each"
                        + " subject once and records one proof for it");
            }
        }
        consents.policyAt(consents.clock().instant()).purpose(purpose); // unknown purposes throw before any read
        List<Recipient> included = new ArrayList<>();
        Map<SubjectId, Decision> refused = new LinkedHashMap<>();
        List<SubjectId> suppressed = new ArrayList<>();
        for (int from = 0; from < all.size(); from += chunkSize) {
            List<Recipient> chunk = all.subList(from, Math.min(all.size(), from + chunkSize));
            try {
                chunk(campaign, purpose, chunk, included, refused, suppressed);
            } catch (StoreException e) {
                if (included.isEmpty()) {
                    throw e;
                }
                throw new StoreException("filterCampaign", "failed after " + included.size() + " recipients of "
                        + campaign + " were recorded (only those may be mailed): " + e.getMessage(), e);
            }
        }
        return new CampaignAudience(campaign, purpose, included, refused, suppressed);
    }

    private void chunk(CampaignId campaign, PurposeId purpose, List<Recipient> chunk, List<Recipient> included,
            Map<SubjectId, Decision> refused, List<SubjectId> suppressed) {
        List<EmailAddress> addresses = new ArrayList<>(chunk.size());
        chunk.forEach(r -> addresses.add(r.address()));
        // the list is read once per chunk: an entry added meanwhile is the same race as a send after the filter
        Set<EmailAddress> onList = suppression.suppressedAmong(addresses);
        List<Recipient> pending = chunk;
        for (int round = 1; !pending.isEmpty(); round++) {
            if (round > MAX_ROUNDS) {
                throw new StoreException("recordRecipients", "the consents of " + pending.size() + " recipients of "
                        + campaign + " kept changing between the decision and the proof; gave up after " + MAX_ROUNDS
                        + " decisions without recording them");
            }
            pending = decideAndRecord(campaign, purpose, pending, onList, included, refused, suppressed);
        }
    }

    /**
     * Decides {@code recipients} from the store and records the allowed ones' proof under the change-feed guard;
     * returns those whose consents changed since the read, to be decided again. The position is read first, then the
     * decisions: every change at or below it committed before the read.
     */
    private List<Recipient> decideAndRecord(CampaignId campaign, PurposeId purpose, List<Recipient> recipients,
            Set<EmailAddress> onList, List<Recipient> included, Map<SubjectId, Decision> refused,
            List<SubjectId> suppressed) {
        long position = StoreCalls.read("changeCursor", () -> ledger.changeCursor().position());
        Instant now = consents.clock().instant().truncatedTo(ChronoUnit.MICROS);
        Policy policy = consents.policyAt(now);
        List<SubjectId> subjects = new ArrayList<>(recipients.size());
        recipients.forEach(r -> subjects.add(r.subject()));
        Map<SubjectId, List<ChoiceFact>> facts = StoreCalls.read("decisionFacts", () -> ledger.decisionFacts(subjects));
        List<PurposeId> ids = new ArrayList<>();
        policy.purposes().forEach(p -> ids.add(p.id()));
        Ledger.PurposeTable table = Ledger.PurposeTable.of(ids);
        Map<SubjectId, CampaignRecipient> proofs = new LinkedHashMap<>();
        Map<SubjectId, Recipient> bySubject = new LinkedHashMap<>();
        for (Recipient r : recipients) {
            List<ChoiceFact> own = facts.getOrDefault(r.subject(), List.of());
            Decision d = ConsentFold.decide(Ledger.of(r.subject(), own, table), policy, purpose, now);
            if (!d.allowed()) {
                refused.put(r.subject(), d);
            } else if (onList.contains(r.address())) {
                suppressed.add(r.subject());
            } else {
                proofs.put(r.subject(), proof(campaign, r.subject(), d, own, now));
                bySubject.put(r.subject(), r);
            }
        }
        Set<SubjectId> changed = record(campaign, proofs, position);
        List<Recipient> again = new ArrayList<>(changed.size());
        bySubject.forEach((s, r) -> (changed.contains(s) ? again : included).add(r));
        return again;
    }

    /**
     * Writes the proofs guarded by the change feed at {@code position}; those recorded already for the campaign (a
     * retry) keep their first proof. Returns the subjects whose consents changed since {@code position}, whose proofs
     * were not written; every other proof is.
     */
    private Set<SubjectId> record(CampaignId campaign, Map<SubjectId, CampaignRecipient> proofs, long position) {
        List<CampaignRecipient> pending = new ArrayList<>(proofs.values());
        Set<SubjectId> changed = new HashSet<>();
        for (int attempt = 1; !pending.isEmpty(); attempt++) {
            if (attempt > 2 * MAX_ROUNDS) {
                throw new StoreException("recordRecipients", "the recipients of " + campaign + " kept being recorded"
                        + " by another writer; gave up after " + 2 * MAX_ROUNDS + " attempts");
            }
            EmailStore.RecipientWrite write = store.recordRecipients(pending, position);
            if (write.written()) {
                return changed;
            }
            int before = pending.size();
            if (write.changed()) {
                changed.addAll(write.changedSubjects());
                pending.removeIf(p -> write.changedSubjects().contains(p.subject()));
            } else {
                List<SubjectId> subjects = new ArrayList<>(pending.size());
                pending.forEach(p -> subjects.add(p.subject()));
                Set<SubjectId> recorded = StoreCalls.read("campaignRecipients",
                        () -> store.campaignRecipients(campaign, subjects)).keySet();
                pending.removeIf(p -> recorded.contains(p.subject()));
            }
            if (pending.size() == before && !write.changed()) {
                continue; // another writer's row came and went: try again
            }
            if (pending.size() == before) {
                throw new StoreException("recordRecipients", "the store refused the proof without naming a recipient"
                        + " of it; nothing was recorded for this chunk");
            }
        }
        return changed;
    }

    private static CampaignRecipient proof(CampaignId campaign, SubjectId subject, Decision d, List<ChoiceFact> facts,
            Instant now) {
        OptionalInt version = OptionalInt.empty();
        if (d.decidingEvent().isPresent()) {
            EventRef ref = d.decidingEvent().get();
            for (ChoiceFact f : facts) {
                if (f.sequence() == ref.sequence() && f.subject().equals(ref.subject())) {
                    version = OptionalInt.of(f.consentVersion());
                }
            }
            if (version.isEmpty()) {
                throw new StoreException("decisionFacts", "the decision rests on an event the facts read do not hold;"
                        + " nothing is recorded for this chunk");
            }
        }
        return new CampaignRecipient(campaign, subject, d.purpose(), d.basis(), d.reason(), d.policyVersion(), version,
                d.decidingEvent(), now);
    }

    /**
     * The proof recorded for {@code subject} in {@code campaign}: "was it allowed when we sent it?".
     *
     * @param campaign the campaign
     * @param subject the recipient
     * @return the decision it was included on; empty when it was not included (or was erased since)
     * @throws StoreException when the store cannot be read
     */
    public Optional<CampaignRecipient> recipient(CampaignId campaign, SubjectId subject) {
        Checks.required("campaign", campaign);
        Checks.required("subject", subject);
        return Optional.ofNullable(StoreCalls.read("campaignRecipients",
                () -> store.campaignRecipients(campaign, List.of(subject))).get(subject));
    }

    /** Configures a {@link CampaignFilter}; setters check their argument. */
    public static final class Builder {
        private ConsentService consents;
        private ConsentStore ledger;
        private EmailStore store;
        private Suppression suppression;
        private int chunkSize = 1_000;

        private Builder() {
        }

        /**
         * Required: the consent service whose policy versions decide.
         *
         * @param consents the service
         * @return this builder
         * @throws InvalidValueException when null
         */
        public Builder consents(ConsentService consents) {
            this.consents = Checks.required("consents", consents);
            return this;
        }

        /**
         * Required: the store holding the consent service's ledger, where the proof is recorded too.
         *
         * @param store the store ({@link dev.consent.store.InMemoryStore}, the JDBC store)
         * @param <S> a store of both kinds
         * @return this builder
         * @throws InvalidValueException when null
         */
        public <S extends ConsentStore & EmailStore> Builder store(S store) {
            this.ledger = Checks.required("store", store);
            this.store = store;
            return this;
        }

        /**
         * The ledger and the email store as two objects, which must be parts of one store (the change feed of {@code
         * ledger} guards the writes of {@code email}): for tests that observe or interpose on the writes.
         */
        Builder stores(ConsentStore ledger, EmailStore email) {
            this.ledger = Checks.required("ledger", ledger);
            this.store = Checks.required("email", email);
            return this;
        }

        /**
         * Required: the suppression list every address is checked against.
         *
         * @param suppression the list
         * @return this builder
         * @throws InvalidValueException when null
         */
        public Builder suppression(Suppression suppression) {
            this.suppression = Checks.required("suppression", suppression);
            return this;
        }

        /**
         * How many recipients are decided, looked up and recorded at once. Default 1,000.
         *
         * @param recipients 1 to {@value EmailStore#MAX_KEYS}
         * @return this builder
         * @throws InvalidValueException when out of range
         */
        public Builder chunkSize(int recipients) {
            if (recipients < 1 || recipients > EmailStore.MAX_KEYS) {
                throw new InvalidValueException("chunkSize", recipients, "must be between 1 and " + EmailStore.MAX_KEYS);
            }
            this.chunkSize = recipients;
            return this;
        }

        /**
         * Builds the filter.
         *
         * @return the filter
         * @throws InvalidValueException when the consents, the store or the suppression list is missing
         */
        public CampaignFilter build() {
            Checks.required("consents", consents);
            Checks.required("store", ledger);
            Checks.required("suppression", suppression);
            return new CampaignFilter(this);
        }
    }
}
