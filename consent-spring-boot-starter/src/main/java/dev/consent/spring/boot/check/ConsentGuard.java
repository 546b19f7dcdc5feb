package dev.consent.spring.boot.check;

import dev.consent.InvalidValueException;
import dev.consent.UnknownPurposeException;
import dev.consent.ledger.SubjectId;
import dev.consent.ledger.VisitorId;
import dev.consent.policy.Policy;
import dev.consent.policy.PurposeId;
import dev.consent.spring.boot.ConsentConfigurationException;

import java.lang.reflect.Method;
import java.util.Set;
import java.util.UUID;

/**
 * What one {@link RequiresConsent} method asks: its purpose and the position of its {@link ConsentSubject} parameter,
 * read and checked once. Immutable.
 */
final class ConsentGuard {
    private static final Set<Class<?>> SUBJECT_TYPES = Set.of(SubjectId.class, VisitorId.class, String.class,
            UUID.class, Long.class, long.class, Integer.class, int.class);

    private final PurposeId purpose;
    private final int subjectIndex;
    private final String method;

    private ConsentGuard(PurposeId purpose, int subjectIndex, String method) {
        this.purpose = purpose;
        this.subjectIndex = subjectIndex;
        this.method = method;
    }

    /**
     * The guard of {@code m}, or null when it carries no {@link RequiresConsent}.
     *
     * @throws ConsentConfigurationException when the purpose is not a purpose id, or the method lacks exactly one
     *     {@link ConsentSubject} parameter of a supported type
     */
    static ConsentGuard of(Method m) {
        RequiresConsent annotation = m.getAnnotation(RequiresConsent.class);
        if (annotation == null) {
            return null;
        }
        String name = describe(m);
        String where = "@RequiresConsent on " + name;
        PurposeId purpose;
        try {
            purpose = PurposeId.of(annotation.purpose());
        } catch (InvalidValueException e) {
            throw new ConsentConfigurationException(where, "names no valid purpose id (" + e.getMessage() + ")",
                    "Name a purpose the policy declares, e.g. @RequiresConsent(purpose = \"marketing.email\")", e);
        }
        int index = -1;
        Class<?>[] types = m.getParameterTypes();
        for (int i = 0; i < types.length; i++) {
            if (m.getParameters()[i].isAnnotationPresent(ConsentSubject.class)) {
                if (index >= 0) {
                    throw new ConsentConfigurationException(where, "has more than one @ConsentSubject parameter",
                            "Mark exactly the one parameter that names the data subject");
                }
                if (!SUBJECT_TYPES.contains(types[i])) {
                    throw new ConsentConfigurationException(where, "has a @ConsentSubject parameter of type "
                            + types[i].getName() + ", which names no subject", "Pass the subject as a SubjectId, "
                            + "VisitorId, String, UUID, long or int");
                }
                index = i;
            }
        }
        if (index < 0) {
            throw new ConsentConfigurationException(where, "has no @ConsentSubject parameter, so it cannot tell whose "
                    + "consent to check", "Mark the parameter that names the data subject with @ConsentSubject");
        }
        return new ConsentGuard(purpose, index, name);
    }

    /**
     * Fails when the policy does not declare the purpose.
     *
     * @throws ConsentConfigurationException naming the method, caused by the {@link UnknownPurposeException}
     */
    void requireDeclaredBy(Policy policy) {
        if (policy.findPurpose(purpose).isEmpty()) {
            throw new ConsentConfigurationException("@RequiresConsent on " + method, "names purpose " + purpose
                    + ", which policy " + policy.id() + " version " + policy.version() + " does not declare",
                    "Correct the purpose, or declare it in the policy", new UnknownPurposeException(purpose.value(),
                            policy.id(), policy.version()));
        }
    }

    PurposeId purpose() {
        return purpose;
    }

    String method() {
        return method;
    }

    /**
     * The subject named by the call's arguments.
     *
     * @throws InvalidValueException when the subject argument is null or not a valid subject id
     */
    SubjectId subject(Object[] arguments) {
        Object value = arguments[subjectIndex];
        if (value == null) {
            throw new InvalidValueException("subject", null, "is required: the @ConsentSubject argument of " + method
                    + " is null, so no consent can be checked");
        }
        if (value instanceof SubjectId s) {
            return s;
        }
        if (value instanceof VisitorId v) {
            return v.subject();
        }
        return SubjectId.of(value.toString());
    }

    private static String describe(Method m) {
        return m.getDeclaringClass().getName() + "." + m.getName();
    }
}
