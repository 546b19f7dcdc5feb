package dev.consent.spring.boot;

import dev.consent.rights.RightsService;

/**
 * Adjusts the auto-configured {@link RightsService} before it is built: every bean of this type is applied, in
 * {@link org.springframework.core.annotation.Order @Order}, after the {@code consent.*} properties, so a customizer
 * overrides a property. For what properties cannot express, e.g. holidays, the processing log. To replace the
 * service altogether, define a {@link RightsService} bean instead.
 */
@FunctionalInterface
public interface RightsServiceCustomizer {
    /**
     * Adjusts the builder; called once, at start-up.
     *
     * @param builder the builder, with the properties already applied
     */
    void customize(RightsService.Builder builder);
}
