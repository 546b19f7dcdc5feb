package dev.consent.ledger;

import dev.consent.internal.Checks;

import java.util.UUID;

/**
 * The unique id of a consent event. A client that may deliver the same choice twice (an offline app
 * that retries) supplies its own id; recording the same id again returns the stored event instead of
 * appending a duplicate. At most 100 characters.
 */
public record EventId(String value) {
    public EventId {
        Checks.text("eventId", value, 100);
    }

    public static EventId of(String value) {
        return new EventId(value);
    }

    public static EventId random() {
        return new EventId(UUID.randomUUID().toString());
    }

    @Override
    public String toString() {
        return value;
    }
}
