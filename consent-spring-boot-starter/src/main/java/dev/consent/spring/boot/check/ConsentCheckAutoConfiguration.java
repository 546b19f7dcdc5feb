package dev.consent.spring.boot.check;

import dev.consent.ConsentService;
import dev.consent.policy.Policy;
import dev.consent.spring.boot.ConsentAutoConfiguration;
import org.springframework.aop.Advisor;
import org.springframework.aop.config.AopConfigUtils;
import org.springframework.aop.support.DefaultPointcutAdvisor;
import org.springframework.aop.support.annotation.AnnotationMatchingPointcut;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.context.annotation.Role;
import org.springframework.core.Ordered;
import org.springframework.core.type.AnnotationMetadata;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * Enforces {@link RequiresConsent} on the application's beans: an advisor applying {@link ConsentCheckInterceptor} to
 * every annotated method (registering Spring's infrastructure auto-proxy creator if the application has none), and a
 * check when the singletons are created that every annotated method of every bean names a purpose the policy in force
 * declares and has exactly one usable {@link ConsentSubject} parameter; start-up fails naming the method otherwise.
 * Turned off by {@code consent.check.enabled=false}. The advisor runs before a transaction advisor at the default
 * order, so that no transaction is opened for a call that is refused.
 */
@AutoConfiguration(after = ConsentAutoConfiguration.class)
@ConditionalOnBean(ConsentService.class)
@ConditionalOnProperty(name = "consent.check.enabled", havingValue = "true", matchIfMissing = true)
@Import(ConsentCheckAutoConfiguration.AutoProxy.class)
public class ConsentCheckAutoConfiguration {
    /** The advisor's order: before {@code @Transactional}'s advisor (lowest precedence by default). */
    public static final int ORDER = Ordered.LOWEST_PRECEDENCE - 100;

    /** Created by Spring. */
    public ConsentCheckAutoConfiguration() {
    }

    /** Applies the check to every method annotated {@link RequiresConsent}. */
    @Bean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    static Advisor consentCheckAdvisor(ObjectProvider<ConsentService> consents) {
        DefaultPointcutAdvisor advisor = new DefaultPointcutAdvisor(
                AnnotationMatchingPointcut.forMethodAnnotation(RequiresConsent.class),
                new ConsentCheckInterceptor(consents));
        advisor.setOrder(ORDER);
        return advisor;
    }

    /** Checks every annotated method of every bean once the singletons exist. */
    @Bean
    static SmartInitializingSingleton consentCheckValidator(ConfigurableListableBeanFactory beans,
            ObjectProvider<ConsentService> consents) {
        return () -> {
            Policy policy = consents.getObject().policy();
            for (String name : beans.getBeanDefinitionNames()) {
                Class<?> type = beans.getType(name, false);
                if (type == null) {
                    continue;
                }
                ReflectionUtils.doWithMethods(ClassUtils.getUserClass(type), m -> {
                    ConsentGuard guard = ConsentGuard.of(m);
                    if (guard != null) {
                        guard.requireDeclaredBy(policy);
                    }
                }, m -> m.isAnnotationPresent(RequiresConsent.class));
            }
        };
    }

    /** Registers Spring's infrastructure auto-proxy creator unless the application has one (idempotent). */
    static class AutoProxy implements ImportBeanDefinitionRegistrar {
        @Override
        public void registerBeanDefinitions(AnnotationMetadata metadata, BeanDefinitionRegistry registry) {
            AopConfigUtils.registerAutoProxyCreatorIfNecessary(registry);
        }
    }
}
