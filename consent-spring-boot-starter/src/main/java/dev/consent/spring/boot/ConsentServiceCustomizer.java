package dev.consent.spring.boot;

import dev.consent.ConsentService;

/**
 * Adjusts the auto-configured {@link ConsentService} before it is built: every bean of this type is applied, in
 * {@link org.springframework.core.annotation.Order @Order}, after the {@code consent.*} properties, so a customizer
 * overrides a property. For what properties cannot express, e.g. the clock, the checkpoint key of ledger pruning, the IP minimiser. To replace the
 * service altogether, define a {@link ConsentService} bean instead.
 */
@FunctionalInterface
public interface ConsentServiceCustomizer {
    /**
     * Adjusts the builder; called once, at start-up.
     *
     * @param builder the builder, with the properties already applied
     */
    void customize(ConsentService.Builder builder);
}
