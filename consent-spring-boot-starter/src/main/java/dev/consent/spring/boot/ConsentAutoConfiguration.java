package dev.consent.spring.boot;

import dev.consent.ConsentService;
import dev.consent.InvalidValueException;
import dev.consent.jdbc.ConnectionBinding;
import dev.consent.jdbc.JdbcStore;
import dev.consent.jdbc.SchemaInitializer;
import dev.consent.policy.Policy;
import dev.consent.policy.PolicyJson;
import dev.consent.retention.RetentionService;
import dev.consent.retention.Sweeper;
import dev.consent.rights.RightsService;
import dev.consent.rights.SubjectDataContributor;
import dev.consent.rights.SubjectExport;
import dev.consent.store.ConsentStore;
import dev.consent.store.InMemoryStore;
import dev.consent.store.RetentionStore;
import dev.consent.store.RightsStore;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.Resource;
import org.springframework.core.io.ResourceLoader;
import org.springframework.core.type.AnnotatedTypeMetadata;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Base64;
import java.util.function.Supplier;
import javax.sql.DataSource;

/**
 * Wires the library from the {@code consent.*} properties ({@link ConsentProperties}): the {@link Policy} from
 * {@code consent.policy}, the store ({@link JdbcStore} on the application's {@link DataSource}, or an
 * {@link InMemoryStore} only when {@code consent.store=in-memory} says so), {@link ConsentService},
 * {@link RetentionService}, {@link Sweeper}, {@link RightsService} and {@link SubjectExport}.
 *
 * <p>Guarantees:
 * <ul>
 *   <li>Every bean backs off when the application defines one of its type; customizer beans
 *       ({@link ConsentServiceCustomizer}, {@link RetentionServiceCustomizer}, {@link SweeperCustomizer},
 *       {@link RightsServiceCustomizer}) adjust the built-in ones, and every {@link SubjectDataContributor} bean is
 *       given to the rights service and the export.</li>
 *   <li>Nothing starts half-configured: a missing policy, reference key or DataSource, an invalid policy, a migration
 *       Flyway or Liquibase cannot apply, or a schema that lacks migrations fails start-up, explained by {@link ConsentFailureAnalyzer}.</li>
 *   <li>The store and the services that read it are created after the application's database initialisation
 *       ({@code schema.sql}, Flyway, Liquibase), so that tables created there exist when they are first read.</li>
 *   <li>The schema ({@code consent.jdbc.schema}): created by the library's initialiser, or applied by a Flyway or
 *       Liquibase run of the library's own (own location, own history table, never the application's), or only
 *       validated; in every mode but {@code create}, {@link SchemaInitializer#verify} checks it before the store is
 *       built. Unset, the mode is {@code flyway} when Flyway is on the class path, else {@code liquibase} when
 *       Liquibase is, else {@code create}.</li>
 *   <li>Transactions ({@code consent.jdbc.join-spring-transactions}, default true): the JDBC store is given a
 *       {@link SpringConnectionBinding}, so that inside a Spring-managed transaction on its DataSource (e.g. a
 *       {@code @Transactional} method) its writes join that transaction and roll back with it, and no consent cached
 *       inside it outlives a rollback; outside one it commits its own transactions. The binding backs off when the
 *       application defines a {@link ConnectionBinding} bean, which the store then uses.</li>
 * </ul>
 */
@AutoConfiguration(afterName = {
        "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
        "org.springframework.boot.jdbc.autoconfigure.DataSourceInitializationAutoConfiguration",
        "org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration",
        "org.springframework.boot.liquibase.autoconfigure.LiquibaseAutoConfiguration"})
@EnableConfigurationProperties(ConsentProperties.class)
public class ConsentAutoConfiguration {

    /** Created by Spring. */
    public ConsentAutoConfiguration() {
    }

    /**
     * The policy in force, read from {@code consent.policy} and validated.
     *
      * @param properties the bound {@code consent.*} properties
      * @return the parsed, validated policy
     * @throws ConsentConfigurationException when {@code consent.policy} is not set, does not exist or cannot be read
     * @throws dev.consent.policy.InvalidPolicyException listing every JSON-path problem of an invalid policy
     */
    @Bean
    @ConditionalOnMissingBean
    public Policy consentPolicy(ConsentProperties properties) {
        Resource resource = properties.policy();
        if (resource == null) {
            throw new ConsentConfigurationException("consent.policy", "is not set",
                    "Set it to the policy's JSON, e.g. consent.policy=classpath:privacy-policy.json, or define a "
                            + "Policy bean");
        }
        if (!resource.exists()) {
            throw new ConsentConfigurationException("consent.policy", "names " + resource.getDescription()
                    + ", which does not exist", "Point it at the policy's JSON, e.g. classpath:privacy-policy.json");
        }
        try (InputStream in = resource.getInputStream()) {
            return PolicyJson.read(in, resource.getDescription());
        } catch (IOException e) {
            throw new ConsentConfigurationException("consent.policy", "names " + resource.getDescription()
                    + ", which cannot be read (" + e + ")", "Check the file and its permissions", e);
        }
    }

    /**
     * The JDBC store on the application's DataSource, its schema created or validated per {@code consent.jdbc.schema}.
     *
      * @param properties the bound {@code consent.*} properties
      * @param dataSources the application's DataSource beans; the single (or primary) one is used
      * @param resourceLoader where the migration tool's files are looked up
      * @param bindings the {@link ConnectionBinding} bean, if any, that finds the current thread's transaction
      * @return the built store
     * @throws ConsentConfigurationException when there is no single DataSource, or a setting breaks its rule
     * @throws SchemaInitializer.IncompatibleSchemaException with {@code consent.jdbc.schema} other than create, when
     *     the schema lacks migrations after the tool (if any) ran
     */
    @Bean
    @ConditionalOnMissingBean(ConsentStore.class)
    @Conditional(JdbcStoreChosen.class)
    @DependsOnDatabaseInitialization
    public JdbcStore consentStore(ConsentProperties properties, ObjectProvider<DataSource> dataSources,
            ResourceLoader resourceLoader, ObjectProvider<ConnectionBinding> bindings) {
        DataSource dataSource = dataSources.getIfUnique();
        if (dataSource == null) {
            throw new ConsentConfigurationException("consent.store", "is jdbc (the default), but the application has "
                    + "no single DataSource bean", "Add a database (e.g. spring-boot-starter-jdbc and "
                    + "spring.datasource.url), mark one DataSource @Primary, or set consent.store=in-memory for tests "
                    + "and demos (state is lost on restart)");
        }
        ConsentProperties.Jdbc jdbc = properties.jdbc();
        ClassLoader loader = resourceLoader.getClassLoader() != null ? resourceLoader.getClassLoader()
                : getClass().getClassLoader();
        ConsentProperties.SchemaMode mode = schemaMode(jdbc.schema(), loader);
        return checked("consent.jdbc", () -> {
            if (mode == ConsentProperties.SchemaMode.FLYWAY || mode == ConsentProperties.SchemaMode.LIQUIBASE) {
                ConsentSchemaTool.checkNames(jdbc.tablePrefix(), jdbc.effectiveHistoryTable());
            }
            switch (mode) {
                case FLYWAY -> FlywayConsentSchema.migrate(dataSource, jdbc.tablePrefix(), jdbc.effectiveHistoryTable(),
                        loader);
                case LIQUIBASE -> LiquibaseConsentSchema.migrate(dataSource, jdbc.tablePrefix(),
                        jdbc.effectiveHistoryTable(), loader);
                default -> {
                }
            }
            if (mode != ConsentProperties.SchemaMode.CREATE) {
                SchemaInitializer.verify(dataSource, jdbc.tablePrefix());
            }
            return JdbcStore.builder(dataSource).tablePrefix(jdbc.tablePrefix())
                    .changeNotifications(jdbc.changeNotifications()).connectionBinding(bindings.getIfUnique())
                    .createSchema(mode == ConsentProperties.SchemaMode.CREATE).build();
        });
    }

    /**
     * The schema mode in force: the one set, else Flyway when it is on the class path, else Liquibase when it is, else
     * the library's initialiser.
     *
     * @throws ConsentConfigurationException when the mode set needs a tool that is not on the class path
     */
    static ConsentProperties.SchemaMode schemaMode(ConsentProperties.SchemaMode set, ClassLoader loader) {
        boolean flyway = present("org.flywaydb.core.Flyway", loader);
        boolean liquibase = present("liquibase.Liquibase", loader);
        if (set == null) {
            return flyway ? ConsentProperties.SchemaMode.FLYWAY
                    : liquibase ? ConsentProperties.SchemaMode.LIQUIBASE : ConsentProperties.SchemaMode.CREATE;
        }
        if (set == ConsentProperties.SchemaMode.FLYWAY && !flyway) {
            throw new ConsentConfigurationException("consent.jdbc.schema", "is flyway, but Flyway is not on the class "
                    + "path", "Add org.flywaydb:flyway-core (and flyway-database-postgresql or flyway-mysql for those "
                    + "databases), or choose create, validate or liquibase");
        }
        if (set == ConsentProperties.SchemaMode.LIQUIBASE && !liquibase) {
            throw new ConsentConfigurationException("consent.jdbc.schema", "is liquibase, but Liquibase is not on the "
                    + "class path", "Add org.liquibase:liquibase-core, or choose create, validate or flyway");
        }
        return set;
    }

    private static boolean present(String className, ClassLoader loader) {
        try {
            Class.forName(className, false, loader);
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /**
     * The binding of the JDBC store to Spring's transactions, only when spring-jdbc is on the class path and
     * {@code consent.jdbc.join-spring-transactions} is not false; backs off when the application defines a
     * {@link ConnectionBinding}.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = {"org.springframework.jdbc.datasource.DataSourceUtils",
            "org.springframework.transaction.support.TransactionSynchronizationManager"})
    @ConditionalOnProperty(name = "consent.jdbc.join-spring-transactions", havingValue = "true", matchIfMissing = true)
    static class SpringTransactions {
        /** The binding to the current thread's Spring-managed transaction. */
        @Bean
        @ConditionalOnMissingBean(ConnectionBinding.class)
        SpringConnectionBinding consentConnectionBinding() {
            return new SpringConnectionBinding();
        }
    }

    /**
     * The in-memory store, only when {@code consent.store=in-memory} asks for it.
     *
     * @return an empty in-memory store
     */
    @Bean
    @ConditionalOnMissingBean(ConsentStore.class)
    @Conditional(InMemoryStoreChosen.class)
    public InMemoryStore consentInMemoryStore() {
        return new InMemoryStore();
    }

    /**
     * The consent service: checks, choices, the cache and its change-feed poller (closed with the context).
     *
     * @param properties the bound {@code consent.*} properties
     * @param policy the policy in force
     * @param store the store of consent ledgers
     * @param customizers applied in order after the properties
     * @return the built consent service
     */
    @Bean
    @ConditionalOnMissingBean
    @DependsOnDatabaseInitialization
    public ConsentService consentService(ConsentProperties properties, Policy policy, ConsentStore store,
            ObjectProvider<ConsentServiceCustomizer> customizers) {
        ConsentProperties.Service s = properties.service();
        return checked("consent.service", () -> {
            ConsentService.Builder b = ConsentService.builder().policy(policy).store(store).cacheSize(s.cacheSize())
                    .bulkChunkSize(s.bulkChunkSize()).futureTolerance(s.futureTolerance())
                    .recordStatistics(s.recordStatistics());
            Duration poll = s.changeFeedPollInterval();
            if (poll != null && !poll.isZero()) {
                b.changeFeedPollInterval(poll);
                if (s.maxStaleness() != null) {
                    b.maxStaleness(s.maxStaleness());
                }
            } else if (s.maxStaleness() != null) {
                throw new InvalidValueException("maxStaleness", s.maxStaleness(),
                        "needs change-feed-poll-interval: without polling there is no other node to lag behind");
            }
            customizers.orderedStream().forEach(c -> c.customize(b));
            return b.build();
        });
    }

    /**
     * The retention service, under {@code consent.retention.reference-key}.
     *
      * @param properties the bound {@code consent.*} properties
      * @param policy the policy in force
      * @param store the store of retention records
      * @param customizers applied in order after the properties
      * @return the built retention service
     * @throws ConsentConfigurationException when the reference key is missing or not Base64
     */
    @Bean
    @ConditionalOnMissingBean
    @DependsOnDatabaseInitialization
    public RetentionService retentionService(ConsentProperties properties, Policy policy, RetentionStore store,
            ObjectProvider<RetentionServiceCustomizer> customizers) {
        ConsentProperties.Retention r = properties.retention();
        ConsentProperties.ReferenceKey key = r.referenceKey();
        if (key == null || isBlank(key.id()) || isBlank(key.secret())) {
            throw new ConsentConfigurationException("consent.retention.reference-key", "is not set: tombstones and the "
                    + "disposal audit name subjects and items only by an HMAC under the application's secret",
                    "Set consent.retention.reference-key.id (e.g. 2026-01) and consent.retention.reference-key.secret "
                            + "(Base64, at least 16 bytes) from a secret store, e.g. the environment variable "
                            + "CONSENT_RETENTION_REFERENCEKEY_SECRET; never keep it in the consent database");
        }
        return checked("consent.retention", () -> {
            RetentionService.Builder b = RetentionService.builder().policy(policy).store(store)
                    .referenceKey(key.id(), decode("consent.retention.reference-key.secret", key.secret()));
            for (int i = 0; i < r.retiredReferenceKeys().size(); i++) {
                ConsentProperties.ReferenceKey retired = r.retiredReferenceKeys().get(i);
                b.retiredReferenceKey(retired.id(),
                        decode("consent.retention.retired-reference-keys[" + i + "].secret", retired.secret()));
            }
            customizers.orderedStream().forEach(c -> c.customize(b));
            return b.build();
        });
    }

    /**
     * The sweeper, with the handlers of the {@link SweeperCustomizer} beans; scheduled by
     * {@link ConsentSweepScheduler}.
     *
     * @param properties the bound {@code consent.*} properties
     * @param retention the retention service whose due items the sweeper disposes of
     * @param customizers applied in order after the properties; they register the disposal handlers
     * @return the built sweeper
     */
    @Bean
    @ConditionalOnMissingBean
    public Sweeper consentSweeper(ConsentProperties properties, RetentionService retention,
            ObjectProvider<SweeperCustomizer> customizers) {
        ConsentProperties.Sweeper s = properties.sweeper();
        return checked("consent.sweeper", () -> {
            Sweeper.Builder b = Sweeper.builder(retention).lease(s.lease()).batchSize(s.batchSize());
            if (s.node() != null) {
                b.node(s.node());
            }
            if (s.handlerTimeout() != null) {
                b.handlerTimeout(s.handlerTimeout());
            }
            customizers.orderedStream().forEach(c -> c.customize(b));
            return b.build();
        });
    }

    /**
     * Runs the sweeper on its schedule, on this node, when {@code consent.sweeper.enabled=true}.
     *
     * @param properties the bound {@code consent.*} properties
     * @param sweeper the sweeper to run
     * @return the scheduler, started and stopped with the context
     */
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnProperty(name = "consent.sweeper.enabled", havingValue = "true")
    public ConsentSweepScheduler consentSweepScheduler(ConsentProperties properties, Sweeper sweeper) {
        return checked("consent.sweeper", () -> new ConsentSweepScheduler(sweeper, properties.sweeper()));
    }

    /**
     * The rights service, with the sweeper for immediate erasure and every {@link SubjectDataContributor} bean.
     *
     * @param consents the consent service
     * @param sweeper the sweeper that disposes of erased data immediately
     * @param store the store of rights requests
     * @param contributors the beans that hold the application's own data about a subject
     * @param customizers applied in order, after what the auto-configuration set
     * @return the built rights service
     */
    @Bean
    @ConditionalOnMissingBean
    @DependsOnDatabaseInitialization
    public RightsService rightsService(ConsentService consents, Sweeper sweeper, RightsStore store,
            ObjectProvider<SubjectDataContributor> contributors, ObjectProvider<RightsServiceCustomizer> customizers) {
        return checked("consent.rights", () -> {
            RightsService.Builder b = RightsService.builder().consents(consents).sweeper(sweeper).store(store);
            contributors.orderedStream().forEach(b::contributor);
            customizers.orderedStream().forEach(c -> c.customize(b));
            return b.build();
        });
    }

    /**
     * The access and portability export, with every {@link SubjectDataContributor} bean.
     *
     * @param consents the consent service
     * @param retention the retention service
     * @param rights the rights service
     * @param contributors the beans that hold the application's own data about a subject
     * @return the built export
     */
    @Bean
    @ConditionalOnMissingBean
    public SubjectExport subjectExport(ConsentService consents, RetentionService retention, RightsService rights,
            ObjectProvider<SubjectDataContributor> contributors) {
        return checked("consent", () -> {
            SubjectExport.Builder b = SubjectExport.builder().consents(consents).retention(retention).rights(rights);
            contributors.orderedStream().forEach(b::contributor);
            return b.build();
        });
    }

    private static byte[] decode(String property, String base64) {
        try {
            return Base64.getDecoder().decode(base64.strip());
        } catch (IllegalArgumentException e) {
            // the message never repeats the value: it is a secret
            throw new ConsentConfigurationException(property, "is not Base64", "Encode the secret's bytes in Base64, "
                    + "e.g. with: openssl rand -base64 32");
        }
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }

    /** Runs a builder, turning the library's refusal of a value into one that names the property group. */
    private static <T> T checked(String group, Supplier<T> build) {
        try {
            return build.get();
        } catch (InvalidValueException e) {
            throw new ConsentConfigurationException(group, e.getMessage(),
                    "Correct the setting under " + group + " (or in the customizer that set it)", e);
        }
    }

    /**
     * Matches when {@code consent.store}, bound as {@link ConsentProperties.StoreType} (so {@code in-memory} and
     * {@code IN_MEMORY} alike), is the given type; unset is {@code jdbc}.
     */
    private abstract static class StoreChosen extends SpringBootCondition {
        private final ConsentProperties.StoreType wanted;

        StoreChosen(ConsentProperties.StoreType wanted) {
            this.wanted = wanted;
        }

        @Override
        public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
            ConsentProperties.StoreType type = Binder.get(context.getEnvironment())
                    .bind("consent.store", ConsentProperties.StoreType.class).orElse(ConsentProperties.StoreType.JDBC);
            return type == wanted ? ConditionOutcome.match("consent.store is " + type)
                    : ConditionOutcome.noMatch("consent.store is " + type + ", not " + wanted);
        }
    }

    /** {@code consent.store} is {@code jdbc} or unset. */
    static final class JdbcStoreChosen extends StoreChosen {
        JdbcStoreChosen() {
            super(ConsentProperties.StoreType.JDBC);
        }
    }

    /** {@code consent.store} is {@code in-memory}. */
    static final class InMemoryStoreChosen extends StoreChosen {
        InMemoryStoreChosen() {
            super(ConsentProperties.StoreType.IN_MEMORY);
        }
    }
}
