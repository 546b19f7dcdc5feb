package dev.consent.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.consent.ledger.SubjectId;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static dev.consent.web.WebFixture.choice;
import static dev.consent.web.WebFixture.choices;
import static dev.consent.web.WebFixture.cookie;
import static dev.consent.web.WebFixture.get;
import static dev.consent.web.WebFixture.json;
import static dev.consent.web.WebFixture.post;
import static dev.consent.web.WebFixture.purpose;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LinkAndCustomerTest {
    private static final SubjectId ALICE = SubjectId.of("customer-1001");
    private final WebFixture shop = new WebFixture();

    @Test
    void onLoginTheVisitorsChoicesCountForTheCustomer() {
        WebResponse first = shop.send(get("/purposes"));
        String visitor = WebFixture.visitorCookie(first);
        assertThat(shop.send(post("/choices", choices("en", choice(purpose(json(first), "analytics"), "denied")))
                .header("Cookie", cookie(visitor))).status()).isEqualTo(200);

        WebResponse linked = shop.send(post("/link", "{}").header("Cookie", cookie(visitor)).customer(Optional.of(ALICE)));

        assertThat(linked.status()).as(linked.bodyText()).isEqualTo(200);
        assertThat(shop.consents.visitorsOf(ALICE)).extracting(v -> v.value()).containsExactly(visitor);
        JsonNode asAlice = json(shop.send(get("/purposes").customer(Optional.of(ALICE))));
        assertThat(purpose(asAlice, "analytics").get("state").asText()).isEqualTo("denied");
        assertThat(shop.send(post("/link", "{}").header("Cookie", cookie(visitor)).customer(Optional.of(ALICE)))
                .status()).as("idempotent").isEqualTo(200);
    }

    @Test
    void aLoggedInCustomersChoicesAreRecordedUnderTheCustomerWithoutACookie() {
        WebResponse first = shop.send(get("/purposes").customer(Optional.of(ALICE)));
        assertThat(first.headers()).doesNotContainKey("set-cookie");

        assertThat(shop.send(post("/choices", choices("en", choice(purpose(json(first), "ads"), "denied")))
                .customer(Optional.of(ALICE))).status()).isEqualTo(200);

        assertThat(shop.history(ALICE)).hasSize(1);
    }

    @Test
    void linkingNeedsALoginAndAVisitorAndReadsNoIdFromTheBody() {
        String visitor = WebFixture.visitorCookie(shop.send(get("/purposes")));

        WebResponse anonymous = shop.send(post("/link", "{}").header("Cookie", cookie(visitor)));
        assertThat(anonymous.status()).isEqualTo(401);
        WebResponse noVisitor = shop.send(post("/link", "{}").customer(Optional.of(ALICE)));
        assertThat(noVisitor.status()).isEqualTo(400);
        assertThat(json(noVisitor).get("field").asText()).isEqualTo("cookie");
        WebResponse named = shop.send(post("/link", "{\"customer\":\"customer-666\"}").header("Cookie", cookie(visitor))
                .customer(Optional.of(ALICE)));
        assertThat(named.status()).isEqualTo(400);
        assertThat(json(named).get("field").asText()).isEqualTo("customer");
        assertThat(shop.consents.visitorsOf(ALICE)).isEmpty();
        assertThat(shop.consents.visitorsOf(SubjectId.of("customer-666"))).isEmpty();
    }

    @Test
    void aVisitorLinkedToAnotherCustomerIsAConflict() {
        String visitor = WebFixture.visitorCookie(shop.send(get("/purposes")));
        shop.send(post("/link", "{}").header("Cookie", cookie(visitor)).customer(Optional.of(ALICE)));

        WebResponse r = shop.send(post("/link", "{}").header("Cookie", cookie(visitor))
                .customer(Optional.of(SubjectId.of("customer-2002"))));

        assertThat(r.status()).isEqualTo(409);
    }

    @Test
    void aCustomerIsNeverAVisitorsSubjectId() {
        assertThatThrownBy(() -> get("/purposes").customer(Optional.of(SubjectId.of("visitor:abc"))).build())
                .hasMessageContaining("customer");
    }
}
