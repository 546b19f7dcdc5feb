/**
 * The library auto-configured in a Spring Boot application from {@code consent.*} properties
 * ({@link dev.consent.spring.boot.ConsentProperties}): the policy, the JDBC store on the application's data source
 * (joining Spring's transactions through {@link dev.consent.spring.boot.SpringConnectionBinding}), the consent,
 * retention and rights services, the scheduled sweeper, metrics, health and info. Every bean backs off when the
 * application defines its own; start-up fails with a readable analysis when the policy, a setting or the schema is
 * wrong ({@link dev.consent.spring.boot.ConsentFailureAnalyzer}).
 */
package dev.consent.spring.boot;
