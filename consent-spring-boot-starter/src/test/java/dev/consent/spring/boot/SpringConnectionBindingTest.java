package dev.consent.spring.boot;

import org.junit.jupiter.api.Test;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

import static org.assertj.core.api.Assertions.assertThat;

/** The binding against Spring's own transaction manager on H2: when it answers a connection, and when it does not. */
class SpringConnectionBindingTest {
    private final SpringConnectionBinding binding = new SpringConnectionBinding();
    private final CountingDataSource dataSource = new CountingDataSource(StarterTestDatabases.newH2());

    /** Counts the connections opened through it. */
    static final class CountingDataSource extends DelegatingDataSource {
        final AtomicInteger opened = new AtomicInteger();

        CountingDataSource(DataSource target) {
            super(target);
        }

        @Override
        public Connection getConnection() throws SQLException {
            opened.incrementAndGet();
            return super.getConnection();
        }
    }

    private TransactionTemplate template(DataSource ds, int propagation) {
        TransactionTemplate t = new TransactionTemplate(new DataSourceTransactionManager(ds));
        t.setPropagationBehavior(propagation);
        return t;
    }

    @Test
    void outsideATransactionItAnswersNullAndOpensNoConnection() {
        assertThat(binding.connection(dataSource)).isNull();
        assertThat(dataSource.opened).hasValue(0);
        assertThat(TransactionSynchronizationManager.getResource(dataSource)).isNull();
    }

    @Test
    void underSupportsOrNotSupportedPropagationItAnswersNullAndOpensNoConnection() {
        for (int propagation : new int[] {TransactionDefinition.PROPAGATION_SUPPORTS,
                TransactionDefinition.PROPAGATION_NOT_SUPPORTED}) {
            Connection answered = template(dataSource, propagation).execute(status -> {
                assertThat(TransactionSynchronizationManager.isSynchronizationActive()).isTrue();
                return binding.connection(dataSource);
            });
            assertThat(answered).as("propagation " + propagation).isNull();
        }
        assertThat(dataSource.opened).hasValue(0);
    }

    @Test
    void insideATransactionItAnswersThatTransactionsConnection() {
        template(dataSource, TransactionDefinition.PROPAGATION_REQUIRED).executeWithoutResult(status -> {
            Connection answered = binding.connection(dataSource);
            assertThat(answered).isNotNull();
            Connection springs = DataSourceUtils.getConnection(dataSource);
            try {
                assertThat(answered).isSameAs(springs);
                assertThat(answered.getAutoCommit()).isFalse();
            } catch (SQLException e) {
                throw new AssertionError(e);
            } finally {
                DataSourceUtils.releaseConnection(springs, dataSource);
            }
            assertThat(binding.connection(dataSource)).as("asked again").isSameAs(answered);
        });
        assertThat(dataSource.opened).as("only the transaction's connection").hasValue(1);
        assertThat(binding.connection(dataSource)).isNull();
    }

    @Test
    void aTransactionOnAnotherDataSourceIsNotJoined() {
        DataSource other = StarterTestDatabases.newH2();
        Connection answered = template(other, TransactionDefinition.PROPAGATION_REQUIRED)
                .execute(status -> binding.connection(dataSource));
        assertThat(answered).isNull();
        assertThat(dataSource.opened).hasValue(0);
    }

    @Test
    void theActionRunsAfterTheCommitAndAfterTheRollback() throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t (v INT)");
        }
        List<String> log = new ArrayList<>();
        template(dataSource, TransactionDefinition.PROPAGATION_REQUIRED).executeWithoutResult(status -> {
            insert(binding.connection(dataSource), log);
            binding.afterCompletion(dataSource, () -> log.add("after, rows committed: " + committedRows()));
            log.add("end of work");
        });
        assertThat(log).containsExactly("inserted", "end of work", "after, rows committed: 1");
        log.clear();
        template(dataSource, TransactionDefinition.PROPAGATION_REQUIRED).executeWithoutResult(status -> {
            insert(binding.connection(dataSource), log);
            binding.afterCompletion(dataSource, () -> log.add("after, rows committed: " + committedRows()));
            status.setRollbackOnly();
        });
        assertThat(log).containsExactly("inserted", "after, rows committed: 1");
    }

    private static void insert(Connection c, List<String> log) {
        try (Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO t (v) VALUES (1)");
            log.add("inserted");
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }

    /** The rows another connection sees. */
    private int committedRows() {
        try (Connection c = dataSource.getTargetDataSource().getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM t")) {
            rs.next();
            return rs.getInt(1);
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }
}
