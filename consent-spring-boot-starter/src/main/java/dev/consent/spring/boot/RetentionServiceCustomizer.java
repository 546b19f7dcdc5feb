package dev.consent.spring.boot;

import dev.consent.retention.RetentionService;

/**
 * Adjusts the auto-configured {@link RetentionService} before it is built: every bean of this type is applied, in
 * {@link org.springframework.core.annotation.Order @Order}, after the {@code consent.*} properties, so a customizer
 * overrides a property. For what properties cannot express, e.g. the clock, or reference keys read from a secret store instead of properties. To replace the
 * service altogether, define a {@link RetentionService} bean instead.
 */
@FunctionalInterface
public interface RetentionServiceCustomizer {
    /**
     * Adjusts the builder; called once, at start-up.
     *
     * @param builder the builder, with the properties already applied
     */
    void customize(RetentionService.Builder builder);
}
