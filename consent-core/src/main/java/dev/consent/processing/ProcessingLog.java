package dev.consent.processing;

import dev.consent.ConsentService;
import dev.consent.Decision;
import dev.consent.InvalidValueException;
import dev.consent.ProcessingRefusedException;
import dev.consent.StoreException;
import dev.consent.internal.Checks;
import dev.consent.internal.ConsentFold;
import dev.consent.internal.Ledger;
import dev.consent.internal.StoreCalls;
import dev.consent.ledger.ChoiceFact;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.CategoryId;
import dev.consent.policy.Policy;
import dev.consent.policy.PolicyVersions;
import dev.consent.policy.Purpose;
import dev.consent.policy.PurposeId;
import dev.consent.retention.RetentionService;
import dev.consent.store.ProcessingStore;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * The processing log: every use of a subject's data, checked against the subject's consents and the policy before
 * it is recorded, and recorded only when allowed. Seed 002: "All internal data usage activities are systematically
 * logged, ensuring full traceability and accountability throughout the information lifecycle"; GDPR Art. 30 (records
 * of processing activities) and Art. 5(2) (the controller can demonstrate compliance).
 *
 * <pre>{@code
 * ProcessingLog log = ProcessingLog.builder().consents(consents).store(store)   // the consents' own store
 *         .retention(retention).pseudonymKey(secret).build();
 * log.use(customer, PurposeId.of("shipping"), Set.of(CategoryId.of("delivery.address")), "product shipment");
 * }</pre>
 *
 * <p>Guarantees:
 * <ul>
 *   <li><b>Checked, then appended.</b> {@link #use} decides from the store (never from a cache) and
 *       appends the entry only if no consent change of the subject reached the store's change feed since that read
 *       ({@link ProcessingStore#appendUses}). So a withdrawal, objection or restriction that committed before the
 *       store's guard read the feed is never missed: the use is decided again, and refused. A withdrawal that commits
 *       after that read is ordered after the use, whose instant was taken before it, and does not undo it (GDPR Art.
 *       7(3): withdrawal is not retroactive).</li>
 *   <li><b>Refused means nothing written.</b> A use the decision does not allow throws {@link
 *       ProcessingRefusedException} carrying the decision; an unknown purpose throws {@link
 *       dev.consent.UnknownPurposeException}; a category that is not the purpose's throws {@link
 *       InvalidValueException} (purpose limitation, GDPR Art. 5(1)(b)). None of them writes anything.</li>
 *   <li><b>Campaigns in bulk.</b> {@link #useAll} decides and appends a chunk of subjects at a time (one decision read
 *       and one append per chunk), logs only the allowed ones under one batch id and says who was left out, and
 *       why.</li>
 *   <li><b>Pseudonymised on erasure, counts and dates kept.</b> {@link #pseudonymise} replaces the subject's id in
 *       its entries by a keyed hash (HMAC-SHA-256 under {@link Builder#pseudonymKey}), so the entries still count,
 *       with their dates, purposes, categories and decisions, without naming the subject. Whoever holds the key and
 *       the id can still find them ({@link #pseudonymisedUses}): pseudonymised data is personal data for them (GDPR
 *       Recital 26), which is what accountability needs; keep the key out of the database.</li>
 *   <li><b>The log has a retention rule of its own.</b> It is a data category of the policy ({@link
 *       #DEFAULT_CATEGORY} unless configured) with at least one MAXIMUM rule counted from {@code collected}, checked
 *       when the log is built; {@link #purgeExpired} applies it, each entry counted from when it was recorded,
 *       keeping what a legal hold covers (GDPR Art. 5(1)(e)).</li>
 * </ul>
 * Thread-safe. Instants are kept to the microsecond.
 */
public final class ProcessingLog {
    /** The data category the log is kept under unless {@link Builder#logCategory} names another. */
    public static final String DEFAULT_CATEGORY = "processing.log";
    /** How many times a chunk is decided again because its subjects' consents kept changing, before giving up. */
    private static final int MAX_ROUNDS = 100;
    private static final int PAGE = 500;

    private final ConsentService consents;
    private final ProcessingStore store;
    private final Clock clock;
    private final CategoryId category;
    private final int chunkSize;
    private final Pseudonyms pseudonyms;
    /** Null when the log was built without a retention service. */
    private final LogPurger purger;

    private ProcessingLog(Builder b) {
        this.consents = b.consents;
        this.store = b.store;
        this.clock = b.clock != null ? b.clock : b.consents.clock();
        this.category = b.category;
        this.chunkSize = b.chunkSize;
        this.pseudonyms = new Pseudonyms(b.pseudonymKey);
        this.purger = b.retention == null ? null : new LogPurger(b.store, b.retention, b.category, pseudonyms, PAGE);
    }

    /**
     * A builder that needs a consent service, a store and a pseudonym key.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The data category the log is kept under, whose retention rules {@link #purgeExpired} applies.
     *
     * @return the category, declared by the policy with a MAXIMUM retention rule
     */
    public CategoryId category() {
        return category;
    }

    // -------------------------------------------------------------------------------------------- recording

    /**
     * Checks that {@code subject}'s data may be used for {@code purpose} now and, if so, logs the use; returns the
     * entry. The check reads the store (see the class guarantees for why a withdrawal committed before the entry
     * cannot be missed).
     *
     * @param subject whose data is used
     * @param purpose what for
     * @param categories the data categories the use touches; each must be a category of the purpose
     * @param use what is done, in the host's words, e.g. {@code order verification} (at most 200 characters)
     * @return the logged entry, with the decision that allowed it
     * @throws ProcessingRefusedException when the decision does not allow it; nothing is logged
     * @throws dev.consent.UnknownPurposeException when the policy in force does not declare the purpose
     * @throws InvalidValueException when a category is not the purpose's, or a value breaks a rule
     * @throws StoreException when the store cannot be read or written (fail closed: nothing is allowed)
     */
    public ProcessingEntry use(SubjectId subject, PurposeId purpose, Collection<CategoryId> categories, String use) {
        Checks.required("subject", subject);
        SortedSet<CategoryId> cats = checkUse(purpose, categories, use);
        Recorded r = record(List.of(subject), purpose, cats, use, Optional.empty());
        Decision refused = r.refused.get(subject);
        if (refused != null) {
            throw new ProcessingRefusedException(refused);
        }
        return r.written.get(0);
    }

    /**
     * Checks a campaign's audience for {@code purpose} and logs a use for every subject that may be processed, under
     * one batch id; returns who was included and who was left out, with the decision on each. Decided and appended
     * a chunk of {@link Builder#bulkChunkSize} subjects at a time, each chunk atomically as {@link #use} does.
     * Duplicate subjects count once.
     *
     * <p>Each chunk is all or nothing, the call is not: when the store fails after some chunks were logged, the
     * exception says how many subjects were logged under the batch id; those were checked and allowed.
     *
     * @param subjects the audience; duplicates count once
     * @param purpose what for
     * @param categories the data categories the use touches; each must be a category of the purpose
     * @param use what is done, in the host's words (at most 200 characters)
     * @return the batch id, who was included and who was left out, with the decision on each
     * @throws dev.consent.UnknownPurposeException when the policy in force does not declare the purpose
     * @throws InvalidValueException when a category is not the purpose's, or a value breaks a rule
     * @throws StoreException when the store cannot be read or written
     */
    public CampaignUse useAll(Collection<SubjectId> subjects, PurposeId purpose, Collection<CategoryId> categories,
            String use) {
        Checks.required("subjects", subjects);
        SortedSet<CategoryId> cats = checkUse(purpose, categories, use);
        List<SubjectId> distinct = new ArrayList<>(new LinkedHashSet<>(subjects));
        distinct.forEach(s -> Checks.required("subjects[]", s));
        String batch = "batch-" + UUID.randomUUID();
        Set<SubjectId> included = new LinkedHashSet<>();
        Map<SubjectId, Decision> refused = new HashMap<>();
        for (int from = 0; from < distinct.size(); from += chunkSize) {
            Recorded r;
            try {
                r = record(distinct.subList(from, Math.min(distinct.size(), from + chunkSize)), purpose, cats, use,
                        Optional.of(batch));
            } catch (StoreException e) {
                if (included.isEmpty()) {
                    throw e;
                }
                StoreException failure = new StoreException("useAll", "failed after " + included.size()
                        + " subjects were logged under " + batch + " (each chunk is all or nothing): " + e.getMessage());
                failure.initCause(e);
                throw failure;
            }
            r.written.forEach(e -> included.add(e.subject().orElseThrow()));
            refused.putAll(r.refused);
        }
        List<SubjectId> in = new ArrayList<>(included.size());
        Map<SubjectId, Decision> out = new LinkedHashMap<>();
        for (SubjectId s : distinct) {
            if (included.contains(s)) {
                in.add(s);
            } else {
                out.put(s, refused.get(s));
            }
        }
        return new CampaignUse(batch, purpose, use, in, out);
    }

    /** Validates a use before anything is read: a declared purpose, its own categories, a described use. */
    private SortedSet<CategoryId> checkUse(PurposeId purpose, Collection<CategoryId> categories, String use) {
        Checks.required("purpose", purpose);
        Checks.text("use", use, ProcessingEntry.MAX_USE_LENGTH);
        SortedSet<CategoryId> cats = Checks.sortedSet("categories", categories);
        if (cats.isEmpty()) {
            throw new InvalidValueException("categories", "[]", "must name at least one data category the use touches");
        }
        Policy policy = consents.policyAt(clock.instant());
        Purpose p = policy.purpose(purpose); // unknown purposes throw before any store access
        for (CategoryId c : cats) {
            if (!p.categories().contains(c)) {
                throw new InvalidValueException("categories", c, "is not a data category of purpose " + purpose
                        + " in policy " + policy.id() + " version " + policy.version() + " (it uses " + p.categories()
                        + "): data is used only for the purposes it was collected for (GDPR Art. 5(1)(b))");
            }
        }
        return cats;
    }

    /** The entries written and the subjects refused, with the refusing decision. */
    private static final class Recorded {
        final List<ProcessingEntry> written = new ArrayList<>();
        final Map<SubjectId, Decision> refused = new LinkedHashMap<>();
    }

    /**
     * Decides {@code subjects} from the store and appends the allowed ones' entries under the change-feed guard. When
     * the guard names subjects whose consents changed since the read, the others are appended (their read still
     * stands: the guard checks them again) and the changed ones are decided again from a new read.
     */
    private Recorded record(List<SubjectId> subjects, PurposeId purpose, SortedSet<CategoryId> categories, String use,
            Optional<String> batch) {
        Recorded out = new Recorded();
        List<SubjectId> pending = subjects;
        for (int round = 1; !pending.isEmpty(); round++) {
            if (round > MAX_ROUNDS) {
                throw new StoreException("appendUses", "the consents of " + pending.size() + " subjects kept changing "
                        + "between the check and the append; gave up after " + MAX_ROUNDS + " checks without logging "
                        + "their use");
            }
            // The position first, then the decisions: every change at or below it committed before the read below.
            long position = changePosition();
            Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
            Map<SubjectId, Decision> decisions = decide(pending, consents.policyAt(now), purpose, now);
            List<ProcessingEntry> entries = new ArrayList<>(pending.size());
            for (SubjectId s : pending) {
                Decision d = decisions.get(s);
                if (d.allowed()) {
                    out.refused.remove(s);
                    String id = "use-" + UUID.randomUUID();
                    entries.add(batch.isPresent() ? ProcessingEntry.of(id, s, d, categories, use, batch.get(), now)
                            : ProcessingEntry.of(id, s, d, categories, use, now));
                } else {
                    out.refused.put(s, d);
                }
            }
            pending = new ArrayList<>();
            while (!entries.isEmpty()) {
                ProcessingStore.UseAppend result = store.appendUses(entries, position);
                if (result.appended()) {
                    out.written.addAll(entries);
                    break;
                }
                List<ProcessingEntry> unchanged = new ArrayList<>(entries.size());
                for (ProcessingEntry e : entries) {
                    SubjectId s = e.subject().orElseThrow();
                    if (result.changedSubjects().contains(s)) {
                        pending.add(s);
                    } else {
                        unchanged.add(e);
                    }
                }
                if (unchanged.size() == entries.size()) {
                    throw new StoreException("appendUses", "the store refused the append without naming a subject of"
                            + " it; nothing was logged");
                }
                entries = unchanged;
            }
        }
        return out;
    }

    private long changePosition() {
        return StoreCalls.read("changeCursor", () -> store.changeCursor().position());
    }

    /** The decisions of the consent service, from a store read (never a cache). */
    private Map<SubjectId, Decision> decide(List<SubjectId> subjects, Policy policy, PurposeId purpose, Instant now) {
        Map<SubjectId, List<ChoiceFact>> facts = StoreCalls.read("decisionFacts", () -> store.decisionFacts(subjects));
        List<PurposeId> ids = new ArrayList<>();
        policy.purposes().forEach(p -> ids.add(p.id()));
        Ledger.PurposeTable table = Ledger.PurposeTable.of(ids);
        Map<SubjectId, Decision> out = new HashMap<>(subjects.size() * 2);
        for (SubjectId s : subjects) {
            out.put(s, ConsentFold.decide(Ledger.of(s, facts.getOrDefault(s, List.of()), table), policy, purpose, now));
        }
        return out;
    }

    // ---------------------------------------------------------------------------------------------- reading

    /**
     * Every entry that names the subject, oldest first, streamed page by page (memory stays bounded however long
     * the log).
     *
     * @param subject whose entries
     * @param action called once per entry, in order
     */
    public void forEachUse(SubjectId subject, Consumer<ProcessingEntry> action) {
        Checks.required("subject", subject);
        Checks.required("action", action);
        page(() -> store.uses(subject, PAGE), after -> store.usesAfter(subject, after, PAGE), action);
    }

    /**
     * Every entry that names the subject, oldest first. For long logs prefer {@link #forEachUse}.
     *
     * @param subject whose entries
     * @return the entries; pseudonymised ones are not among them ({@link #pseudonymisedUses})
     */
    public List<ProcessingEntry> uses(SubjectId subject) {
        List<ProcessingEntry> out = new ArrayList<>();
        forEachUse(subject, out::add);
        return out;
    }

    /**
     * The entries of a subject that were pseudonymised, oldest first: found through the subject's pseudonym, so only
     * by whoever holds both the id and the key (e.g. to show a regulator the record of an erased customer).
     *
     * @param subject the erased subject's id
     * @return the pseudonymised entries, naming the pseudonym and not the subject
     */
    public List<ProcessingEntry> pseudonymisedUses(SubjectId subject) {
        String pseudonym = pseudonymOf(subject);
        List<ProcessingEntry> out = new ArrayList<>();
        page(() -> store.pseudonymisedUses(pseudonym, PAGE),
                after -> store.pseudonymisedUsesAfter(pseudonym, after, PAGE), out::add);
        return out;
    }

    private static void page(java.util.function.Supplier<List<ProcessingEntry>> first,
            java.util.function.Function<ProcessingStore.UseCursor, List<ProcessingEntry>> next,
            Consumer<ProcessingEntry> action) {
        List<ProcessingEntry> page = first.get();
        while (true) {
            page.forEach(action);
            if (page.size() < PAGE) {
                return;
            }
            page = next.apply(ProcessingStore.UseCursor.of(page.get(page.size() - 1)));
        }
    }

    /**
     * How many uses for {@code purpose} were logged at or after {@code from} and before {@code until}, pseudonymised
     * ones included: the counts a record of processing (GDPR Art. 30) reports, which erasure does not change.
     *
     * @param purpose the purpose counted
     * @param from the first instant counted
     * @param until the end, not counted; not before {@code from}
     * @return the number of uses
     */
    public long count(PurposeId purpose, Instant from, Instant until) {
        Checks.required("purpose", purpose);
        Checks.required("from", from);
        Checks.required("until", until);
        if (until.isBefore(from)) {
            throw new InvalidValueException("until", until, "must not be before from " + from);
        }
        return store.countUses(purpose, from, until);
    }

    // -------------------------------------------------------------------------------------- pseudonymising

    /**
     * The keyed pseudonym a subject's entries are kept under once pseudonymised: HMAC-SHA-256 under the
     * {@linkplain Builder#pseudonymKey pseudonym key}, in lower-case hex. The same subject always gets the same
     * pseudonym, so its entries still count together.
     *
     * @param subject any subject
     * @return 64 lower-case hex digits
     */
    public String pseudonymOf(SubjectId subject) {
        return pseudonyms.of(subject);
    }

    /**
     * Pseudonymises every entry of the subject and of the visitors linked to it, atomically: the ids are replaced by
     * their {@linkplain #pseudonymOf pseudonyms}, and dates, purposes, categories, uses and decisions are kept, so
     * that counts and dates stay traceable without identifying anyone (seed 002: "while preserving transaction
     * traceability"; GDPR Art. 17 with Art. 5(2)). Idempotent; returns how many entries changed. {@link
     * dev.consent.rights.RightsService#erase} calls it when it is given this log.
     *
     * @param subject the subject to pseudonymise
     * @return how many entries changed; 0 when called again
     */
    public long pseudonymise(SubjectId subject) {
        Checks.required("subject", subject);
        Map<SubjectId, String> pseudonyms = new LinkedHashMap<>();
        pseudonyms.put(subject, pseudonymOf(subject));
        for (dev.consent.ledger.VisitorId visitor : consents.visitorsOf(subject)) {
            pseudonyms.put(visitor.subject(), pseudonymOf(visitor.subject()));
        }
        return store.pseudonymise(pseudonyms);
    }

    // ------------------------------------------------------------------------------------------- retention

    /**
     * Applies the log category's retention rules to the log (GDPR Art. 5(1)(e); seed 002: "periodically reviews and
     * updates stored user data, purging ... redundant service data"): each entry counts as an item of the log
     * category collected when it was recorded, judged by the retention engine under the retention service's policy.
     * Entries whose rule has ended are deleted (DELETE) or pseudonymised (ANONYMIZE); REVIEW leaves them. Entries of a
     * subject a legal hold on the log category covers are kept (GDPR Art. 17(3)(e)); pseudonymised entries name no
     * subject, so no hold can reach them. The deciding rule is the same for every entry, since entries differ only
     * in when they were recorded: as for any item, the earliest-ending MAXIMUM decides, and a later one does not apply
     * after it. Needs {@link Builder#retention}.
     *
     * @return the verdict, the cutoff and the deciding rule, and how many entries were deleted or pseudonymised and
     *         how many subjects a hold kept
     * @throws InvalidValueException (field {@code retention}) when the log was built without a retention service
     */
    public LogPurge purgeExpired() {
        if (purger == null) {
            throw new InvalidValueException("retention", null,
                    "is required to purge the log: its rules and legal holds live in the retention service");
        }
        return purger.purge(clock.instant().truncatedTo(ChronoUnit.MICROS));
    }

    /**
     * Configures a {@link ProcessingLog}. Setters check their argument; {@link #build()} checks that the policy gives
     * the log a category with a retention rule.
     */
    public static final class Builder {
        private ConsentService consents;
        private ProcessingStore store;
        private RetentionService retention;
        private Clock clock;
        private CategoryId category = CategoryId.of(DEFAULT_CATEGORY);
        private int chunkSize = 1_000;
        private byte[] pseudonymKey;

        private Builder() {
        }

        /**
         * Required: the consent service whose policy versions decide every use.
         *
         * @param consents the service
         * @return this builder
         */
        public Builder consents(ConsentService consents) {
            this.consents = Checks.required("consents", consents);
            return this;
        }

        /**
         * Required: where the log lives, which must be the store holding the consent ledger the consent service uses
         * (the append is guarded by that store's change feed, and decisions are read from it). There is no default.
         *
         * @param store the store
         * @return this builder
         */
        public Builder store(ProcessingStore store) {
            this.store = Checks.required("store", store);
            return this;
        }

        /**
         * The retention service whose rules and legal holds {@link ProcessingLog#purgeExpired()} applies.
         *
         * @param retention built over the same policy versions as the consent service
         * @return this builder
         */
        public Builder retention(RetentionService retention) {
            this.retention = Checks.required("retention", retention);
            return this;
        }

        /**
         * The clock that dates entries. Defaults to the consent service's clock.
         *
         * @param clock the clock
         * @return this builder
         */
        public Builder clock(Clock clock) {
            this.clock = Checks.required("clock", clock);
            return this;
        }

        /**
         * The data category the log is kept under; defaults to {@value ProcessingLog#DEFAULT_CATEGORY}.
         *
         * @param category a category the policy declares with a MAXIMUM retention rule
         * @return this builder
         */
        public Builder logCategory(String category) {
            this.category = CategoryId.of(category);
            return this;
        }

        /**
         * How many subjects {@link ProcessingLog#useAll} decides and appends at once. Default 1,000.
         *
         * @param subjects 1 to 10,000
         * @return this builder
         * @throws InvalidValueException when {@code subjects} is out of range
         */
        public Builder bulkChunkSize(int subjects) {
            if (subjects < 1 || subjects > 10_000) {
                throw new InvalidValueException("bulkChunkSize", subjects, "must be between 1 and 10000");
            }
            this.chunkSize = subjects;
            return this;
        }

        /**
         * Required: the secret (at least 16 bytes) that keys the pseudonyms of erased subjects' entries. Keep it
         * outside the database: with it, a subject's id leads to its pseudonymised entries.
         *
         * @param key the secret, copied; at least 16 bytes
         * @return this builder
         * @throws InvalidValueException when the key is null or shorter than 16 bytes
         */
        public Builder pseudonymKey(byte[] key) {
            if (key == null || key.length < 16) {
                throw new InvalidValueException("pseudonymKey", key == null ? null : key.length + " bytes",
                        "must be at least 16 bytes");
            }
            this.pseudonymKey = key.clone();
            return this;
        }

        /**
         * Builds the log.
         *
         * @return the log
         * @throws InvalidValueException when the consents, the store or the pseudonym key is missing, or the policy
         *         (the consent service's in force now) does not declare the log category
         *         with a MAXIMUM retention rule counted from {@code collected}: the log is itself personal data and
         *         must not be kept forever (GDPR Art. 5(1)(e)); or when the retention service is built over other policy versions than the
         *         consent service (the message names {@code retention})
         */
        public ProcessingLog build() {
            Checks.required("consents", consents);
            Checks.required("store", store);
            if (pseudonymKey == null) {
                throw new InvalidValueException("pseudonymKey", null,
                        "is required: erased subjects' entries are pseudonymised under it");
            }
            if (retention != null) {
                PolicyVersions.requireSame("retention", consents.policyVersions(), retention.policyVersions());
            }
            LogPurger.requireLogRule(consents.policy(), category);
            return new ProcessingLog(this);
        }

    }
}
