package dev.consent.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.consent.ConsentService;
import dev.consent.ledger.Capture;
import dev.consent.ledger.ChoiceFact;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.ledger.SubjectLocation;
import dev.consent.ledger.VisitorId;
import dev.consent.policy.Policy;
import dev.consent.policy.PolicyJson;
import dev.consent.policy.PurposeId;
import dev.consent.testing.ForwardingStore;
import org.junit.jupiter.api.Test;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.consent.web.WebFixture.cookie;
import static dev.consent.web.WebFixture.get;
import static dev.consent.web.WebFixture.json;
import static dev.consent.web.WebFixture.purpose;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The banner offers what the subject's jurisdiction lets them decide (docs/jurisdictions.md): each purpose's
 * mechanism there, GPC flagged only where it binds, nothing for a purpose that is notice only there, and the
 * strictest rules while the subject's location is unknown.
 */
class JurisdictionOffersTest {
    /** Targeted advertising (consent, sale or sharing) and analytics (legitimate interests) in four jurisdictions. */
    static Policy policy() {
        return PolicyJson.read("""
                {"id":"shop","version":"1","effectiveFrom":"2024-01-01","timeZone":"UTC",
                 "categories":[{"id":"device.id","description":"Cookie ids"}],
                 "purposes":[
                   {"id":"ads.targeted","title":"Targeted advertising","legalBasis":"CONSENT",
                    "categories":["device.id"],"saleOrSharing":true},
                   {"id":"analytics","title":"Shop analytics","legalBasis":"LEGITIMATE_INTERESTS",
                    "categories":["device.id"]}],
                 "jurisdictionRules":[
                   {"id":"EEA","title":"EEA","regions":["DE","FR"],"gdpr":true,"gpc":"ADVISORY",
                    "mechanisms":[{"purpose":"analytics","mechanism":"OPT_IN"}]},
                   {"id":"US-CA","title":"California","regions":["US-CA"],"gpc":"BINDING",
                    "mechanisms":[{"purpose":"ads.targeted","mechanism":"OPT_OUT"}]},
                   {"id":"US-VA","title":"Virginia","regions":["US-VA"],"gpc":"ADVISORY",
                    "mechanisms":[{"purpose":"ads.targeted","mechanism":"OPT_OUT"}]},
                   {"id":"OTHER","title":"Everywhere else","fallback":true,"gpc":"ADVISORY",
                    "mechanisms":[{"purpose":"analytics","mechanism":"NOTICE_ONLY"}]}]}
                """);
    }

    private final WebFixture shop = new WebFixture(policy(),
            b -> b.defaultLocale("en"));
    private final String visitor = WebFixture.visitorCookie(shop.send(get("/purposes")));

    private JsonNode shownAfterLocating(String region) {
        shop.consents.recordLocation(VisitorId.of(visitor).subject(), SubjectLocation.of(region,
                SubjectLocation.Source.GEOLOCATION), Capture.by(Method.API));
        return shown();
    }

    private JsonNode shown() {
        return json(shop.send(get("/purposes").header("Cookie", cookie(visitor))));
    }

    @Test
    void anUnknownLocationTakesTheStrictestRules() {
        JsonNode shown = shown();

        assertThat(shown.get("jurisdiction").asText()).isEqualTo("UNKNOWN");
        assertThat(purpose(shown, "ads.targeted").get("mechanism").asText()).isEqualTo("opt-in");
        assertThat(purpose(shown, "ads.targeted").get("gpcOptOut").asBoolean()).isTrue();
        assertThat(purpose(shown, "analytics").get("mechanism").asText()).as("opt-in somewhere: opt-in here")
                .isEqualTo("opt-in");
    }

    @Test
    void inCaliforniaTargetedAdvertisingIsAnOptOutThatGpcBinds() {
        JsonNode shown = shownAfterLocating("US-CA");

        assertThat(shown.get("jurisdiction").asText()).isEqualTo("US-CA");
        assertThat(purpose(shown, "ads.targeted").get("mechanism").asText()).isEqualTo("opt-out");
        assertThat(purpose(shown, "ads.targeted").get("gpcOptOut").asBoolean()).isTrue();
    }

    @Test
    void inVirginiaGpcIsAdvisoryAndTheBannerDoesNotHoldThePurposeOff() {
        JsonNode shown = shownAfterLocating("US-VA");

        assertThat(shown.get("jurisdiction").asText()).isEqualTo("US-VA");
        assertThat(purpose(shown, "ads.targeted").get("mechanism").asText()).isEqualTo("opt-out");
        assertThat(purpose(shown, "ads.targeted").get("gpcOptOut").asBoolean()).isFalse();
    }

    @Test
    void aPurposeThatIsNoticeOnlyWhereTheSubjectIsIsNotOffered() {
        JsonNode shown = shownAfterLocating("BR"); // the fallback: analytics is notice only there

        assertThat(shown.get("jurisdiction").asText()).isEqualTo("OTHER");
        assertThat(shown.get("purposes").findValuesAsText("id")).doesNotContain("analytics").contains("ads.targeted");
        assertThat(shop.send(WebFixture.post("/choices", WebFixture.choices("en",
                "{\"purpose\":\"analytics\",\"choice\":\"denied\",\"noticeId\":\"x\",\"noticeHash\":\"x\","
                        + "\"version\":1}")).header("Cookie", cookie(visitor))).status()).isEqualTo(400);
    }

    /** Counts the reads of whole ledgers: what a cache miss, or a read past the cache, costs. */
    static final class CountingStore extends ForwardingStore {
        final AtomicInteger ledgerReads = new AtomicInteger();

        @Override
        public Map<SubjectId, List<ChoiceFact>> decisionFacts(Collection<SubjectId> subjects) {
            ledgerReads.incrementAndGet();
            return super.decisionFacts(subjects);
        }

        @Override
        public Map<SubjectId, List<ChoiceFact>> decisionFacts(Collection<SubjectId> subjects,
                Set<PurposeId> purposes) {
            ledgerReads.incrementAndGet();
            return super.decisionFacts(subjects, purposes);
        }
    }

    @Test
    void theOfferInAJurisdictionReadsTheLedgerNoMoreThanTheChecksDo() {
        CountingStore store = new CountingStore();
        ConsentService consents = ConsentService.builder().policy(policy()).store(store).build();
        ConsentWebHandler handler = ConsentWebHandler.builder(consents).defaultLocale("en").build();

        WebResponse first = handler.handle(get("/purposes").build());
        assertThat(json(first).get("jurisdiction").asText()).isEqualTo("UNKNOWN");
        assertThat(store.ledgerReads).as("one read: the first check's cache miss; the jurisdiction is its decision's")
                .hasValue(1);
        String fresh = WebFixture.visitorCookie(first);
        consents.recordLocation(VisitorId.of(fresh).subject(), SubjectLocation.of("US-CA",
                SubjectLocation.Source.GEOLOCATION), Capture.by(Method.API));
        JsonNode located = json(handler.handle(get("/purposes").header("Cookie", cookie(fresh)).build()));
        assertThat(located.get("jurisdiction").asText()).isEqualTo("US-CA");
        assertThat(purpose(located, "ads.targeted").get("mechanism").asText()).isEqualTo("opt-out");
        int afterLocating = store.ledgerReads.get();

        JsonNode again = json(handler.handle(get("/purposes").header("Cookie", cookie(fresh)).build()));

        assertThat(again.get("jurisdiction").asText()).isEqualTo("US-CA");
        assertThat(store.ledgerReads).as("a cached subject: no read at all").hasValue(afterLocating);
        WebResponse chosen = handler.handle(WebFixture.post("/choices", WebFixture.choices("en",
                WebFixture.choice(purpose(again, "ads.targeted"), "denied"))).header("Cookie", cookie(fresh)).build());
        assertThat(chosen.status()).as(chosen.bodyText()).isEqualTo(200);
        assertThat(store.ledgerReads).as("recording reads the jurisdiction from a cached check too")
                .hasValue(afterLocating);
        consents.close();
    }
}
