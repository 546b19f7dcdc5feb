package dev.consent.spring.boot.app;

import dev.consent.ConsentService;
import dev.consent.ledger.Capture;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.PurposeId;
import dev.consent.spring.boot.SweeperCustomizer;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;

/**
 * A tiny shop that uses the library only through the starter: its own table ({@code shop-schema.sql}), a sign-up that
 * records the newsletter consent, and a disposal handler for the customers' email addresses.
 */
@SpringBootApplication
public class ShopApplication {

    /** Deletes a customer's email address when it falls due. */
    @Bean
    SweeperCustomizer emailDisposal(JdbcTemplate jdbc) {
        return sweeper -> sweeper.handler("contact.email", request -> jdbc.update(
                "UPDATE starter_shop_customers SET email = NULL WHERE id = ?", request.item().subject().value()));
    }

    /** Signs customers up: their row in the shop's table, and their newsletter choice in the consent ledger. */
    @Service
    public static class SignUp {
        private final JdbcTemplate jdbc;
        private final ConsentService consents;

        SignUp(JdbcTemplate jdbc, ConsentService consents) {
            this.jdbc = jdbc;
            this.consents = consents;
        }

        /** Adds the customer and records the newsletter checkbox, ticked or not. */
        public void signUp(String id, String email, boolean newsletter) {
            jdbc.update("INSERT INTO starter_shop_customers (id, email) VALUES (?, ?)", id, email);
            PurposeId purpose = PurposeId.of("marketing.email");
            Capture capture = Capture.by(Method.CHECKBOX);
            if (newsletter) {
                consents.grant(SubjectId.of(id), purpose, capture);
            } else {
                consents.deny(SubjectId.of(id), purpose, capture);
            }
        }

        /** May we send the customer the newsletter? */
        public boolean mayEmail(String id) {
            return consents.check(SubjectId.of(id), PurposeId.of("marketing.email")).allowed();
        }
    }
}
