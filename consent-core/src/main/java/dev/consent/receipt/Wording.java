package dev.consent.receipt;

import dev.consent.ledger.Actor;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.Method;
import dev.consent.policy.Policy;

import java.util.Locale;
import java.util.Set;

/** How receipts and records put the ledger's facts into words a customer or an auditor reads. */
final class Wording {
    private static final Set<String> LANGUAGES = Set.of(Locale.getISOLanguages());

    private Wording() {
    }

    /** How the choice was collected, e.g. "Checkbox ticked (notice signup-form-v3)". */
    static String collectionMethod(ConsentEvent e) {
        String how = switch (e.method()) {
            case CHECKBOX -> "Checkbox ticked";
            case COOKIE_BANNER -> "Cookie banner";
            case WEB_FORM -> "Web form";
            case ACCOUNT_SETTINGS -> "Account settings";
            case DEVICE_PERMISSION -> "Device permission prompt";
            case API -> "Through the shop's API";
            case IMPORT -> "Imported from an earlier system";
            case UNSUBSCRIBE_LINK -> "Unsubscribe link";
            case CONFIRMATION_LINK -> "Confirmation link of a double opt-in mail";
            case EMAIL_REPLY -> "Reply by email";
            case PHONE -> "By phone";
            case PAPER -> "On paper";
            case RIGHTS_REQUEST -> "Data-subject request handled by the shop";
            case GPC -> "Global Privacy Control signal";
        };
        StringBuilder out = new StringBuilder(how);
        if (e.evidence().noticeId() != null) {
            out.append(" (notice ").append(e.evidence().noticeId()).append(')');
        }
        if (e.actor() == Actor.GUARDIAN) {
            out.append(", by a parent or guardian");
        } else if (e.actor() == Actor.AGENT) {
            out.append(", by an authorised agent");
        } else if (e.actor() == Actor.SYSTEM) {
            out.append(", recorded by the shop's systems");
        }
        return out.toString();
    }

    /**
     * The ISO 639-1 code of the language the subject was addressed in: the language of the evidence's locale ({@code
     * de-DE} gives {@code de}) when it names one, else the policy's language. The Kantara specification asks for ISO
     * 639-1 in {@code language}; a regional tag is not that.
     */
    static String language(ConsentEvent e, Policy policy) {
        String locale = e.evidence().locale();
        if (locale != null) {
            String language = Locale.forLanguageTag(locale.replace('_', '-')).getLanguage();
            if (language.length() == 2 && LANGUAGES.contains(language)) {
                return language;
            }
        }
        return policy.language().orElseThrow(() -> new IllegalStateException("the policy's language is checked "
                + "before a receipt or record is written"));
    }

    /** A retention rule in words: "kept at most P2Y after last_transaction, then DELETE". */
    static String retention(dev.consent.retention.RetentionRule r) {
        StringBuilder out = new StringBuilder(r.kind() == dev.consent.retention.RetentionRule.Kind.MINIMUM
                ? "kept at least " : "kept at most ");
        out.append(r.period()).append(" after ").append(r.anchor().name());
        if (r.countFrom() != dev.consent.retention.CountFrom.ANCHOR) {
            out.append(", counted from ").append(r.countFrom());
        }
        r.action().ifPresent(a -> out.append(", then ").append(a));
        if (r.legalReference() != null) {
            out.append(" (").append(r.legalReference()).append(')');
        }
        return out.toString();
    }

    /** The right a request type exercises, with the GDPR article that grants it. */
    static String right(dev.consent.rights.RequestType type) {
        return switch (type) {
            case ACCESS -> "Right of access (GDPR Art. 15)";
            case RECTIFICATION -> "Right to rectification (GDPR Art. 16)";
            case ERASURE -> "Right to erasure (GDPR Art. 17)";
            case RESTRICTION -> "Right to restriction of processing (GDPR Art. 18)";
            case PORTABILITY -> "Right to data portability (GDPR Art. 20)";
            case OBJECTION -> "Right to object (GDPR Art. 21)";
            case WITHDRAW_CONSENT -> "Right to withdraw consent (GDPR Art. 7(3))";
        };
    }

    /** Whether a choice was a signal rather than somebody's act. */
    static boolean isSignal(ConsentEvent e) {
        return e.method() == Method.GPC;
    }
}
