package dev.consent.rights;

import dev.consent.internal.Checks;
import dev.consent.InvalidValueException;

import java.util.Optional;

/**
 * How long the shop has to answer one type of request: N business days, N calendar days or N months, counted
 * from receipt or from identity verification, optionally extendable (to a total, or by more), and optionally
 * with an earlier acknowledgement deadline (CCPA: confirm within 10 business days).
 *
 * @param extension how far the deadline may be extended, with notice to the subject before the original one
 * @param acknowledgeWithin when receipt must be confirmed, if the law asks for it
 */
public record DeadlineTerm(int amount, Unit unit, Start start, Optional<Extension> extension,
        Optional<Acknowledgement> acknowledgeWithin) {

    /** The unit of a period. */
    public enum Unit {
        /** Working days of the {@link BusinessCalendar}; "business days" and "working days" alike. */
        BUSINESS_DAYS,
        CALENDAR_DAYS,
        MONTHS
    }

    /** When the clock starts. */
    public enum Start {
        RECEIPT,
        IDENTITY_VERIFIED
    }

    /**
     * An extension: {@code to} a total measured from the same start (seed 003: "five business days ... can be
     * extended to 30 days"), or {@code by} more time, added to the term and counted with it as one period from the
     * same start (GDPR Art. 12(3): "extended by two further months", three months from receipt; CCPA, Cal. Civ.
     * Code § 1798.130(a)(2): 45 days "extended once by an additional 45 days", 90 days from receipt). The end is moved
     * to a working day once, at the very end (Reg. 1182/71 Art. 3(4)); see {@link Deadlines#extended}.
     */
    public record Extension(boolean toTotal, int amount, Unit unit) {
        public Extension {
            if (amount < 1 || amount > 3660) {
                throw new InvalidValueException("extension.amount", amount, "must be between 1 and 3660");
            }
            Checks.required("extension.unit", unit);
        }

        public static Extension to(int amount, Unit unit) {
            return new Extension(true, amount, unit);
        }

        public static Extension by(int amount, Unit unit) {
            return new Extension(false, amount, unit);
        }

        @Override
        public String toString() {
            return (toTotal ? "extendable to " : "extendable by ") + DeadlineTerm.text(amount, unit);
        }
    }

    /** An acknowledgement deadline, counted from receipt. */
    public record Acknowledgement(int amount, Unit unit) {
        public Acknowledgement {
            if (amount < 1 || amount > 3660) {
                throw new InvalidValueException("acknowledge.amount", amount, "must be between 1 and 3660");
            }
            Checks.required("acknowledge.unit", unit);
        }
    }

    public DeadlineTerm {
        if (amount < 1 || amount > 3660) {
            throw new InvalidValueException("amount", amount, "must be between 1 and 3660");
        }
        Checks.required("unit", unit);
        Checks.required("start", start);
        Checks.required("extension", extension);
        Checks.required("acknowledgeWithin", acknowledgeWithin);
    }

    public static DeadlineTerm of(int amount, Unit unit, Start start) {
        return new DeadlineTerm(amount, unit, start, Optional.empty(), Optional.empty());
    }

    public DeadlineTerm extendable(Extension e) {
        return new DeadlineTerm(amount, unit, start, Optional.of(e), acknowledgeWithin);
    }

    public DeadlineTerm acknowledgedWithin(int n, Unit u) {
        return new DeadlineTerm(amount, unit, start, extension, Optional.of(new Acknowledgement(n, u)));
    }

    static String text(Unit u) {
        return switch (u) {
            case BUSINESS_DAYS -> "business days";
            case CALENDAR_DAYS -> "calendar days";
            case MONTHS -> "months";
        };
    }

    /** "1 month", "30 business days". */
    static String text(int amount, Unit u) {
        String plural = text(u);
        return amount + " " + (amount == 1 ? plural.substring(0, plural.length() - 1) : plural);
    }

    @Override
    public String toString() {
        return text(amount, unit) + " from " + (start == Start.RECEIPT ? "receipt" : "identity verification")
                + extension.map(e -> ", " + e).orElse("")
                + acknowledgeWithin.map(a -> ", acknowledged within " + text(a.amount(), a.unit())).orElse("");
    }
}
