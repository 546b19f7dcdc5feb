package dev.consent;

import dev.consent.internal.Checks;
import dev.consent.ledger.EventRef;
import dev.consent.ledger.SubjectId;

import java.time.Instant;

/**
 * A subject found below the policy's service-wide {@link dev.consent.policy.Policy#minimumAge() minimum age} when an
 * age was declared: what {@link ConsentService#onMinorFound} listeners are told. Seed 004 (HappySell), section 8: "If
 * you are a minor (under the age of 18), this platform refuses to provide you with services" and "If we discover that
 * we have collected personal information about minors ... we will try to delete the data as soon as possible"; the
 * data is held unlawfully (GDPR Art. 8, Art. 17(1)(d)), so it is to be erased without undue delay (Art. 17(1)).
 *
 * @param subject     the subject whose chain holds the declaration
 * @param foundAt     when it was found: the time the declaration was recorded
 * @param age         the subject's age then, by the latest declaration
 * @param minimumAge  the service-wide minimum age of the policy in force then
 * @param declaration the event of the declaration that was recorded
 */
public record MinorFound(SubjectId subject, Instant foundAt, int age, int minimumAge, EventRef declaration) {
    /**
     * @param subject the subject whose chain holds the declaration
     * @param foundAt when it was found
     * @param age the subject's age then
     * @param minimumAge the service-wide minimum age then
     * @param declaration the event of the declaration
     * @throws InvalidValueException when a component is null or {@code age} is not below {@code minimumAge}
     */
    public MinorFound {
        Checks.required("subject", subject);
        Checks.required("foundAt", foundAt);
        Checks.required("declaration", declaration);
        if (age >= minimumAge) {
            throw new InvalidValueException("age", age, "is not below the minimum age " + minimumAge);
        }
    }
}
