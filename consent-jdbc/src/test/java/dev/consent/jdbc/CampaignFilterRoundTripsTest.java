package dev.consent.jdbc;

import dev.consent.ConsentService;
import dev.consent.email.CampaignAudience;
import dev.consent.email.CampaignFilter;
import dev.consent.email.CampaignId;
import dev.consent.email.EmailAddress;
import dev.consent.email.Recipient;
import dev.consent.email.Suppression;
import dev.consent.email.SuppressionKeys;
import dev.consent.email.SuppressionReason;
import dev.consent.ledger.Capture;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ChoiceRecord;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.testing.ShopPolicy;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The campaign filter's round trips are per chunk, never per recipient (issue 17: the filter with suppression and
 * proof within 1.3x of the plain filter): per chunk of 1,000 recipients under a two-key suppression ring, the
 * change-feed position (whatever statements the feed's cursor takes), the decision read (a query per {@link
 * Dialect#chunkSize()} subjects), one suppression look-up (2,000 hashes in one query), the change-feed guard (one query
 * for the entries since the position, whatever the chunk's size) and one multi-row insert of the proof in its own
 * transaction.
 */
class CampaignFilterRoundTripsTest {
    private static final int CHUNK = 1_000;

    @ParameterizedTest
    @EnumSource(Database.class)
    void roundTripsGrowWithChunksNotWithRecipients(Database dialect) {
        SwitchableDataSource db = new SwitchableDataSource(Databases.shared(dialect));
        String prefix = Databases.freshPrefix();
        JdbcStore store = JdbcStore.builder(db).tablePrefix(prefix).build();
        try (ConsentService consents = ConsentService.builder().policy(ShopPolicy.v1()).store(store).cacheSize(0)
                .build()) {
            List<Recipient> audience = new ArrayList<>();
            List<ChoiceRecord> grants = new ArrayList<>();
            Suppression suppression = Suppression.builder().store(store)
                    .keys(SuppressionKeys.of("s2", secret('t')).withOlder("s1", secret('s'))).build();
            for (int i = 0; i < 2 * CHUNK; i++) {
                SubjectId s = SubjectId.of("r" + i);
                EmailAddress a = EmailAddress.of("r" + i + "@shop.example");
                audience.add(new Recipient(s, a));
                if (i % 4 != 0) { // three in four granted
                    grants.add(new ChoiceRecord(s, ShopPolicy.MARKETING, Choice.GRANTED, Capture.by(Method.CHECKBOX)));
                }
                if (i % 100 == 1) {
                    suppression.suppress(a, SuppressionReason.NEVER_CONTACT);
                }
            }
            consents.record(grants);
            CampaignFilter filter = CampaignFilter.builder().consents(consents).store(store).suppression(suppression)
                    .chunkSize(CHUNK).build();

            store.changeCursor(); // numbers the grants' change-feed entries, as any reader of the feed would
            db.resetCounts();
            store.changeCursor();
            int cursor = db.statements.get(); // the position read: the JDBC change feed's own statements
            int cursorConnections = db.connectionRequests.get();

            db.resetCounts();
            CampaignAudience one = filter.filter(CampaignId.of("one-chunk"), ShopPolicy.MARKETING,
                    audience.subList(0, CHUNK));
            int perChunk = db.statements.get();
            int connectionsPerChunk = db.connectionRequests.get();
            assertThat(one.included()).hasSize(CHUNK * 3 / 4 - CHUNK / 100);

            db.resetCounts();
            CampaignAudience two = filter.filter(CampaignId.of("two-chunks"), ShopPolicy.MARKETING, audience);
            assertThat(two.included()).hasSize(2 * (CHUNK * 3 / 4 - CHUNK / 100));
            assertThat(db.statements.get()).as("statements grow with chunks, not recipients").isEqualTo(2 * perChunk);
            assertThat(db.connectionRequests.get()).isEqualTo(2 * connectionsPerChunk);

            int keyChunks = (CHUNK + Dialect.of(dialect).chunkSize() - 1) / Dialect.of(dialect).chunkSize();
            // the position, the decision read, one suppression look-up, the guard (the recent feed entries: none is
            // a visitor's, so no links are read), the proof's insert
            assertThat(perChunk).as("statements per chunk of %s", CHUNK)
                    .isEqualTo(cursor + keyChunks + 1 + 1 + 1);
            assertThat(db.batches.get()).as("no JDBC batch of row inserts").isZero();
            // the position, the decision read, the suppression look-up, the guard, the proof's transaction
            assertThat(connectionsPerChunk).isEqualTo(cursorConnections + 4);
        } finally {
            Databases.dropTables(db, prefix);
        }
    }

    private static byte[] secret(char c) {
        return String.valueOf(c).repeat(32).getBytes(StandardCharsets.US_ASCII);
    }
}
