package dev.consent.signals;

import dev.consent.InvalidValueException;

/** Argument checks of this module, which uses consent-core's public API only. */
final class SignalChecks {
    private SignalChecks() {
    }

    /**
     * Returns {@code value}.
     *
     * @throws InvalidValueException naming {@code field} when {@code value} is null
     */
    static <T> T required(String field, T value) {
        if (value == null) {
            throw new InvalidValueException(field, null, "is required");
        }
        return value;
    }
}
