package dev.consent.spring.boot.check;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The annotated method runs only when the data subject named by its {@link ConsentSubject} parameter may be processed
 * for {@link #purpose()} now ({@link dev.consent.ConsentService#check}); otherwise it throws
 * {@link ConsentRequiredException} and its body does not run (GDPR Art. 6(1): no processing without a legal basis).
 *
 * <pre>{@code
 * @RequiresConsent(purpose = "marketing.email")
 * public void sendNewsletter(@ConsentSubject String customerId, Newsletter issue) { ... }
 * }</pre>
 *
 * <p>Guarantees, on a method of a Spring bean (called through the bean, not from inside it):
 * <ul>
 *   <li>Start-up fails, naming the method, when the purpose is not declared by the policy in force, or when the method
 *       has no {@link ConsentSubject} parameter, more than one, or one of an unsupported type.</li>
 *   <li>Fail closed at call time: a purpose a later policy version dropped throws
 *       {@link dev.consent.UnknownPurposeException}, a store that cannot answer throws
 *       {@link dev.consent.StoreException}, a null subject argument throws {@link dev.consent.InvalidValueException};
 *       the body runs in none of these cases.</li>
 *   <li>The check runs before a {@code @Transactional} method's transaction is opened.</li>
 * </ul>
 * The annotation is read from the method the bean's class runs (declared there or inherited unchanged from a
 * superclass), not from an interface method it implements nor from a superclass method it overrides.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface RequiresConsent {

    /**
     * The purpose's id in the policy, e.g. {@code marketing.email}.
     *
     * @return the purpose's id, as the policy spells it
     */
    String purpose();
}
