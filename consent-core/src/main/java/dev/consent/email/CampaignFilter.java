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
 * <p>Set-based: per chunk of {@link Builder#chunkSize} recipients, one read of the decision facts, one read of the
 * suppression list and one write of the proof. A recipient is included only once its proof is written: when the
 * store fails, the exception says how many were recorded, and those (and only those) may be mailed. Running a
 * campaign again (a retry) keeps the proof first recorded for a recipient and includes it again. Thread-safe.
 */
public final class CampaignFilter {
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
        Instant now = consents.clock().instant().truncatedTo(ChronoUnit.MICROS);
        Policy policy = consents.policyAt(now);
        List<SubjectId> subjects = new ArrayList<>(chunk.size());
        List<EmailAddress> addresses = new ArrayList<>(chunk.size());
        chunk.forEach(r -> {
            subjects.add(r.subject());
            addresses.add(r.address());
        });
        Map<SubjectId, List<ChoiceFact>> facts = StoreCalls.read("decisionFacts", () -> ledger.decisionFacts(subjects));
        Set<EmailAddress> onList = suppression.suppressedAmong(addresses);
        List<PurposeId> ids = new ArrayList<>();
        policy.purposes().forEach(p -> ids.add(p.id()));
        Ledger.PurposeTable table = Ledger.PurposeTable.of(ids);
        Map<SubjectId, CampaignRecipient> proofs = new LinkedHashMap<>();
        Map<SubjectId, Recipient> bySubject = new LinkedHashMap<>();
        for (Recipient r : chunk) {
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
        record(campaign, proofs);
        included.addAll(bySubject.values());
    }

    /** Writes the proofs; those recorded already for the campaign (a retry) keep their first proof. */
    private void record(CampaignId campaign, Map<SubjectId, CampaignRecipient> proofs) {
        List<CampaignRecipient> pending = new ArrayList<>(proofs.values());
        for (int round = 1; !pending.isEmpty(); round++) {
            if (store.recordRecipients(pending)) {
                return;
            }
            if (round == MAX_ROUNDS) {
                throw new StoreException("recordRecipients", "the recipients of " + campaign + " kept being recorded"
                        + " by another writer; gave up after " + MAX_ROUNDS + " attempts");
            }
            List<SubjectId> subjects = new ArrayList<>(pending.size());
            pending.forEach(p -> subjects.add(p.subject()));
            Set<SubjectId> recorded = StoreCalls.read("campaignRecipients",
                    () -> store.campaignRecipients(campaign, subjects)).keySet();
            pending.removeIf(p -> recorded.contains(p.subject()));
        }
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
