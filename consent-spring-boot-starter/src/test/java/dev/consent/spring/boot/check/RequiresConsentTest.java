package dev.consent.spring.boot.check;

import dev.consent.ConsentService;
import dev.consent.InvalidValueException;
import dev.consent.Reason;
import dev.consent.ledger.Capture;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.ledger.VisitorId;
import dev.consent.policy.PurposeId;
import dev.consent.spring.boot.ConsentAutoConfiguration;
import dev.consent.spring.boot.ConsentConfigurationException;
import dev.consent.spring.boot.ConsentFailureAnalyzer;
import dev.consent.spring.boot.StarterTestDatabases;
import org.junit.jupiter.api.Test;
import org.springframework.aop.support.AopUtils;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link RequiresConsent} on a bean's methods: what runs, what is refused and with what, what fails start-up. */
class RequiresConsentTest {
    private static final PurposeId NEWSLETTER = PurposeId.of("marketing.email");

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ConsentAutoConfiguration.class,
                    ConsentCheckAutoConfiguration.class))
            .withPropertyValues("consent.policy=classpath:web-policy.json", "consent.store=in-memory",
                    "consent.retention.reference-key.id=2026-01",
                    "consent.retention.reference-key.secret=" + StarterTestDatabases.SECRET);

    /** A service of the shop's; records which calls ran. */
    public static class Mailer {
        private final List<String> sent = new ArrayList<>();

        public List<String> sent() {
            return sent;
        }

        @RequiresConsent(purpose = "marketing.email")
        public void sendNewsletter(@ConsentSubject String customerId, String issue) {
            sent.add(customerId + ":" + issue);
        }

        @RequiresConsent(purpose = "marketing.email")
        public String greetVisitor(String text, @ConsentSubject VisitorId visitor) {
            sent.add(visitor.value());
            return text;
        }

        @RequiresConsent(purpose = "marketing.email")
        public void sendTo(@ConsentSubject SubjectId subject) {
            sent.add(subject.value());
        }

        public void unguarded(String customerId) {
            sent.add(customerId);
        }
    }

    public static class UnknownPurpose {
        @RequiresConsent(purpose = "marketing.sms")
        public void send(@ConsentSubject String customerId) {
        }
    }

    public static class NoSubject {
        @RequiresConsent(purpose = "marketing.email")
        public void send(String customerId) {
        }
    }

    public static class TwoSubjects {
        @RequiresConsent(purpose = "marketing.email")
        public void send(@ConsentSubject String from, @ConsentSubject String to) {
        }
    }

    public static class WrongType {
        @RequiresConsent(purpose = "marketing.email")
        public void send(@ConsentSubject List<String> customers) {
        }
    }

    @Test
    void anAllowedCallRuns() {
        runner.withBean(Mailer.class).run(context -> {
            assertThat(context).hasNotFailed();
            Mailer mailer = context.getBean(Mailer.class);
            assertThat(AopUtils.isAopProxy(mailer)).isTrue();
            context.getBean(ConsentService.class).grant(SubjectId.of("customer-42"), NEWSLETTER,
                    Capture.by(Method.CHECKBOX));
            mailer.sendNewsletter("customer-42", "spring-sale");
            mailer.sendTo(SubjectId.of("customer-42"));
            assertThat(mailer.sent()).containsExactly("customer-42:spring-sale", "customer-42");
        });
    }

    @Test
    void aCallWithoutConsentIsRefusedWithThePurposeAndTheReasonButNotTheSubject() {
        runner.withBean(Mailer.class).run(context -> {
            Mailer mailer = context.getBean(Mailer.class);
            ConsentService consents = context.getBean(ConsentService.class);

            assertThatThrownBy(() -> mailer.sendNewsletter("customer-42", "spring-sale"))
                    .isInstanceOfSatisfying(ConsentRequiredException.class, e -> {
                        assertThat(e.purpose()).isEqualTo(NEWSLETTER);
                        assertThat(e.reason()).isEqualTo(Reason.NO_RECORD);
                        assertThat(e.getMessage()).contains("marketing.email", "NO_RECORD", "sendNewsletter")
                                .doesNotContain("customer-42");
                    });

            consents.grant(SubjectId.of("customer-42"), NEWSLETTER, Capture.by(Method.CHECKBOX));
            consents.withdraw(SubjectId.of("customer-42"), NEWSLETTER, Capture.by(Method.UNSUBSCRIBE_LINK));
            assertThatThrownBy(() -> mailer.sendNewsletter("customer-42", "summer-sale"))
                    .isInstanceOfSatisfying(ConsentRequiredException.class,
                            e -> assertThat(e.reason()).isEqualTo(Reason.WITHDRAWN));
            assertThat(mailer.sent()).as("the body never ran").isEmpty();

            mailer.unguarded("customer-42");
            assertThat(mailer.sent()).as("methods without the annotation are not checked").containsExactly("customer-42");
        });
    }

    @Test
    void aVisitorIsCheckedUnderItsVisitorSubjectNotAsACustomer() {
        runner.withBean(Mailer.class).run(context -> {
            Mailer mailer = context.getBean(Mailer.class);
            ConsentService consents = context.getBean(ConsentService.class);
            consents.grant(SubjectId.of("customer-42"), NEWSLETTER, Capture.by(Method.CHECKBOX));
            assertThatThrownBy(() -> mailer.greetVisitor("hello", VisitorId.of("customer-42")))
                    .isInstanceOf(ConsentRequiredException.class);
            consents.grant(VisitorId.of("customer-42").subject(), NEWSLETTER, Capture.by(Method.COOKIE_BANNER));
            assertThat(mailer.greetVisitor("hello", VisitorId.of("customer-42"))).isEqualTo("hello");
        });
    }

    @Test
    void aNullSubjectArgumentFailsClosed() {
        runner.withBean(Mailer.class).run(context -> {
            Mailer mailer = context.getBean(Mailer.class);
            assertThatThrownBy(() -> mailer.sendNewsletter(null, "spring-sale"))
                    .isInstanceOf(InvalidValueException.class).hasMessageContaining("@ConsentSubject argument of")
                    .hasMessageContaining("Mailer.sendNewsletter");
            assertThat(mailer.sent()).isEmpty();
        });
    }

    @Test
    void anUnknownPurposeFailsStartUpNamingTheMethodAndThePolicy() {
        runner.withBean(UnknownPurpose.class).run(context -> {
            assertThat(context).hasFailed();
            FailureAnalysis analysis = new ConsentFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(analysis).isNotNull();
            assertThat(analysis.getDescription()).contains("UnknownPurpose.send", "marketing.sms",
                    "starter-web-shop");
            assertThat(context.getStartupFailure()).rootCause()
                    .isInstanceOf(dev.consent.UnknownPurposeException.class);
        });
    }

    @Test
    void aMethodWithoutExactlyOneUsableSubjectParameterFailsStartUp() {
        runner.withBean(NoSubject.class).run(context -> assertThat(context).getFailure()
                .isInstanceOf(ConsentConfigurationException.class)
                .hasStackTraceContaining("NoSubject.send: has no @ConsentSubject parameter"));
        runner.withBean(TwoSubjects.class).run(context -> assertThat(context).getFailure()
                .hasStackTraceContaining("more than one @ConsentSubject parameter"));
        runner.withBean(WrongType.class).run(context -> assertThat(context).getFailure()
                .hasStackTraceContaining("of type java.util.List"));
    }

    @Test
    void turnedOffByPropertyNothingIsChecked() {
        runner.withBean(Mailer.class).withPropertyValues("consent.check.enabled=false").run(context -> {
            assertThat(context).hasNotFailed().doesNotHaveBean(ConsentCheckAutoConfiguration.class);
            Mailer mailer = context.getBean(Mailer.class);
            mailer.sendNewsletter("customer-42", "spring-sale");
            assertThat(mailer.sent()).hasSize(1);
        });
    }
}
