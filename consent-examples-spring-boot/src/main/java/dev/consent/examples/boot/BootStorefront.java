package dev.consent.examples.boot;

import dev.consent.spring.boot.SweeperCustomizer;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/**
 * A storefront that uses the consent library only through consent-spring-boot-starter. The starter builds the policy,
 * the JDBC store on the shop's DataSource (its tables applied by a Flyway run of its own), the services, the scheduled
 * sweeper, metrics and health from {@code application.properties}; the shop adds what only it knows: how to dispose of
 * its own data ({@link #disposal}) and what it holds about a customer ({@link CustomerData}).
 */
@SpringBootApplication
public class BootStorefront {

    /** Created by Spring. */
    public BootStorefront() {
    }

    /** Starts the shop (port 8080 unless {@code server.port} says otherwise). */
    public static void main(String[] args) {
        SpringApplication.run(BootStorefront.class, args);
    }

    /**
     * The shop's disposal code, one handler per data category of the policy: run by the scheduled sweep when an item
     * falls due, and at once by an erasure.
     */
    @Bean
    SweeperCustomizer disposal(Customers customers) {
        return sweeper -> sweeper
                .handler("contact.email", request -> customers.forgetEmail(request.item().subject().value()))
                .handler("account.profile", request -> customers.delete(request.item().subject().value()));
    }
}
