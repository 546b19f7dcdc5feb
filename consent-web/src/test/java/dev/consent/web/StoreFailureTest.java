package dev.consent.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.consent.ConsentService;
import dev.consent.StoreException;
import dev.consent.store.ConsentStore;
import dev.consent.store.InMemoryStore;
import org.junit.jupiter.api.Test;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicBoolean;

import static dev.consent.web.WebFixture.choice;
import static dev.consent.web.WebFixture.choices;
import static dev.consent.web.WebFixture.cookie;
import static dev.consent.web.WebFixture.get;
import static dev.consent.web.WebFixture.json;
import static dev.consent.web.WebFixture.post;
import static dev.consent.web.WebFixture.purpose;
import static org.assertj.core.api.Assertions.assertThat;

/** A store that cannot be reached is answered 503: nothing is shown as decided, nothing is recorded. */
class StoreFailureTest {
    private final InMemoryStore memory = new InMemoryStore();
    private final AtomicBoolean down = new AtomicBoolean();
    private final ConsentService consents = ConsentService.builder().policy(WebFixture.policy(2)).cacheSize(0)
            .store(failing()).build();
    private final ConsentWebHandler handler = ConsentWebHandler.builder(consents).build();

    /** The in-memory store, whose ledger reads and writes fail while {@link #down} is set. */
    private ConsentStore failing() {
        return (ConsentStore) Proxy.newProxyInstance(ConsentStore.class.getClassLoader(),
                new Class<?>[] {ConsentStore.class}, (proxy, method, args) -> {
                    if (down.get() && !method.getName().toLowerCase(java.util.Locale.ROOT).contains("change")) {
                        throw new StoreException(method.getName(), "the database is unreachable");
                    }
                    try {
                        return method.invoke(memory, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Test
    void neitherTheListingNorTheRecordingAnswersAnythingButUnavailable() {
        WebResponse first = handler.handle(get("/purposes").build());
        String visitor = WebFixture.visitorCookie(first);
        String deny = choices("en", choice(purpose(json(first), "analytics"), "denied"));
        down.set(true);

        WebResponse listing = handler.handle(get("/purposes").header("Cookie", cookie(visitor)).build());
        WebResponse recording = handler.handle(post("/choices", deny).header("Cookie", cookie(visitor)).build());

        assertThat(listing.status()).isEqualTo(503);
        assertThat(recording.status()).isEqualTo(503);
        JsonNode problem = json(recording);
        assertThat(problem.get("type").asText()).endsWith("#problem-store-unavailable");
        assertThat(recording.bodyText()).doesNotContain("granted");
        down.set(false);
        assertThat(consents.history(dev.consent.ledger.VisitorId.of(visitor).subject())).isEmpty();
    }
}
