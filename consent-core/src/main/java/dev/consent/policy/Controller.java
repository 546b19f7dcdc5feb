package dev.consent.policy;

import dev.consent.internal.Checks;

/** Who is responsible for the processing (GDPR Art. 4(7)), as named in notices, exports and receipts. */
public record Controller(String name, String contact) {
    public Controller {
        Checks.text("controller.name", name, 300);
        Checks.text("controller.contact", contact, 300);
    }
}
