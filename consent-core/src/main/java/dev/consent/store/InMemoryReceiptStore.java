package dev.consent.store;

import dev.consent.internal.Checks;
import dev.consent.ledger.EventId;
import dev.consent.ledger.SubjectId;
import dev.consent.receipt.ConsentReceipt;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Signed consent receipts held in this JVM's memory, each stored once; thread-safe, for tests, demos and single-node
 * hosts. Nothing survives a restart.
 */
public final class InMemoryReceiptStore implements ReceiptStore {
    /** Guarded by itself. */
    private final Map<EventId, ConsentReceipt> receipts = new LinkedHashMap<>();

    /** An empty store. */
    public InMemoryReceiptStore() {
    }

    @Override
    public ConsentReceipt saveReceipt(ConsentReceipt receipt) {
        Checks.required("receipt", receipt);
        synchronized (receipts) {
            return receipts.computeIfAbsent(receipt.event(), e -> receipt);
        }
    }

    @Override
    public Optional<ConsentReceipt> receipt(EventId event) {
        Checks.required("event", event);
        synchronized (receipts) {
            return Optional.ofNullable(receipts.get(event));
        }
    }

    @Override
    public List<ConsentReceipt> receipts(SubjectId subject) {
        Checks.required("subject", subject);
        synchronized (receipts) {
            return receipts.values().stream().filter(r -> r.subject().equals(subject))
                    .sorted(Comparator.comparingLong(ConsentReceipt::sequence)).toList();
        }
    }
}
