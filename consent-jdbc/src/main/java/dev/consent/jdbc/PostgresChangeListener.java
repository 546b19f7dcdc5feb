package dev.consent.jdbc;

import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;

/**
 * PostgreSQL LISTEN/NOTIFY for {@link JdbcStore#onChanges}: while at least one wake-up is registered, one daemon
 * thread holds one connection of the host's data source, listens on the store's channel
 * ({@code <prefix>changes}, notified by every append and link when it commits) and runs the registered wake-ups
 * when a notification arrives. The thread starts with the first registration and stops, handing its connection
 * back, when the last one is closed.
 *
 * <p>After a failure (the server restarted, the connection was killed) it reconnects with a backoff from 100 ms
 * doubling to 10 s, and wakes everyone once it listens again, since notifications sent meanwhile are lost. While it
 * cannot listen, the service's polling alone bounds staleness. A connection that has gone silent without an error
 * (a dropped network path) is found by a {@code SELECT 1} after 30 s without traffic, bounded by a network timeout.
 *
 * <p>Why {@code org.postgresql.PGConnection} directly and not by reflection: the driver is an optional dependency of
 * this module, so the compiler checks the calls, and this class is loaded only when the dialect is PostgreSQL, where
 * the host has the driver. A data source that cannot {@code unwrap} to it (another driver speaking the protocol)
 * gets no push: the failure is logged once and polling carries on.
 */
final class PostgresChangeListener {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresChangeListener.class);
    /** How long one wait for notifications blocks: also how long the thread takes to notice it should stop. */
    private static final int WAIT_MILLIS = 250;
    private static final long MIN_BACKOFF_MILLIS = 100;
    private static final long MAX_BACKOFF_MILLIS = 10_000;
    private static final long LIVENESS_CHECK_NANOS = TimeUnit.SECONDS.toNanos(30);
    private static final int NETWORK_TIMEOUT_MILLIS = 10_000;

    private final DataSource dataSource;
    private final String channel;
    private final List<Registration> registrations = new CopyOnWriteArrayList<>();
    private final Object lifecycle = new Object();
    /** The running listener, or null; guarded by {@code lifecycle}. */
    private Session session;

    PostgresChangeListener(DataSource dataSource, String channel) {
        this.dataSource = dataSource;
        this.channel = channel;
        readDriver();
    }

    /**
     * On the module path this module reads {@code org.postgresql.jdbc} through its {@code requires static} when the
     * driver is a resolved module; when the driver is on the class path instead, the read edge is added here, before
     * the listener thread first touches {@code PGConnection}. Without the driver nothing is added: {@code listen}
     * then logs that the connections are not PostgreSQL JDBC connections and changes are polled.
     */
    private static void readDriver() {
        Class<?> driverApi;
        try {
            driverApi = Class.forName("org.postgresql.PGConnection", false, PostgresChangeListener.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            return;
        }
        Module self = PostgresChangeListener.class.getModule();
        if (!self.canRead(driverApi.getModule())) {
            self.addReads(driverApi.getModule());
        }
    }

    /**
     * Registers a wake-up; the returned handle unregisters it (idempotently) and stops the thread after the last. The
     * wake-up runs once soon after registering: a new listener wakes everyone once it listens, and joining a running
     * one runs it at once on the caller's thread, because a notification that arrived just before it joined was not
     * delivered to it.
     */
    AutoCloseable add(Runnable wakeUp) {
        Registration r = new Registration(wakeUp);
        boolean joined;
        synchronized (lifecycle) {
            registrations.add(r);
            joined = session != null;
            if (!joined) {
                session = new Session();
                session.thread.start();
            }
        }
        if (joined) {
            r.wake();
        }
        return r;
    }

    /** Whether a listener thread is running (for tests). */
    boolean listening() {
        synchronized (lifecycle) {
            return session != null;
        }
    }

    private void remove(Registration r) {
        Session stopping = null;
        synchronized (lifecycle) {
            if (registrations.remove(r) && registrations.isEmpty() && session != null) {
                stopping = session;
                session = null;
            }
        }
        if (stopping != null) {
            stopping.stop();
        }
    }

    private void wakeAll() {
        for (Registration r : registrations) {
            r.wake();
        }
    }

    private final class Registration implements AutoCloseable {
        final Runnable wakeUp;
        final AtomicBoolean closed = new AtomicBoolean();

        Registration(Runnable wakeUp) {
            this.wakeUp = wakeUp;
        }

        void wake() {
            if (closed.get()) {
                return;
            }
            try {
                wakeUp.run();
            } catch (RuntimeException e) {
                // one faulty wake-up must not starve the others or kill the listener
                LOG.warn("a change wake-up of consent store {} failed: {}", channel, e.getClass().getName());
            }
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                remove(this);
            }
        }
    }

    /** One run of the listener thread, from the first registration to the last close. */
    private final class Session implements Runnable {
        final Thread thread;
        final AtomicBoolean stopped = new AtomicBoolean();

        Session() {
            this.thread = new Thread(this, "consent-listen-" + channel);
            thread.setDaemon(true);
        }

        void stop() {
            stopped.set(true);
            thread.interrupt(); // ends a backoff sleep at once; a wait for notifications ends within WAIT_MILLIS
            if (thread != Thread.currentThread()) {
                try {
                    thread.join(WAIT_MILLIS * 4L);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        @Override
        public void run() {
            long backoff = MIN_BACKOFF_MILLIS;
            while (!stopped.get()) {
                try {
                    listen();
                    return; // stopped
                } catch (SQLException e) {
                    if (stopped.get()) {
                        return;
                    }
                    LOG.warn("consent store {} lost its PostgreSQL notification connection ({}); reconnecting in {} ms, "
                            + "polling meanwhile", channel, dev.consent.StoreException.describe(e), backoff);
                } catch (RuntimeException e) {
                    if (stopped.get()) {
                        return;
                    }
                    LOG.warn("consent store {}: the notification listener failed ({}); reconnecting in {} ms", channel,
                            dev.consent.StoreException.describe(e), backoff);
                }
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException e) {
                    if (stopped.get()) {
                        return;
                    }
                }
                backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
            }
        }

        private void listen() throws SQLException {
            try (Connection c = dataSource.getConnection()) {
                PGConnection pg;
                try {
                    pg = c.unwrap(PGConnection.class);
                } catch (SQLException | LinkageError e) {
                    LOG.warn("consent store {}: the data source's connections are not PostgreSQL JDBC connections; "
                            + "changes are polled only", channel, e);
                    stopped.set(true);
                    return;
                }
                if (!c.getAutoCommit()) {
                    c.setAutoCommit(true); // LISTEN takes effect at commit; notifications arrive between transactions
                }
                c.setNetworkTimeout(Runnable::run, NETWORK_TIMEOUT_MILLIS);
                try (Statement s = c.createStatement()) {
                    s.execute("LISTEN " + channel);
                }
                LOG.debug("consent store {}: listening for change notifications", channel);
                // anything committed before LISTEN took effect (or while reconnecting) was not notified to us
                wakeAll();
                long quietSince = System.nanoTime();
                while (!stopped.get()) {
                    PGNotification[] notifications = pg.getNotifications(WAIT_MILLIS);
                    if (notifications != null && notifications.length > 0) {
                        quietSince = System.nanoTime();
                        wakeAll();
                    } else if (System.nanoTime() - quietSince > LIVENESS_CHECK_NANOS) {
                        try (Statement s = c.createStatement()) {
                            s.execute("SELECT 1"); // a dead connection fails here, within the network timeout
                        }
                        quietSince = System.nanoTime();
                    }
                }
                // a pooled connection must not keep listening: its driver would buffer notifications nobody reads
                try (Statement s = c.createStatement()) {
                    s.execute("UNLISTEN *");
                }
            }
        }
    }
}
