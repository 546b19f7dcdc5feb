package dev.consent.store;

import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.SubjectId;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Damages what an in-memory store holds, behind every rule, as an operator with access to the storage could: only for
 * tests that prove tampering and a lost change feed are noticed. Not part of any store contract.
 */
public final class InMemoryTampering {
    private InMemoryTampering() {
    }

    /** Replaces the stored event at {@code sequence} of {@code subject} by {@code change} of it, in place. */
    public static void replaceEvent(InMemoryStore store, SubjectId subject, long sequence,
            UnaryOperator<ConsentEvent> change) {
        InMemoryConsentStore ledger = store.consents;
        synchronized (ledger.lock) {
            List<ConsentEvent> chain = new ArrayList<>(ledger.chains.get(subject));
            int i = (int) sequence - 1;
            chain.set(i, change.apply(chain.get(i)));
            ledger.chains.put(subject, chain);
        }
    }

    /** Removes the stored event at {@code sequence} of {@code subject}. */
    public static void deleteEvent(InMemoryStore store, SubjectId subject, long sequence) {
        InMemoryConsentStore ledger = store.consents;
        synchronized (ledger.lock) {
            List<ConsentEvent> chain = new ArrayList<>(ledger.chains.get(subject));
            chain.removeIf(e -> e.sequence() == sequence);
            ledger.chains.put(subject, chain);
        }
    }

    /**
     * Empties the change feed, as an operator's {@code TRUNCATE} would; with {@code restartPositions} new entries start
     * again at position 1, as after {@code TRUNCATE ... RESTART IDENTITY} or a restore.
     */
    public static void truncateChanges(InMemoryStore store, boolean restartPositions) {
        InMemoryConsentStore ledger = store.consents;
        synchronized (ledger.lock) {
            ledger.changes.clear();
            if (restartPositions) {
                ledger.lastPosition = 0;
            }
        }
    }
}
