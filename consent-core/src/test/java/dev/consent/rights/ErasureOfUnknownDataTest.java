package dev.consent.rights;

import dev.consent.testing.TestKeys;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import dev.consent.ConflictException;
import dev.consent.ConsentService;
import dev.consent.InvalidValueException;
import dev.consent.Reason;
import dev.consent.ledger.Capture;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.PurposeId;
import dev.consent.retention.Anchor;
import dev.consent.retention.DisposalRequest;
import dev.consent.retention.ErasureAnswer;
import dev.consent.retention.RetentionService;
import dev.consent.retention.Sweeper;
import dev.consent.store.InMemoryStore;
import dev.consent.testing.CapturedLogs;
import dev.consent.testing.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * An erasure of a subject of whom retention knows no item: a customer from before the shop recorded anchors, whose
 * data its tables may still hold. The answer says that nothing is known, and the request is not completed on the
 * library's word: it waits for the shop's confirmation of what it erased (GDPR Art. 17(1): erasure is owed whether or
 * not the library knew of the data; Art. 5(2): the shop demonstrates what it did), unless every data contributor
 * reports holding none of the subject's data.
 */
class ErasureOfUnknownDataTest {
    private static final PurposeId NEWSLETTER = PurposeId.of("marketing.email");
    private final MutableClock clock = MutableClock.at("2025-06-04T08:00:00Z");
    private final InMemoryStore store = new InMemoryStore();
    private final ConsentService consents = ConsentService.builder().policy(RightsServiceTest.shop003()).store(store)
            .clock(clock).build();
    private final List<DisposalRequest> disposed = new ArrayList<>();
    private final RetentionService retention = RetentionService.builder().referenceKey(TestKeys.REFERENCE_ID, TestKeys.REFERENCE).policy(RightsServiceTest.shop003())
            .store(store).clock(clock).build();
    private final Sweeper sweeper = Sweeper.builder(retention).handler("contact.email", disposed::add).handler("account.profile", disposed::add)
            .handler("transaction.record", disposed::add).build();
    /** A customer from before the shop recorded anchors: consents, but no retained item. */
    private final SubjectId legacy = SubjectId.of("legacy-cust-1971");

    @AfterEach
    void close() {
        consents.close();
    }

    private RightsService rights(SubjectDataContributor... contributors) {
        RightsService.Builder b = RightsService.builder().consents(consents).sweeper(sweeper).store(store);
        for (SubjectDataContributor c : contributors) {
            b.contributor(c);
        }
        return b.build();
    }

    private RightsRequest verifiedErasure(RightsService rights, SubjectId subject) {
        RightsRequest r = rights.receive(subject, RequestType.ERASURE, "email");
        return rights.verifyIdentity(r.id(), "support", "code sent to the account's address");
    }

    private static SubjectDataContributor contributor(String name, SubjectDataContributor.Presence presence,
            AtomicInteger asked) {
        return new SubjectDataContributor() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public void write(SubjectId subject, JsonGenerator json) throws java.io.IOException {
                json.writeStartArray();
                json.writeEndArray();
            }

            @Override
            public Presence presence(SubjectId subject) {
                asked.incrementAndGet();
                if (presence == null) {
                    throw new IllegalStateException("orders database unreachable for " + subject.value());
                }
                return presence;
            }
        };
    }

    @Test
    void theAnswerSaysNothingIsKnownAndTheRequestWaitsForTheShopsConfirmation() throws Exception {
        RightsService rights = rights();
        consents.grant(legacy, NEWSLETTER, Capture.by(Method.CHECKBOX));
        RightsRequest r = verifiedErasure(rights, legacy);

        ErasureAnswer answer = rights.erase(r.id(), "dpo");

        assertThat(answer.nothingKnown()).isTrue();
        assertThat(answer.entries()).isEmpty();
        assertThat(answer.explain()).contains("no retained item of this subject is known")
                .contains("must be found and erased by the shop").doesNotContain(legacy.value());
        RightsRequest waiting = rights.request(r.id());
        assertThat(waiting.status()).isEqualTo(RequestStatus.AWAITING_HOST_CONFIRMATION);
        assertThat(waiting.outcome()).hasValueSatisfying(o -> assertThat(o)
                .contains("no retained item of this subject is known")
                .contains("No data contributor reports on the shop's own tables")
                .contains("stays open until the shop confirms what it erased"));
        assertThat(waiting.history().get(waiting.history().size() - 1)).satisfies(t -> {
            assertThat(t.to()).isEqualTo(RequestStatus.AWAITING_HOST_CONFIRMATION);
            assertThat(t.actor()).isEqualTo("dpo");
            assertThat(t.note()).contains("awaiting the shop's confirmation");
        });
        // the library's part is done: consents withdrawn, tombstone left for restored backups
        assertThat(consents.check(legacy, NEWSLETTER).reason()).isEqualTo(Reason.WITHDRAWN);
        assertThat(retention.wasErased(legacy)).isTrue();
        assertThat(disposed).isEmpty();
        // still open, and overdue once its deadline (15 business days) passes
        assertThat(rights.open(10)).extracting(RightsRequest::id).contains(r.id());
        clock.set(Instant.parse("2025-07-01T08:00:00Z"));
        assertThat(rights.overdue()).extracting(RightsRequest::id).containsExactly(r.id());
        assertThat(export(rights).at("/rightsRequests/0/status").asText()).isEqualTo("AWAITING_HOST_CONFIRMATION");

        // nothing but the shop's confirmation completes it
        String steps = "allowed next steps: confirmErasure (to COMPLETED)";
        assertThatThrownBy(() -> rights.complete(r.id(), "dpo", "done")).isInstanceOf(ConflictException.class)
                .hasMessage("request " + r.id() + ": cannot move from AWAITING_HOST_CONFIRMATION to COMPLETED by complete"
                        + " (the shop has not confirmed what it erased of a subject the library knew no data of, GDPR"
                        + " Art. 17(1), Art. 5(2)); " + steps);
        assertThatThrownBy(() -> rights.erase(r.id(), "dpo")).isInstanceOf(ConflictException.class)
                .hasMessageContaining(steps);
        assertThatThrownBy(() -> rights.refuse(r.id(), "dpo", "changed our mind")).isInstanceOf(ConflictException.class)
                .hasMessageContaining(steps);
        assertThatThrownBy(() -> rights.extend(r.id(), "dpo", "complex", clock.instant()))
                .isInstanceOf(ConflictException.class).hasMessageContaining(steps);
        assertThatThrownBy(() -> rights.confirmErasure(r.id(), "dpo", " ")).isInstanceOf(InvalidValueException.class);
        assertThat(rights.request(r.id())).isEqualTo(waiting);

        RightsRequest done = rights.confirmErasure(r.id(), "dpo",
                "customer record, 2 addresses and the personal fields of 5 orders deleted from the shop database");

        assertThat(done.status()).isEqualTo(RequestStatus.COMPLETED);
        assertThat(rights.request(r.id())).isEqualTo(done);
        assertThat(done.outcome()).hasValueSatisfying(o -> assertThat(o)
                .startsWith(waiting.outcome().orElseThrow())
                .endsWith("\nThe shop confirmed at " + clock.instant() + " what it erased: customer record, 2 addresses"
                        + " and the personal fields of 5 orders deleted from the shop database"));
        assertThat(done.history().get(done.history().size() - 1)).satisfies(t -> {
            assertThat(t.to()).isEqualTo(RequestStatus.COMPLETED);
            assertThat(t.note()).startsWith("the shop confirmed what it erased: customer record");
        });
        assertThat(rights.overdue()).isEmpty();
        assertThatThrownBy(() -> rights.confirmErasure(r.id(), "dpo", "again")).isInstanceOf(ConflictException.class)
                .hasMessageContaining("allowed next steps: none, it is closed");
    }

    @Test
    void contributorsThatAllHoldNoneCompleteItAtOnceNamingThem() {
        AtomicInteger asked = new AtomicInteger();
        RightsService rights = rights(contributor("orders", SubjectDataContributor.Presence.NONE, asked),
                contributor("tickets", SubjectDataContributor.Presence.NONE, asked));
        RightsRequest r = verifiedErasure(rights, legacy);

        ErasureAnswer answer = rights.erase(r.id(), "dpo");

        assertThat(answer.nothingKnown()).isTrue();
        assertThat(asked).hasValue(2);
        RightsRequest done = rights.request(r.id());
        assertThat(done.status()).isEqualTo(RequestStatus.COMPLETED);
        assertThat(done.outcome()).hasValueSatisfying(o -> assertThat(o)
                .contains("no retained item of this subject is known")
                .endsWith("The shop's own data sources report holding none of the subject's data: orders, tickets."));
    }

    @Test
    void aContributorThatHoldsDataCannotTellOrFailsKeepsItWaiting() {
        AtomicInteger asked = new AtomicInteger();
        CapturedLogs.clear();
        RightsService rights = rights(contributor("addresses", SubjectDataContributor.Presence.NONE, asked),
                contributor("orders", SubjectDataContributor.Presence.HOLDS_DATA, asked),
                contributor("newsletter", SubjectDataContributor.Presence.UNKNOWN, asked),
                contributor("tickets", null, asked));
        RightsRequest r = verifiedErasure(rights, legacy);

        rights.erase(r.id(), "dpo");

        assertThat(asked).hasValue(4);
        RightsRequest waiting = rights.request(r.id());
        assertThat(waiting.status()).isEqualTo(RequestStatus.AWAITING_HOST_CONFIRMATION);
        assertThat(waiting.outcome()).hasValueSatisfying(o -> assertThat(o).contains("The shop's own data sources:"
                + " orders holds data of the subject; newsletter cannot tell whether it holds data of the subject;"
                + " tickets could not be asked; addresses hold none."));
        // the failure is logged without the subject's id
        assertThat(CapturedLogs.lines()).anySatisfy(l -> assertThat(l.message()).contains("tickets"));
        assertThat(CapturedLogs.lines()).noneSatisfy(l -> assertThat(l.message()).contains(legacy.value()));
    }

    @Test
    void aContributorThatDoesNotSayIsUnknownSoTheErasureWaits() {
        SubjectDataContributor exportOnly = new SubjectDataContributor() {
            @Override
            public String name() {
                return "orders";
            }

            @Override
            public void write(SubjectId subject, JsonGenerator json) throws java.io.IOException {
                json.writeNull();
            }
        };
        RightsService rights = rights(exportOnly);
        RightsRequest r = verifiedErasure(rights, legacy);
        rights.erase(r.id(), "dpo");
        assertThat(rights.request(r.id()).status()).isEqualTo(RequestStatus.AWAITING_HOST_CONFIRMATION);
    }

    @Test
    void anErasureOfKnownItemsCompletesAsBeforeWithoutAskingTheContributors() {
        AtomicInteger asked = new AtomicInteger();
        RightsService rights = rights(contributor("orders", SubjectDataContributor.Presence.HOLDS_DATA, asked));
        SubjectId alice = SubjectId.of("alice");
        retention.recordAnchor(alice, "contact.email", Anchor.COLLECTED, clock.instant());
        RightsRequest r = verifiedErasure(rights, alice);

        ErasureAnswer answer = rights.erase(r.id(), "dpo");

        assertThat(answer.nothingKnown()).isFalse();
        assertThat(asked).hasValue(0);
        assertThat(rights.request(r.id()).status()).isEqualTo(RequestStatus.COMPLETED);
        assertThat(disposed).extracting(d -> d.item().category().value()).containsExactly("contact.email");
    }

    @Test
    void onlyAnErasureAwaitingItIsConfirmed() {
        RightsService rights = rights();
        RightsRequest erasure = verifiedErasure(rights, legacy);
        assertThatThrownBy(() -> rights.confirmErasure(erasure.id(), "dpo", "deleted"))
                .isInstanceOf(ConflictException.class)
                .hasMessage("request " + erasure.id() + ": cannot move from IDENTITY_VERIFIED to COMPLETED by"
                        + " confirmErasure (only an erasure awaiting the shop's confirmation is confirmed); allowed next"
                        + " steps: startWork (to IN_PROGRESS), extend (to EXTENDED), erase (to"
                        + " AWAITING_HOST_CONFIRMATION), erase or complete (to COMPLETED), refuse (to REFUSED)");
        RightsRequest portability = rights.receive(legacy, RequestType.PORTABILITY, "email");
        assertThatThrownBy(() -> rights.confirmErasure(portability.id(), "dpo", "deleted"))
                .isInstanceOf(InvalidValueException.class).hasMessageContaining("must be ERASURE");
        assertThat(RequestStatus.IDENTITY_VERIFIED.next(RequestType.PORTABILITY))
                .doesNotContain(RequestStatus.AWAITING_HOST_CONFIRMATION);
        assertThat(RequestStatus.IDENTITY_VERIFIED.nextSteps(RequestType.PORTABILITY))
                .doesNotContain("AWAITING_HOST_CONFIRMATION");
    }

    @Test
    void twoContributorsMayNotShareAName() {
        AtomicInteger asked = new AtomicInteger();
        RightsService.Builder b = RightsService.builder().store(new InMemoryStore()).consents(consents)
                .contributor(contributor("orders", SubjectDataContributor.Presence.NONE, asked));
        assertThatThrownBy(() -> b.contributor(contributor("orders", SubjectDataContributor.Presence.NONE, asked)))
                .isInstanceOf(InvalidValueException.class).hasMessageContaining("contributor.name");
    }

    private JsonNode export(RightsService rights) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SubjectExport.builder().consents(consents).retention(retention).rights(rights).build().write(legacy, out);
        JsonNode doc = new ObjectMapper().readTree(out.toByteArray());
        try (InputStream in = SubjectExport.class.getResourceAsStream(SubjectExport.SCHEMA_RESOURCE)) {
            JsonSchema schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
            assertThat(schema.validate(doc)).as("schema violations").isEmpty();
        }
        return doc;
    }
}
