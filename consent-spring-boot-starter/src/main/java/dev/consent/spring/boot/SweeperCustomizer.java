package dev.consent.spring.boot;

import dev.consent.retention.Sweeper;

/**
 * Adjusts the auto-configured {@link Sweeper} before it is built: every bean of this type is applied, in
 * {@link org.springframework.core.annotation.Order @Order}, after the {@code consent.*} properties, so a customizer
 * overrides a property. For what properties cannot express, e.g. the disposal handlers, one per data category, that delete or anonymise the application's own rows. To replace the
 * service altogether, define a {@link Sweeper} bean instead.
 */
@FunctionalInterface
public interface SweeperCustomizer {
    /**
     * Adjusts the builder; called once, at start-up.
     *
     * @param builder the builder, with the properties already applied
     */
    void customize(Sweeper.Builder builder);
}
