package dev.consent.store;

import dev.consent.ledger.EventId;
import dev.consent.ledger.SubjectId;
import dev.consent.receipt.ConsentReceipt;

import java.util.List;
import java.util.Optional;

/**
 * Where signed consent receipts are kept, so that each is issued once: the receipt handed to a customer today is the
 * receipt an export shows in a year, byte for byte. Thread-safe and shareable between nodes; every implementation
 * passes {@code ReceiptStoreContract} from consent-core's test-jar.
 */
public interface ReceiptStore {

    /**
     * Stores a receipt unless one is stored for its event already, atomically, and returns the receipt stored for the
     * event: the one given, or the one another writer stored first (which is then kept unchanged). Two nodes issuing a
     * receipt for the same event at once therefore both hand out the same receipt.
     *
     * @param receipt the receipt issued for an event
     * @return the receipt now stored for the event
     */
    ConsentReceipt saveReceipt(ConsentReceipt receipt);

    /**
     * The receipt stored for an event, if any.
     *
     * @param event the event's id
     * @return its receipt, or empty when none was issued
     */
    Optional<ConsentReceipt> receipt(EventId event);

    /**
     * The receipts for events of one subject's chain, in sequence order.
     *
     * @param subject whose receipts are read
     * @return the receipts; empty when none was issued
     */
    List<ConsentReceipt> receipts(SubjectId subject);
}
