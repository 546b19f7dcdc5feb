package dev.consent.spring.boot.web;

import dev.consent.ConsentService;
import dev.consent.Reason;
import dev.consent.StoreException;
import dev.consent.ledger.Capture;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.Evidence;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.store.ConsentStore;
import dev.consent.store.InMemoryStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static dev.consent.spring.boot.web.WebTestPolicy.NEWSLETTER;
import static dev.consent.spring.boot.web.WebTestPolicy.SHARING;
import static org.assertj.core.api.Assertions.assertThat;

/** The filter on its own, over an in-memory store: when it applies the signal, with what evidence, and how often. */
class ConsentGpcFilterTest {
    private static final SubjectId ALICE = SubjectId.of("alice");

    private final AtomicBoolean storeDown = new AtomicBoolean();
    private final ConsentService consents = WebTestPolicy.consents(failing(new InMemoryStore(), storeDown));
    private final AtomicLong nanos = new AtomicLong();
    private final ConsentGpcFilter filter = new ConsentGpcFilter(consents,
            request -> Optional.ofNullable(request.getUserPrincipal()).map(p -> SubjectId.of(p.getName())),
            100, Duration.ofMinutes(10), nanos::get);

    @AfterEach
    void close() {
        consents.close();
    }

    /** A store that throws the store's own failure from every method while {@code down} is set. */
    static ConsentStore failing(ConsentStore store, AtomicBoolean down) {
        return (ConsentStore) Proxy.newProxyInstance(ConsentStore.class.getClassLoader(),
                new Class<?>[] {ConsentStore.class}, (proxy, method, args) -> {
                    if (down.get()) {
                        throw new StoreException(method.getName(), "connection refused");
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private static MockHttpServletRequest signal(String user) {
        MockHttpServletRequest request = new MockHttpServletRequest("GET", "/shop");
        request.addHeader("Sec-GPC", "1");
        if (user != null) {
            request.setUserPrincipal(() -> user);
        }
        return request;
    }

    /** Runs the request through the filter; returns whether the rest of the chain ran. */
    private boolean run(MockHttpServletRequest request) throws Exception {
        MockFilterChain chain = new MockFilterChain();
        filter.doFilter(request, new MockHttpServletResponse(), chain);
        return chain.getRequest() != null;
    }

    @Test
    void aRequestWithoutTheHeaderOrWithAnotherValueReadsAndWritesNothing() throws Exception {
        MockHttpServletRequest plain = signal("alice");
        plain.removeHeader("Sec-GPC");
        MockHttpServletRequest zero = signal("alice");
        zero.removeHeader("Sec-GPC");
        zero.addHeader("Sec-GPC", "0");
        storeDown.set(true); // any store access would be counted as a failure
        assertThat(run(plain)).isTrue();
        assertThat(run(zero)).isTrue();
        assertThat(filter.applications()).isZero();
        assertThat(filter.failures()).isZero();
        storeDown.set(false);
        assertThat(consents.history(ALICE)).isEmpty();
    }

    @Test
    void aRequestWithoutASubjectIsPassedOnUntouched() throws Exception {
        assertThat(run(signal(null))).isTrue();
        assertThat(filter.applications()).isZero();
        assertThat(filter.failures()).isZero();
    }

    @Test
    void theSignalOptsTheSubjectOutOfSaleAndSharingWithTheRequestsMinimisedEvidence() throws Exception {
        MockHttpServletRequest request = signal("alice");
        request.addHeader("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0");
        request.addHeader("Accept-Language", "de-DE,de;q=0.9");
        request.addPreferredLocale(java.util.Locale.GERMANY);
        request.setRemoteAddr("203.0.113.77");

        assertThat(run(request)).isTrue();

        List<ConsentEvent> history = consents.history(ALICE);
        assertThat(history).singleElement().satisfies(e -> {
            assertThat(e.purpose()).isEqualTo(SHARING);
            assertThat(e.choice()).isEqualTo(Choice.DENIED);
            assertThat(e.method()).isEqualTo(Method.GPC);
            assertThat(e.evidence().ip()).isEqualTo("203.0.113.0/24");
            assertThat(e.evidence().userAgent()).isEqualTo("Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0");
            assertThat(e.evidence().locale()).isEqualTo("de-DE");
        });
        assertThat(consents.check(ALICE, SHARING).reason()).isEqualTo(Reason.GPC_OPT_OUT);
        assertThat(consents.check(ALICE, NEWSLETTER).reason()).as("GPC touches no other purpose")
                .isEqualTo(Reason.NO_RECORD);
    }

    @Test
    void onceAppliedASubjectsFurtherSignalsReadNothingUntilTheRecheck() throws Exception {
        run(signal("alice"));
        assertThat(filter.applications()).isEqualTo(1);

        storeDown.set(true); // a second application would read the store and fail
        for (int i = 0; i < 5; i++) {
            assertThat(run(signal("alice"))).isTrue();
        }
        assertThat(filter.applications()).isEqualTo(1);
        assertThat(filter.failures()).isZero();
        storeDown.set(false);

        nanos.addAndGet(Duration.ofMinutes(11).toNanos());
        run(signal("alice"));
        assertThat(filter.applications()).as("applied again after recheck-after").isEqualTo(2);
        assertThat(consents.history(ALICE)).as("which wrote nothing: nothing changed").hasSize(1);
    }

    @Test
    void aChangeOfTheSubjectsChoicesIsRecordedAtTheNextApplication() throws Exception {
        run(signal("alice"));
        consents.grant(ALICE, SHARING, Capture.by(Method.CHECKBOX)); // an explicit opt-in after the signal
        nanos.addAndGet(Duration.ofMinutes(11).toNanos());

        run(signal("alice"));

        assertThat(consents.history(ALICE)).extracting(ConsentEvent::choice)
                .containsExactly(Choice.DENIED, Choice.GRANTED, Choice.GPC_OVERRIDDEN);
        assertThat(consents.check(ALICE, SHARING).allowed()).as("the opt-in stands").isTrue();
    }

    @Test
    void aStoreThatIsDownNeverBreaksThePageIsCountedAndTriedAgainNextTime() throws Exception {
        storeDown.set(true);
        assertThat(run(signal("alice"))).isTrue();
        assertThat(filter.failures()).isEqualTo(1);
        assertThat(filter.applications()).isZero();

        storeDown.set(false);
        assertThat(run(signal("alice"))).isTrue();
        assertThat(filter.applications()).as("the failure was not remembered as applied").isEqualTo(1);
        assertThat(consents.check(ALICE, SHARING).reason()).isEqualTo(Reason.GPC_OPT_OUT);
    }

    @Test
    void aResolverThatThrowsNeverBreaksThePage() throws Exception {
        ConsentGpcFilter broken = new ConsentGpcFilter(consents, request -> {
            throw new IllegalStateException("session store down");
        }, 10, Duration.ofMinutes(1));
        MockFilterChain chain = new MockFilterChain();
        broken.doFilter(signal("alice"), new MockHttpServletResponse(), chain);
        assertThat(chain.getRequest()).isNotNull();
        assertThat(broken.failures()).isEqualTo(1);
    }

    @Test
    void evidenceTheLedgerCannotHoldIsLeftOutNotRefused() throws Exception {
        MockHttpServletRequest request = signal("alice");
        request.addHeader("User-Agent", "x".repeat(1001));
        request.setRemoteAddr("unknown"); // what some proxies report
        assertThat(run(request)).isTrue();
        assertThat(consents.history(ALICE)).singleElement()
                .satisfies(e -> assertThat(e.evidence()).isEqualTo(Evidence.NONE));

        MockHttpServletRequest control = new MockHttpServletRequest();
        control.addHeader("User-Agent", "bad\u0007agent");
        control.setRemoteAddr("2001:db8:1234:5678::1");
        Evidence evidence = ConsentGpcFilter.evidence(control);
        assertThat(evidence.userAgent()).isNull();
        assertThat(evidence.locale()).as("no Accept-Language: the server's default locale is not the client's").isNull();
        assertThat(evidence.ip()).as("raw here; minimised by the service when stored").isEqualTo("2001:db8:1234:5678::1");
    }

    @Test
    void ipv6AddressesAreStoredMinimised() throws Exception {
        MockHttpServletRequest request = signal("alice");
        request.setRemoteAddr("2001:db8:1234:5678::1");
        run(request);
        assertThat(consents.history(ALICE).get(0).evidence().ip()).isEqualTo("2001:db8:1234::/48");
    }

    @Test
    void settingsOutOfRangeAreRefusedNamingTheProperty() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new ConsentGpcFilter(consents, r -> Optional.empty(),
                0, Duration.ofMinutes(1))).hasMessageContaining("consent.web.gpc.cache-size");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new ConsentGpcFilter(consents, r -> Optional.empty(),
                1, Duration.ZERO)).hasMessageContaining("consent.web.gpc.recheck-after");
    }
}
