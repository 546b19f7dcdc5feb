package dev.consent.ledger;

import dev.consent.InvalidValueException;
import dev.consent.internal.Checks;
import dev.consent.policy.PurposeId;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.Period;
import java.time.ZoneId;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What a subject declared (or the shop verified) about the subject's age, recorded once, on its own, with its
 * evidence ({@code ConsentService.declareAge}): an age in whole years at the instant of the declaration, or a birth
 * date. Exactly one of the two is present.
 *
 * <p>How the age is read at an instant (the rules of docs/age.md): from a birth date, the whole years between the
 * birth date and the instant's date in the policy's zone (java.time's rule: someone born on 29 February turns a year
 * older on 1 March in a year without one, never early); from an age in years, that age, at every instant (it is not
 * aged: a declared 17 stays 17 until the subject declares again, which fails closed for every minimum age).
 *
 * <p>On the ledger a declaration is an ordinary event of its subject's chain, of kind {@link Choice#AGE_DECLARED},
 * so that it has evidence, a place in the hash chain, and appears in the history, verification, the access export
 * and receipts like every other event. It concerns no purpose of the policy: its purpose field holds the reserved
 * id {@link #PURPOSE} ({@code subject-age}) for an age in years, and {@code subject-age.born-YYYY-MM-DD} for a birth
 * date, which no policy may give a purpose (the birth date is hashed with the event and read back from it); its
 * declared age is the age at the instant of the declaration in either case, so that every reader of the event sees
 * an age.
 *
 * @param years     the age in whole years at the instant of the declaration, 0 to {@value #MAX_AGE}
 * @param birthDate the subject's date of birth
 */
public record AgeDeclaration(OptionalInt years, Optional<LocalDate> birthDate) {
    /** The reserved purpose id of age declarations; no policy may declare a purpose under it. */
    public static final PurposeId PURPOSE = PurposeId.of("subject-age");
    /** The oldest age a declaration may state or imply: older is refused as absurd (and the ledger keeps 0 to 150). */
    public static final int MAX_AGE = 150;
    private static final String BORN = PURPOSE.value() + ".born-";

    /**
     * Checks that exactly one of the two is present and that an age in years is in range.
     *
     * @param years the age in whole years at the instant of the declaration, 0 to {@value #MAX_AGE}
     * @param birthDate the subject's date of birth
     * @throws InvalidValueException (field {@code ageDeclaration}) when both or neither are present, (field
     *         {@code years}) when the age is outside 0 to {@value #MAX_AGE}, or naming the field that is null
     */
    public AgeDeclaration {
        Checks.required("years", years);
        Checks.required("birthDate", birthDate);
        if (years.isPresent() == birthDate.isPresent()) {
            throw new InvalidValueException("ageDeclaration", years.isPresent() ? "years and birthDate" : "neither",
                    "must give exactly one of an age in years and a birth date");
        }
        if (years.isPresent() && (years.getAsInt() < 0 || years.getAsInt() > MAX_AGE)) {
            throw new InvalidValueException("years", years.getAsInt(), "must be between 0 and " + MAX_AGE);
        }
    }

    /**
     * An age of {@code years} whole years at the instant of the declaration.
     *
     * @param years 0 to {@value #MAX_AGE}
     * @return the declaration
     * @throws InvalidValueException when {@code years} is out of range
     */
    public static AgeDeclaration years(int years) {
        return new AgeDeclaration(OptionalInt.of(years), Optional.empty());
    }

    /**
     * A date of birth; whether it is plausible is checked against the declaration's instant when it is recorded
     * ({@link #requirePlausibleAt(Instant, ZoneId)}).
     *
     * @param birthDate the subject's date of birth
     * @return the declaration
     * @throws InvalidValueException when {@code birthDate} is null
     */
    public static AgeDeclaration bornOn(LocalDate birthDate) {
        return new AgeDeclaration(OptionalInt.empty(), Optional.of(Checks.required("birthDate", birthDate)));
    }

    /**
     * The age this declaration states at {@code at}, in {@code zone}: from a birth date the whole years up to the
     * date of {@code at} in {@code zone} (0 before the birth date), else the declared years.
     *
     * @param at the instant the age is wanted at
     * @param zone the policy's zone, whose calendar date counts
     * @return the age in whole years, never negative
     */
    public int ageAt(Instant at, ZoneId zone) {
        if (birthDate.isEmpty()) {
            return years.getAsInt();
        }
        return yearsBetween(birthDate.get(), at, zone);
    }

    /**
     * Checks the declaration made at {@code declaredAt} in {@code zone}: a birth date after that date, or one that
     * makes the subject older than {@value #MAX_AGE}, is refused.
     *
     * @param declaredAt the instant of the declaration
     * @param zone the policy's zone
     * @throws InvalidValueException naming {@code birthDate}
     */
    public void requirePlausibleAt(Instant declaredAt, ZoneId zone) {
        if (birthDate.isEmpty()) {
            return;
        }
        LocalDate today = LocalDate.ofInstant(declaredAt, zone);
        if (birthDate.get().isAfter(today)) {
            throw new InvalidValueException("birthDate", birthDate.get(), "is after the date of the declaration "
                    + today + " (" + zone + "): a subject cannot be born in the future");
        }
        if (Period.between(birthDate.get(), today).getYears() > MAX_AGE) {
            throw new InvalidValueException("birthDate", birthDate.get(), "makes the subject older than " + MAX_AGE
                    + " on the date of the declaration " + today + " (" + zone + ")");
        }
    }

    /**
     * The purpose id this declaration is recorded under.
     *
     * @return {@link #PURPOSE} for an age in years, {@code subject-age.born-YYYY-MM-DD} for a birth date
     */
    public PurposeId purposeId() {
        return birthDate.map(d -> PurposeId.of(BORN + d)).orElse(PURPOSE);
    }

    /**
     * Whether {@code purpose} is reserved for age declarations, so that no policy may give a purpose that id.
     *
     * @param purpose any purpose id
     * @return true for {@link #PURPOSE} and every id beneath it ({@code subject-age.*})
     */
    public static boolean isReserved(PurposeId purpose) {
        String v = purpose.value();
        return v.equals(PURPOSE.value()) || v.startsWith(PURPOSE.value() + ".");
    }

    /**
     * The birth date an age declaration's purpose id carries, if it carries one.
     *
     * @param purpose a purpose id reserved for age declarations ({@link #isReserved(PurposeId)})
     * @return the birth date, or empty for {@link #PURPOSE}
     * @throws InvalidValueException when the id is reserved for age declarations but is neither {@link #PURPOSE} nor
     *     {@code subject-age.born-} followed by an ISO date
     */
    public static Optional<LocalDate> birthDateOf(PurposeId purpose) {
        String v = purpose.value();
        if (v.equals(PURPOSE.value())) {
            return Optional.empty();
        }
        if (v.startsWith(BORN)) {
            try {
                return Optional.of(LocalDate.parse(v.substring(BORN.length())));
            } catch (DateTimeException e) {
                // falls through to the refusal below
            }
        }
        throw new InvalidValueException("purpose", v, "is reserved for age declarations but is neither "
                + PURPOSE + " nor " + BORN + "YYYY-MM-DD");
    }

    /**
     * The declaration an {@link Choice#AGE_DECLARED} event records.
     *
     * @param event an event of the ledger
     * @return the declaration, read back from the event's purpose id and declared age
     * @throws InvalidValueException when the event is of another kind or its purpose is not an age declaration's
     */
    public static AgeDeclaration of(ConsentEvent event) {
        if (event.choice() != Choice.AGE_DECLARED) {
            throw new InvalidValueException("choice", event.choice(), "is not " + Choice.AGE_DECLARED);
        }
        Optional<LocalDate> born = birthDateOf(event.purpose());
        return born.isPresent() ? bornOn(born.get()) : years(event.declaredAge().orElseThrow(
                () -> new InvalidValueException("declaredAge", null, "is required of an age declaration")));
    }

    /**
     * Whole years from {@code born} to the date of {@code at} in {@code zone}, by java.time's rule (a birthday on
     * 29 February counts on 1 March in other years).
     *
     * @param born the date of birth
     * @param at the instant
     * @param zone the zone whose calendar date of {@code at} counts
     * @return the age in whole years; 0 before the birth date
     */
    public static int yearsBetween(LocalDate born, Instant at, ZoneId zone) {
        LocalDate date = LocalDate.ofInstant(at, zone);
        return date.isBefore(born) ? 0 : Period.between(born, date).getYears();
    }
}
