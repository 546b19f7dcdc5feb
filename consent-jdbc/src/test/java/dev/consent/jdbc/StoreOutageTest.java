package dev.consent.jdbc;

import dev.consent.ConsentService;
import dev.consent.Decision;
import dev.consent.StoreException;
import dev.consent.ledger.Capture;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.ledger.VisitorId;
import dev.consent.testing.ShopPolicy;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

/**
 * The database becoming unreachable: checks fail closed, writes throw and leave nothing half-written, and
 * everything works again once it is back.
 */
class StoreOutageTest {
    private static final SubjectId ALICE = SubjectId.of("alice");
    private static final SubjectId BOB = SubjectId.of("bob");
    private static final SubjectId CAROL = SubjectId.of("carol");
    private static final VisitorId VISITOR = VisitorId.of("7");

    @ParameterizedTest
    @EnumSource(Database.class)
    void anUnreachableStoreFailsClosedAndWritesAreAllOrNothing(Database dialect) throws InterruptedException {
        SwitchableDataSource db = new SwitchableDataSource(Databases.shared(dialect));
        String prefix = Databases.freshPrefix();
        JdbcStore store = JdbcStore.builder(db).tablePrefix(prefix).build();
        try (ConsentService consents = ConsentService.builder().policy(ShopPolicy.v1()).store(store)
                .changeFeedPollInterval(Duration.ofMillis(50)).maxStaleness(Duration.ofMillis(200)).build()) {
            consents.grant(ALICE, ShopPolicy.MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
            assertThat(consents.check(ALICE, ShopPolicy.MARKETING_EMAIL).allowed()).isTrue();

            db.goDown();
            assertThatThrownBy(() -> consents.checkUncached(ALICE, ShopPolicy.MARKETING_EMAIL))
                    .isInstanceOf(StoreException.class);
            assertThatThrownBy(() -> consents.checkAll(List.of(ALICE, BOB), ShopPolicy.MARKETING_EMAIL))
                    .isInstanceOf(StoreException.class);
            // the cached "allowed" lapses once the feed has not been read for the staleness bound
            long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            while (true) {
                Decision d;
                try {
                    d = consents.check(ALICE, ShopPolicy.MARKETING_EMAIL);
                } catch (StoreException expected) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    fail("a cached answer (" + d + ") was still given 2 s after the store became unreachable");
                }
                Thread.sleep(10);
            }
            assertThatThrownBy(() -> consents.grant(BOB, ShopPolicy.MARKETING_EMAIL, Capture.by(Method.CHECKBOX)))
                    .isInstanceOf(StoreException.class);
            assertThatThrownBy(() -> consents.link(VISITOR, BOB)).isInstanceOf(StoreException.class);

            // the connection goes in the middle of an append: events and heads are written, the feed is next
            db.comeBack();
            long position = store.changeCursor().position();
            // (on PostgreSQL heads, events and feed are one statement: the connection goes as it is sent)
            db.failOn(sql -> sql.contains("INSERT INTO " + prefix + "changes"));
            assertThatThrownBy(() -> consents.grant(CAROL, ShopPolicy.MARKETING_EMAIL, Capture.by(Method.CHECKBOX)))
                    .isInstanceOf(StoreException.class)
                    .satisfies(e -> assertThat(((StoreException) e).operation()).isEqualTo("append"));
            db.comeBack();
            assertThat(store.events(CAROL, 0, 10)).isEmpty();
            assertThat(store.heads(List.of(CAROL))).isEmpty();
            assertThat(store.changeCursor().position()).isEqualTo(position);

            // the connection goes at commit: the store cannot know the outcome and says so (here nothing committed)
            db.failCommit();
            assertThatThrownBy(() -> consents.grant(CAROL, ShopPolicy.MARKETING_EMAIL, Capture.by(Method.CHECKBOX)))
                    .isInstanceOf(StoreException.class).hasMessageContaining("unknown");
            db.comeBack();
            assertThat(store.events(CAROL, 0, 10)).isEmpty();
            assertThat(store.heads(List.of(CAROL))).isEmpty();
            assertThat(store.changeCursor().position()).isEqualTo(position);

            // and in the middle of a link
            // (on PostgreSQL heads, events and feed are one statement: the connection goes as it is sent)
            db.failOn(sql -> sql.contains("INSERT INTO " + prefix + "changes"));
            assertThatThrownBy(() -> consents.link(VISITOR, CAROL)).isInstanceOf(StoreException.class);
            db.comeBack();
            assertThat(store.customerOf(VISITOR)).isEmpty();
            assertThat(store.changeCursor().position()).isEqualTo(position);

            // back to normal
            consents.grant(CAROL, ShopPolicy.MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
            consents.link(VISITOR, CAROL);
            assertThat(consents.checkUncached(CAROL, ShopPolicy.MARKETING_EMAIL).allowed()).isTrue();
            assertThat(consents.checkUncached(ALICE, ShopPolicy.MARKETING_EMAIL).allowed()).isTrue();
            assertThat(consents.checkUncached(BOB, ShopPolicy.MARKETING_EMAIL).allowed()).isFalse();
            assertThat(consents.verify(CAROL).intact()).isTrue();
            assertThat(store.customerOf(VISITOR)).contains(CAROL);
        } finally {
            db.comeBack();
            Databases.dropTables(db, prefix);
        }
    }
}
