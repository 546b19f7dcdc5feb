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
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionSynchronizationManager;

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

        /** Adds the customer and grants the newsletter, then fails, outside any transaction. */
        public void signUpThenFail(String id, String email) {
            signUp(id, email, true);
            throw new SignUpFailed(TransactionSynchronizationManager.isActualTransactionActive(), mayEmail(id));
        }

        /** May we send the customer the newsletter? */
        public boolean mayEmail(String id) {
            return consents.check(SubjectId.of(id), PurposeId.of("marketing.email")).allowed();
        }
    }

    /** The sign-up in one transaction: the customer row and the newsletter consent commit or roll back together. */
    @Service
    public static class TransactionalSignUp {
        private final SignUp signUp;

        TransactionalSignUp(SignUp signUp) {
            this.signUp = signUp;
        }

        /** Signs the customer up in one transaction. */
        @Transactional
        public void signUp(String id, String email, boolean newsletter) {
            signUp.signUp(id, email, newsletter);
        }

        /** Signs the customer up with the newsletter, checks it inside the transaction, then fails: it rolls back. */
        @Transactional
        public void signUpThenFail(String id, String email) {
            signUp.signUpThenFail(id, email);
        }
    }

    /** A sign-up failed after recording the consent; says what the code saw before the failure. */
    public static class SignUpFailed extends RuntimeException {
        private final boolean inTransaction;
        private final boolean allowedBeforeFailure;

        SignUpFailed(boolean inTransaction, boolean allowedBeforeFailure) {
            super("sign-up failed after the newsletter was granted");
            this.inTransaction = inTransaction;
            this.allowedBeforeFailure = allowedBeforeFailure;
        }

        /** Whether a Spring-managed transaction was active when it failed. */
        public boolean inTransaction() {
            return inTransaction;
        }

        /** What the consent check answered just before the failure. */
        public boolean allowedBeforeFailure() {
            return allowedBeforeFailure;
        }
    }
}
