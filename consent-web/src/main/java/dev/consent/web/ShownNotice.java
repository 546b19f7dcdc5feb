package dev.consent.web;

import dev.consent.ledger.Evidence;
import dev.consent.policy.Purpose;

/**
 * The notice of one purpose as the banner shows it: the language actually used, its id, title and text, and the
 * SHA-256 of exactly that text ({@link Evidence#hashOf}), which a choice must quote back to be recorded.
 */
record ShownNotice(Purpose purpose, String locale, String id, String title, String text, String hash) {

    static ShownNotice of(Purpose purpose, String locale, String title, String text) {
        String id = purpose.id().value() + "/v" + purpose.consentVersion() + "/" + locale;
        return new ShownNotice(purpose, locale, id, title, text, Evidence.hashOf(text));
    }
}
