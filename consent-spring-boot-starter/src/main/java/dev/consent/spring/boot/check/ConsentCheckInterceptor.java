package dev.consent.spring.boot.check;

import dev.consent.ConsentService;
import dev.consent.Decision;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.ObjectProvider;

import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Enforces {@link RequiresConsent}: checks the subject's consent for the method's purpose before the method runs, and
 * refuses with {@link ConsentRequiredException} when it is not allowed. Everything the check throws
 * ({@link dev.consent.UnknownPurposeException}, {@link dev.consent.StoreException},
 * {@link dev.consent.InvalidValueException}) is thrown as it is; in no case does the method run. Thread-safe.
 */
public final class ConsentCheckInterceptor implements MethodInterceptor {
    private final ObjectProvider<ConsentService> consents;
    private final Map<Method, ConsentGuard> guards = new ConcurrentHashMap<>();

    /** @param consents the consent service, looked up at the first call (so that creating this creates nothing) */
    public ConsentCheckInterceptor(ObjectProvider<ConsentService> consents) {
        this.consents = consents;
    }

    @Override
    public Object invoke(MethodInvocation invocation) throws Throwable {
        Object target = invocation.getThis();
        Method method = target == null ? invocation.getMethod()
                : AopUtils.getMostSpecificMethod(invocation.getMethod(), AopUtils.getTargetClass(target));
        ConsentGuard guard = guards.computeIfAbsent(method, ConsentGuard::of);
        if (guard == null) {
            guard = guards.computeIfAbsent(invocation.getMethod(), ConsentGuard::of);
        }
        if (guard == null) {
            return invocation.proceed(); // the pointcut matched no annotated method: nothing is required
        }
        Decision decision = consents.getObject().check(guard.subject(invocation.getArguments()), guard.purpose());
        if (!decision.allowed()) {
            throw new ConsentRequiredException(guard.purpose(), decision.reason(), guard.method());
        }
        return invocation.proceed();
    }
}
