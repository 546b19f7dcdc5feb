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
        /** Every day counts, weekends and holidays too; only the end is moved to a working day. */
        CALENDAR_DAYS,
        /** Calendar months: the same date of the last month, or that month's last day (Reg. 1182/71 Art. 3(2)(c)). */
        MONTHS
    }

    /** When the clock starts. */
    public enum Start {
        /** The day the request was received (not counted, Reg. 1182/71 Art. 3(1)). */
        RECEIPT,
        /** The day the subject's identity was verified; the clock does not run before it. */
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
        /**
         * Checks the extension's length.
         *
         * @param toTotal true for an extension to a total from the same start, false for one by more time
         * @param amount how many units, 1 to 3660
         * @param unit the unit
         * @throws InvalidValueException (field {@code extension.<name>}) when the amount is out of range or the unit
         *         missing
         */
        public Extension {
            if (amount < 1 || amount > 3660) {
                throw new InvalidValueException("extension.amount", amount, "must be between 1 and 3660");
            }
            Checks.required("extension.unit", unit);
        }

        /**
         * An extension to a total, counted from the same start as the term.
         *
         * @param amount the total, 1 to 3660 units
         * @param unit its unit
         * @return the extension
         */
        public static Extension to(int amount, Unit unit) {
            return new Extension(true, amount, unit);
        }

        /**
         * An extension by more time, added to the term and counted with it as one period.
         *
         * @param amount the extra time, 1 to 3660 units
         * @param unit its unit
         * @return the extension
         */
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
        /**
         * Checks the acknowledgement period's length.
         *
         * @param amount how many units, 1 to 3660
         * @param unit the unit
         * @throws InvalidValueException (field {@code acknowledge.<name>}) when the amount is out of range or the unit
         *         missing
         */
        public Acknowledgement {
            if (amount < 1 || amount > 3660) {
                throw new InvalidValueException("acknowledge.amount", amount, "must be between 1 and 3660");
            }
            Checks.required("acknowledge.unit", unit);
        }
    }

    /**
     * Checks the term's length and that nothing is null (absent parts are empty optionals).
     *
     * @param amount how many units, 1 to 3660
     * @param unit the unit
     * @param start when the clock starts
     * @param extension how far the deadline may be extended
     * @param acknowledgeWithin when receipt must be confirmed
     * @throws InvalidValueException naming the field that is out of range or null
     */
    public DeadlineTerm {
        if (amount < 1 || amount > 3660) {
            throw new InvalidValueException("amount", amount, "must be between 1 and 3660");
        }
        Checks.required("unit", unit);
        Checks.required("start", start);
        Checks.required("extension", extension);
        Checks.required("acknowledgeWithin", acknowledgeWithin);
    }

    /**
     * A term without extension or acknowledgement deadline.
     *
     * @param amount how many units, 1 to 3660
     * @param unit the unit
     * @param start when the clock starts
     * @return the term
     */
    public static DeadlineTerm of(int amount, Unit unit, Start start) {
        return new DeadlineTerm(amount, unit, start, Optional.empty(), Optional.empty());
    }

    /**
     * This term, extendable as {@code e} says.
     *
     * @param e the extension
     * @return the copy
     */
    public DeadlineTerm extendable(Extension e) {
        return new DeadlineTerm(amount, unit, start, Optional.of(e), acknowledgeWithin);
    }

    /**
     * This term, with receipt to be confirmed within {@code n} {@code u} of receipt.
     *
     * @param n how many units, 1 to 3660
     * @param u the unit
     * @return the copy
     */
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
