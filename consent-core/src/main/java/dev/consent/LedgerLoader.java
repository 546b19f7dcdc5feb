package dev.consent;

import dev.consent.internal.ConsentFold;
import dev.consent.internal.Ledger;
import dev.consent.ledger.ChainCheckpoint;
import dev.consent.ledger.ChoiceFact;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.SubjectId;
import dev.consent.ledger.VisitorId;
import dev.consent.policy.PolicyVersions;
import dev.consent.policy.PurposeId;
import dev.consent.store.ConsentStore;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The store reads a check rests on: subjects' compact ledgers built from the store's decision facts, and the pruning
 * horizons a point-in-time check must not reach before. Fails closed: whatever the store throws or answers that the
 * ledger cannot hold becomes a {@link StoreException}, never another exception and never a guess.
 */
final class LedgerLoader {
    private final ConsentStore store;
    /** Every purpose id of every policy version, newest versions' first: what cached ledgers refer to. */
    private final Ledger.PurposeTable purposeTable;
    /** The versions answers are precomputed under, with {@link #clock}; null: no answers are precomputed. */
    private final PolicyVersions versions;
    private final Clock clock;
    /**
     * The last ledger of a subject without facts with its answers precomputed: the same for every such subject until
     * its window ends, so it is shared rather than made per subject.
     */
    private volatile Ledger emptyAnswered;
    /** {@link #loadAnswered(SubjectId)} as a function, made once: the cache's loader on every miss. */
    final Function<SubjectId, Ledger> loadOne = this::loadAnswered;

    /** A loader that precomputes no answers. */
    LedgerLoader(ConsentStore store, Ledger.PurposeTable purposeTable) {
        this(store, purposeTable, null, null);
    }

    /**
     * A loader whose {@link #loadAnswered} precomputes the answers of {@code purposeTable}'s answered purposes under
     * {@code versions} at {@code clock}'s instant.
     */
    LedgerLoader(ConsentStore store, Ledger.PurposeTable purposeTable, PolicyVersions versions, Clock clock) {
        this.store = store;
        this.purposeTable = purposeTable;
        this.versions = versions;
        this.clock = clock;
    }

    /** Whether this thread's store calls run in an uncommitted host transaction; see {@link ConsentStore#inHostTransaction()}. */
    boolean inHostTransaction() {
        return store.inHostTransaction();
    }

    /** See {@link ConsentStore#afterHostTransaction(Runnable)}. */
    boolean afterHostTransaction(Runnable action) {
        return store.afterHostTransaction(action);
    }

    /** One subject's ledger, read from the store. */
    Ledger load(SubjectId subject) {
        return load(List.of(subject)).get(subject);
    }

    /**
     * One subject's ledger, read from the store, holding its precomputed answers ({@link ConsentFold#answered}) at the
     * clock's instant after the read: what the cache holds. The answers are computed after the read, so that an
     * answer never predates the facts it rests on.
     */
    Ledger loadAnswered(SubjectId subject) {
        Ledger ledger = load(subject);
        if (versions == null) {
            return ledger;
        }
        Instant now = clock.instant();
        try {
            if (ledger.size() == 0) {
                Ledger shared = emptyAnswered;
                if (shared != null && shared.answersHold(now)) {
                    return shared;
                }
                Ledger answered = ConsentFold.answered(ledger, versions, now);
                emptyAnswered = answered;
                return answered;
            }
            return ConsentFold.answered(ledger, versions, now);
        } catch (RuntimeException e) {
            throw new StoreException("decisionFacts", e);
        }
    }

    /**
     * The subjects' ledgers from the store's decision facts. Facts the ledger cannot hold (a sequence beyond
     * {@link ConsentEvent#MAX_SEQUENCE}, a null, more purposes than a ledger indexes) mean the store returned what no
     * service wrote: a {@link StoreException}.
     */
    Map<SubjectId, Ledger> load(Collection<SubjectId> subjects) {
        return ledgers(subjects, storeRead("decisionFacts", () -> store.decisionFacts(subjects)));
    }

    /**
     * The subjects' ledgers narrowed to what deciding one purpose reads: the facts of {@code purposes}' events and of
     * age declarations, as {@link ConsentStore#decisionFacts(Collection, Set)} answers them (a store may
     * answer more). Such a ledger decides those purposes only: it is never cached.
     */
    Map<SubjectId, Ledger> load(Collection<SubjectId> subjects, Set<PurposeId> purposes) {
        return ledgers(subjects, storeRead("decisionFacts", () -> store.decisionFacts(subjects, purposes)));
    }

    private Map<SubjectId, Ledger> ledgers(Collection<SubjectId> subjects, Map<SubjectId, List<ChoiceFact>> facts) {
        Map<SubjectId, Ledger> out = new HashMap<>(subjects.size() * 2);
        try {
            for (SubjectId s : subjects) {
                List<ChoiceFact> own = facts.get(s);
                out.put(s, Ledger.of(s, own == null ? List.of() : own, purposeTable));
            }
        } catch (RuntimeException e) {
            throw new StoreException("decisionFacts", e);
        }
        return out;
    }

    /**
     * Refuses a point-in-time check at {@code at} when it lies before the pruning horizon of the subject's chain or of
     * a chain of a visitor linked to it: the evidence needed to answer is gone.
     *
     * @throws EvidencePrunedException when {@code at} lies before such a horizon
     */
    void refuseBeforeHorizon(SubjectId subject, Instant at) {
        // mapped inside the read: a store that returns a null visitor is a store failure, not a NullPointerException
        List<SubjectId> chains = new ArrayList<>(storeRead("visitorsOf",
                () -> store.visitorsOf(subject).stream().map(VisitorId::subject).toList()));
        chains.add(subject);
        for (SubjectId s : chains) {
            Optional<ChainCheckpoint> checkpoint = storeRead("checkpoint", () -> store.checkpoint(s));
            Instant horizon = checkpoint.map(ChainCheckpoint::horizon).orElse(null);
            if (horizon != null && at.isBefore(horizon)) {
                throw new EvidencePrunedException(at, horizon);
            }
        }
    }

    /**
     * A read of the store on a check's path. Whatever the store throws that is not a {@link StoreException} (a
     * store's own bug, a value it cannot make, a null) becomes one: the store could not be read, and the check
     * fails closed with the one exception that says so.
     */
    static <T> T storeRead(String operation, Supplier<T> read) {
        T value;
        try {
            value = read.get();
        } catch (StoreException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new StoreException(operation, e);
        }
        if (value == null) {
            throw new StoreException(operation, "the store answered null");
        }
        return value;
    }
}
