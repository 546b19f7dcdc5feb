package dev.consent.examples.storefront;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.consent.ConsentService;
import dev.consent.Decision;
import dev.consent.email.CampaignAudience;
import dev.consent.email.CampaignFilter;
import dev.consent.email.CampaignId;
import dev.consent.email.CampaignRecipient;
import dev.consent.email.Confirmation;
import dev.consent.email.ConsentImport;
import dev.consent.email.DoubleOptIn;
import dev.consent.email.EmailAddress;
import dev.consent.email.EmailErasure;
import dev.consent.email.EmailKeys;
import dev.consent.email.OneClickUnsubscribe;
import dev.consent.email.OptInRequest;
import dev.consent.email.Recipient;
import dev.consent.email.SuppressedAddressException;
import dev.consent.email.Suppression;
import dev.consent.email.SuppressionKeys;
import dev.consent.email.UnsubscribeLink;
import dev.consent.email.Unsubscription;
import dev.consent.jdbc.JdbcStore;
import dev.consent.ledger.Capture;
import dev.consent.ledger.ChoiceRecord;
import dev.consent.ledger.Choice;
import dev.consent.ledger.Evidence;
import dev.consent.ledger.GpcOutcome;
import dev.consent.ledger.GpcSignal;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.ledger.VisitorId;
import dev.consent.policy.Policy;
import dev.consent.policy.PolicyJson;
import dev.consent.policy.PolicyProblem;
import dev.consent.policy.PurposeId;
import dev.consent.recipients.DeliveryHistory;
import dev.consent.recipients.DeliveryReport;
import dev.consent.recipients.RecipientDispatcher;
import dev.consent.receipt.ConsentReceipt;
import dev.consent.receipt.ConsentReceipts;
import dev.consent.receipt.ReceiptSigner;
import dev.consent.receipt.ReceiptVerifier;
import dev.consent.retention.Anchor;
import dev.consent.retention.DisposalPlan;
import dev.consent.retention.ErasureAnswer;
import dev.consent.retention.ItemKey;
import dev.consent.retention.RetentionService;
import dev.consent.retention.Sweeper;
import dev.consent.retention.SweepReport;
import dev.consent.rights.RequestType;
import dev.consent.rights.RightsRequest;
import dev.consent.rights.RightsService;
import dev.consent.rights.SubjectExport;
import dev.consent.signals.AdsUploadConsent;
import dev.consent.signals.ConsentModes;
import dev.consent.signals.ConsentSignals;
import dev.consent.signals.SignalResult;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A small storefront on embedded H2 that tells the story of one shop's privacy programme: sign-ups with checkbox
 * consent, purchases (each order committed with its retention anchors in one transaction, a declined one leaving
 * neither), a cookie banner, a visitor sending Global Privacy Control, the TC and GPP strings of a certified banner with the
 * Google Consent Mode signals that follow, a consent-filtered email campaign, a one-click
 * unsubscribe (RFC 8058) passed on to the email service provider, an access request exported to JSON with the customer's signed
 * consent receipts and ISO/IEC TS 27560 records beside it, an erasure request answered with what is kept for tax and
 * passed on to the recipients, an erasure of a customer the library knew nothing of that waits for the shop's
 * confirmation, a double opt-in newsletter sent through the campaign filter with its suppression list and
 * per-recipient proof (a CSV import of an erased customer's address refused), years passing, a dry run (which also lists the items no rule has due) and a sweep that deletes and
 * anonymizes rows in the shop's own tables, ledger verification and overdue requests.
 *
 * <pre>
 * Usage: Storefront [--customers N] [--policy FILE] [--out DIR]
 *        Storefront --serve [PORT] [--policy FILE]
 * </pre>
 *
 * With {@code --serve}, the story is not told: the shop's pages are served instead, with the consent banner and the
 * preference centre, on 127.0.0.1 (port 8080 unless given; 0 takes any free port), until the process is stopped
 * ({@link StorefrontServer}).
 */
public final class Storefront {
    private static final PurposeId NEWSLETTER = PurposeId.of("marketing.email");
    private static final PurposeId ANALYTICS = PurposeId.of("cookies.analytics");
    private static final PurposeId ADS = PurposeId.of("cookies.ads");
    /** A newsletter with double opt-in (its purpose has a confirmation window in the storefront's policy). */
    private static final PurposeId DEALS = PurposeId.of("marketing.deals");
    private static final URI UNSUBSCRIBE = URI.create("https://shop.example/email/unsubscribe");
    private static final URI CONFIRM = URI.create("https://shop.example/email/confirm");
    private static final String[] NAMES = {"Alice", "Bob", "Carol", "Dave", "Erin"};
    /**
     * The TC string a certified banner (CMP 300) hands over for Dave: TCF v2.3, policy version 5, consent to purposes
     * 1, 8 and 9 (device storage, measuring content, market research), none to purposes 2 to 4 and 7 (ads), vendor
     * 755 disclosed; encoded with IAB Tech Lab's iabgpp-encoder 3.2.3.
     */
    static final String DAVES_TC_STRING = "CQN2PcAQN2PcAEsACBDEB4FAAIGAAAAAAAYgAAAAAAAA.QAAA.IF5wAQF5gAAA";
    /**
     * The GPP string the banner hands over for a visitor from California who sends GPC: usnat (section 7) and usca
     * (section 8), each with SaleOptOut and SharingOptOut 1 (Opted Out), usnat also TargetedAdvertisingOptOut 1, and
     * the GPC segment set; encoded with iabgpp-encoder 3.2.3.
     */
    static final String CALIFORNIAN_GPP_STRING = "DBABrw~BFQVAAAAAACY.YA~BUUAAACY.YA";

    private final PrintStream out;
    private final int customers;
    private final Path outDir;
    private final Policy policy;
    private final SimulatedClock clock = new SimulatedClock(Instant.parse("2025-03-03T09:00:00Z"));
    private final List<String> ids = new ArrayList<>();
    private long phaseStart;
    private final Progress progress;

    Storefront(PrintStream out, int customers, Path outDir, Policy policy) {
        this(out, customers, outDir, policy, Progress.of(out));
    }

    /** As the other, with the progress lines' scale, step and tick given (a test shows them at a small size). */
    Storefront(PrintStream out, int customers, Path outDir, Policy policy, Progress progress) {
        this.out = out;
        this.customers = customers;
        this.outDir = outDir;
        this.policy = policy;
        this.progress = progress;
    }

    public static void main(String[] args) throws Exception {
        int customers = NAMES.length;
        Path outDir = Path.of("target", "storefront");
        Policy policy = null;
        Integer serve = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--serve" -> serve = i + 1 < args.length && args[i + 1].matches("[0-9]{1,5}")
                        ? Integer.parseInt(args[++i]) : 8080;
                case "--customers" -> customers = Integer.parseInt(args[++i]);
                case "--out" -> outDir = Path.of(args[++i]);
                case "--policy" -> policy = PolicyJson.read(Path.of(args[++i]));
                case "--help", "-h" -> {
                    System.out.println("Usage: Storefront [--customers N] [--policy FILE] [--out DIR]");
                    System.out.println("       Storefront --serve [PORT] [--policy FILE]");
                    return;
                }
                default -> {
                    System.err.println("storefront: unknown option " + args[i] + " (try --help)");
                    System.exit(2);
                }
            }
        }
        if (serve != null) {
            serve(serve, policy != null ? policy : defaultPolicy());
            return;
        }
        if (customers < NAMES.length) {
            System.err.println("storefront: --customers must be at least " + NAMES.length);
            System.exit(2);
        }
        new Storefront(System.out, customers, outDir, policy != null ? policy : defaultPolicy()).run();
    }

    /** Serves the shop's pages with the banner until the process is stopped; the server's threads keep it alive. */
    private static void serve(int port, Policy policy) throws IOException {
        if (port > 65_535) {
            System.err.println("storefront: --serve takes a port from 0 to 65535, not " + port);
            System.exit(2);
        }
        StorefrontServer server = StorefrontServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), port),
                policy);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "storefront-stop"));
        System.out.println("storefront: serving " + server.uri() + " (a product page) and " + server.uri()
                + "account (the preference centre), the banner at " + server.uri() + "consent/v1/banner.js; Ctrl-C stops");
    }

    static Policy defaultPolicy() throws IOException {
        try (InputStream in = Storefront.class.getResourceAsStream("/storefront/storefront-policy.json")) {
            return PolicyJson.read(in, "storefront-policy.json");
        }
    }

    void run() throws Exception {
        Files.createDirectories(outDir);
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl("jdbc:h2:mem:storefront-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
        config.setMaximumPoolSize(4);
        config.setPoolName("storefront");
        try (HikariDataSource dataSource = new HikariDataSource(config)) {
            ShopDatabase shop = new ShopDatabase(dataSource);
            shop.createTables();
            JdbcStore store = JdbcStore.builder(dataSource).tablePrefix("consent_").build();
            try (ConsentService consents = ConsentService.builder().policy(policy).store(store).clock(clock)
                    .cacheSize(Math.max(10_000, customers)).build()) {
                RetentionService retention = RetentionService.builder().consents(consents).store(store).clock(clock)
                        // a real shop loads its secret from its secret store, never from the database it protects
                        .referenceKey("demo-1", "storefront-demo-key-not-a-secret".getBytes(StandardCharsets.US_ASCII)).build();
                Sweeper sweeper = Sweeper.builder(retention).node("storefront").batchSize(500)
                        .handler("contact.email", shop.emailHandler())
                        .handler("account.profile", shop.profileHandler())
                        .handler("transaction.record", shop.ordersHandler())
                        .handler("support.record", shop.ticketsHandler())
                        .handler("access.log", shop.logsHandler())
                        .build();
                // a real shop loads these secrets from its secret store too
                Email email = new Email(consents, store, retention,
                        EmailKeys.of("demo-1", "storefront-demo-email-key-not-a-secret!".getBytes(StandardCharsets.US_ASCII)),
                        SuppressionKeys.of("demo-1", "storefront-demo-suppression-key-not-a-secret".getBytes(
                                StandardCharsets.US_ASCII)));
                RightsService rights = RightsService.builder().consents(consents).sweeper(sweeper).store(store)
                        .contributor(new OrdersContributor(shop))
                        // an erasure first puts the customer's address on the suppression list, as a keyed hash
                        .emailErasure(new EmailErasure(email.suppression,
                                s -> shop.emailsOf(s.value()).stream().map(EmailAddress::of).toList()))
                        .build();
                RecipientDispatcher recipients = RecipientDispatcher.builder().store(store).clock(clock)
                        .node("storefront").notifier(shop.recipientNotifier(clock)).build();
                story(shop, store, consents, retention, sweeper, rights, recipients, receipts(consents, store), email);
            }
        }
    }

    /**
     * The receipt service, when the policy states what receipts name; null (and a line saying what is missing) when it
     * does not, e.g. under a seed policy given with --policy. The signing key is made for this run: a shop loads its
     * own from its key store or secret manager and publishes the public half.
     */
    private ConsentReceipts receipts(ConsentService consents, JdbcStore store) throws GeneralSecurityException {
        List<PolicyProblem> missing = policy.receiptProblems();
        if (!missing.isEmpty()) {
            out.println("   (no consent receipts: the policy lacks " + missing.stream().map(PolicyProblem::path).toList()
                    + ")");
            return null;
        }
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        ReceiptSigner signer = ReceiptSigner.es256("storefront-demo", generator.generateKeyPair());
        return ConsentReceipts.builder().consents(consents).store(store).signer(signer).build();
    }

    private void story(ShopDatabase shop, JdbcStore store, ConsentService consents, RetentionService retention,
            Sweeper sweeper, RightsService rights, RecipientDispatcher recipients, ConsentReceipts receipts, Email email)
            throws Exception {
        heading("The shop", "policy " + policy.id() + " " + policy.version() + " (" + policy.purposes().size()
                + " purposes, " + policy.retentionRules().size() + " retention rules), H2 in memory, " + customers
                + " customers, the clock starts at " + clock.instant());

        // 1. sign-ups with checkbox consent and its evidence
        phase("Customers sign up");
        List<String[]> rows = new ArrayList<>();
        List<ChoiceRecord> choices = new ArrayList<>();
        for (int i = 0; i < customers; i++) {
            String id = i < NAMES.length ? NAMES[i].toLowerCase() : String.format("c%07d", i);
            ids.add(id);
            rows.add(new String[] {id, id + "@mail.example", i < NAMES.length ? NAMES[i] : "Customer " + i});
            Evidence evidence = Evidence.builder().notice("signup-form-v3", "Yes, send me the weekly newsletter.")
                    .locale("de-DE").userAgent("Mozilla/5.0 (storefront demo)").ip("198.51.100." + (i % 250 + 1))
                    .build();
            // Alice, Bob and Dave tick the box; Carol explicitly declines; Erin never sees it (old account)
            if (i != 2 && i != 4) {
                choices.add(new ChoiceRecord(SubjectId.of(id), NEWSLETTER, Choice.GRANTED,
                        Capture.by(Method.CHECKBOX).withEvidence(evidence)));
            } else if (i == 2) {
                choices.add(new ChoiceRecord(SubjectId.of(id), NEWSLETTER, Choice.DENIED,
                        Capture.by(Method.CHECKBOX).withEvidence(evidence)));
            }
            if (rows.size() == 1_000 || i == customers - 1) {
                shop.addCustomers(rows, clock.instant());
                consents.record(choices);
                for (String[] r : rows) {
                    SubjectId s = SubjectId.of(r[0]);
                    retention.recordAnchor(s, "contact.email", Anchor.COLLECTED, clock.instant());
                    retention.recordAnchor(s, "account.profile", Anchor.COLLECTED, clock.instant());
                }
                rows.clear();
                choices.clear();
                progress(i + 1, customers);
            }
        }
        if (customers <= 20) {
            for (int i = 0; i < NAMES.length; i++) {
                line(NAMES[i] + ": " + (i == 2 ? "declines the newsletter" : i == 4 ? "signs up without being asked"
                        : "ticks \"Yes, send me the weekly newsletter\"") + " (evidence: notice hash, locale, /24 of the IP)");
            }
        }
        done();

        // 2. purchases
        phase("Customers buy");
        clock.advance(Duration.ofDays(3));
        ItemKey erinsOrders = ItemKey.of("erin", "transaction.record");
        try {
            shop.placeOrder(store, "erin", 4_990, "Hauptstr. 5, Berlin", clock.instant(), () -> {
                orderAnchors(retention, SubjectId.of("erin"));
                throw new IllegalStateException("the payment processor declined the card");
            });
        } catch (IllegalStateException declined) {
            line("Erin's first order: its anchors are written, then " + declined.getMessage() + "; the transaction "
                    + "rolls back: " + shop.ordersOf("erin").size() + " orders, " + (store.item(erinsOrders).isEmpty()
                            ? "no" : "an") + " order anchor");
        }
        for (int i = 0; i < ids.size(); i++) {
            SubjectId s = SubjectId.of(ids.get(i));
            shop.placeOrder(store, s.value(), 4_990, "Hauptstr. 1, Berlin", clock.instant(),
                    () -> orderAnchors(retention, s));
            progress(i + 1, ids.size());
        }
        line("each order, its access log line and its \"last transaction\" retention anchor commit in one transaction"
                + " (the store joins the shop's: JdbcStore.join); Erin's order is anchored at "
                + store.item(erinsOrders).orElseThrow().anchors().get(Anchor.LAST_TRANSACTION));
        shop.addTicket("bob", "Parcel arrived damaged", clock.instant(), clock.instant().plus(Duration.ofDays(2)));
        retention.recordAnchor(SubjectId.of("bob"), "support.record", Anchor.TICKET_RESOLVED,
                clock.instant().plus(Duration.ofDays(2)));
        line("every customer places an order (49.90 EUR); Bob opens a support ticket, resolved two days later");
        done();

        // 3. the cookie banner
        phase("The cookie banner");
        Capture banner = Capture.by(Method.COOKIE_BANNER).withEvidence(Evidence.builder().notice("banner-v2",
                "We use cookies for analytics and advertising.").locale("de-DE").build());
        consents.record(List.of(
                new ChoiceRecord(SubjectId.of("alice"), ANALYTICS, Choice.GRANTED, banner),
                new ChoiceRecord(SubjectId.of("alice"), ADS, Choice.GRANTED, banner),
                new ChoiceRecord(SubjectId.of("bob"), ANALYTICS, Choice.GRANTED, banner),
                new ChoiceRecord(SubjectId.of("bob"), ADS, Choice.DENIED, banner),
                new ChoiceRecord(SubjectId.of("carol"), ANALYTICS, Choice.DENIED, banner),
                new ChoiceRecord(SubjectId.of("carol"), ADS, Choice.DENIED, banner)));
        line("Alice accepts all cookies; Bob accepts analytics only; Carol rejects all");
        done();

        // 4. a visitor with Global Privacy Control
        phase("A visitor with Global Privacy Control (Sec-GPC: 1)");
        VisitorId visitor = VisitorId.of("7f3a"); // the id in the visitor's cookie: never a customer's id
        GpcOutcome gpc = consents.applyGpc(visitor.subject(), GpcSignal.received());
        gpc.effects().forEach((purpose, effect) -> line(purpose + ": " + effect));
        consents.link(visitor, SubjectId.of("erin"));
        line("the visitor logs in as Erin: her cookie state is now " + consents.check(SubjectId.of("erin"), ADS).reason()
                + " for " + ADS);
        done();

        industrySignals(consents);

        // 5. the campaign
        phase("Email campaign \"Spring sale\", filtered by consent");
        campaign(consents);
        done();

        // 6. one-click unsubscribe
        phase("Dave clicks the one-click unsubscribe link");
        UnsubscribeLink daves = email.unsubscribe.link(SubjectId.of("dave"), NEWSLETTER);
        line("his Spring sale mail carried (RFC 2369, RFC 8058):");
        line("  List-Unsubscribe: " + abbreviated(daves.listUnsubscribe()));
        line("  List-Unsubscribe-Post: " + daves.listUnsubscribePost());
        Unsubscription posted = postUnsubscribe(email.unsubscribe, daves.url(), "Mozilla/5.0 (mail client)");
        line("POST " + abbreviated(daves.url().toString()) + " (no cookies, no login): " + posted.status()
                + ", HTTP " + (posted.done() ? 200 : 400));
        Decision dave = consents.check(SubjectId.of("dave"), NEWSLETTER);
        line("the next campaign skips Dave: " + dave.explain());
        Decision then = consents.check(SubjectId.of("dave"), NEWSLETTER, clock.instant().minusSeconds(60));
        line("withdrawal is not retroactive: one minute earlier the answer was " + then.reason());
        done();

        // 6b. the email service provider is told (GDPR Art. 19, through the outbox written with the withdrawal)
        phase("The recipients are told of Dave's withdrawal");
        DeliveryReport told = recipients.deliver(1_000, Duration.ofMinutes(1));
        line("the outbox delivered " + told.delivered() + " notice(s) to the shop's notifier:");
        shop.recipientNotifications().forEach(n -> line("  " + n));
        done();

        // 7. an access request
        phase("Alice asks for a copy of her data (GDPR Art. 15)");
        RightsRequest access = rights.receive(SubjectId.of("alice"), RequestType.ACCESS, "privacy form");
        line("received; " + access.deadline().orElseThrow().explain());
        rights.verifyIdentity(access.id(), "support-7", "logged-in session");
        Path export = outDir.resolve("alice-export.json");
        SubjectExport.Builder exportBuilder = SubjectExport.builder().consents(consents).retention(retention)
                .rights(rights).contributor(new OrdersContributor(shop));
        if (receipts != null) {
            exportBuilder.receipts(receipts);
        }
        SubjectExport exporter = exportBuilder.build();
        try (OutputStream file = Files.newOutputStream(export)) {
            exporter.write(SubjectId.of("alice"), file);
        }
        rights.complete(access.id(), "support-7", "export sent: " + export.getFileName());
        line("exported to " + export.toAbsolutePath() + " (" + Files.size(export) + " bytes, schema "
                + SubjectExport.SCHEMA + " " + SubjectExport.SCHEMA_VERSION + ")");
        if (receipts != null) {
            writeReceipts(receipts, SubjectId.of("alice"));
        }
        done();

        // 8. an erasure request
        phase("Carol asks to be erased (GDPR Art. 17)");
        Map<String, Long> before = shop.counts();
        RightsRequest erasure = rights.receive(SubjectId.of("carol"), RequestType.ERASURE, "email");
        rights.verifyIdentity(erasure.id(), "support-7", "code sent to her address");
        ErasureAnswer answer = rights.erase(erasure.id(), "dpo");
        answer.explain().lines().forEach(this::line);
        line("shop tables before: " + new TreeMap<>(before));
        line("shop tables after:  " + new TreeMap<>(shop.counts()));
        clock.advance(Duration.ofMinutes(1));
        recipients.deliver(1_000, Duration.ofMinutes(1));
        line("her request's history, with whom it told (the orders are kept for tax, so their recipients are told to"
                + " restrict them; AdNet and MailWave never had her data and are not told):");
        rights.request(erasure.id()).history().forEach(t -> line("  " + t.at() + " " + t.actor() + ": "
                + (t.actor().equals(DeliveryHistory.ACTOR) ? t.note() : t.to())));
        done();

        // 8b. an erasure of a customer the retention records know nothing of
        phase("Frank, a customer from before the shop recorded retention anchors, asks to be erased");
        shop.addCustomers(List.<String[]>of(new String[] {"frank", "frank@mail.example", "Frank"}),
                clock.instant().minus(Duration.ofDays(900)));
        shop.addOrders(List.of("frank"), 2_490, "Ringstr. 9, Hamburg", clock.instant().minus(Duration.ofDays(800)));
        RightsRequest legacy = rights.receive(SubjectId.of("frank"), RequestType.ERASURE, "letter");
        rights.verifyIdentity(legacy.id(), "support-7", "customer number and postcode");
        ErasureAnswer unknown = rights.erase(legacy.id(), "dpo");
        unknown.explain().lines().forEach(this::line);
        RightsRequest waiting = rights.request(legacy.id());
        line("the request is " + waiting.status() + ", not completed: the shop's orders contributor reports "
                + "data of his, and the library erased none");
        String erased = shop.eraseCustomer("frank");
        RightsRequest confirmed = rights.confirmErasure(legacy.id(), "dpo", erased);
        line("the privacy team erases him by hand and confirms: " + erased);
        line("the request is now " + confirmed.status());
        done();

        // 8c. the double opt-in newsletter, its campaign, a one-click unsubscribe, an import and the campaign proof
        if (policy.findPurpose(DEALS).filter(dev.consent.policy.Purpose::requiresConfirmation).isPresent()) {
            emailLifecycle(shop, consents, email);
        } else {
            out.println();
            out.println("   (no double opt-in newsletter: the policy does not declare " + DEALS
                    + " with a confirmation window)");
        }

        // a request that nobody answers
        RightsRequest forgotten = rights.receive(SubjectId.of("erin"), RequestType.RECTIFICATION, "phone");

        // 9. years pass
        phase("Bob closes his account; time passes");
        shop.closeAccount("bob", clock.instant());
        retention.recordAnchor(SubjectId.of("bob"), "account.profile", Anchor.ACCOUNT_CLOSED, clock.instant());
        retention.recordAnchor(SubjectId.of("bob"), "contact.email", Anchor.ACCOUNT_CLOSED, clock.instant());
        clock.advance(Duration.ofDays(365 * 8 + 2));
        line("the clock is now " + clock.instant() + ", eight years on");
        done();

        phase("The dry run: what a sweep would do now");
        DisposalPlan plan = progress.during("planning", customers, () -> retention.plan(clock.instant()));
        line(plan.due() + " items due, " + plan.held() + " held, "
                + sweeper.withoutHandler(plan).values().stream().mapToLong(Long::longValue).sum() + " without a handler");
        plan.dueByRule().forEach((rule, n) -> line("  " + rule + ": " + n));
        line(plan.notStarted() + " items no rule has started for, " + plan.noRule() + " with no rule at all (listed,"
                + " not skipped):");
        Map<String, String> reasons = new TreeMap<>();
        plan.unscheduled().sample().forEach(v -> reasons.putIfAbsent(v.item().category().value(), v.reason()));
        plan.unscheduled().byCategory().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> line("  "
                + e.getKey() + ": " + e.getValue() + reasons.getOrDefault(e.getKey(), "").transform(r -> r.isEmpty()
                        ? "" : ", e.g. " + r)));
        line("nothing was disposed: " + new TreeMap<>(shop.counts()));
        done();

        phase("The sweep");
        SweepReport report;
        int rounds = 0;
        int disposed = 0;
        int failed = 0;
        do {
            report = sweeper.sweep(10_000, Duration.ofMinutes(5));
            disposed += report.disposed();
            failed += report.failed();
            rounds++;
            progress(disposed, (int) plan.due());
        } while (report.budgetExhausted() && rounds < 1_000);
        line("disposed " + disposed + " items in " + rounds + " sweeps of at most 10,000, " + failed + " failures");
        line("shop tables now: " + new TreeMap<>(shop.counts()));
        line("orders are anonymized for the books, not deleted: " + shop.ordersOf("alice").size()
                + " orders still name Alice");
        done();

        phase("Ledger verification");
        int intact = 0;
        for (int i = 0; i < ids.size(); i++) {
            if (consents.verify(SubjectId.of(ids.get(i))).intact()) {
                intact++;
            }
            progress(i + 1, ids.size());
        }
        line(intact + " of " + ids.size() + " hash chains verify");
        done();

        phase("Overdue rights requests");
        for (RightsRequest r : rights.overdue()) {
            line(r.type() + " " + r.id() + " from " + (r.id().equals(forgotten.id()) ? "Erin" : "a customer")
                    + ", due by the end of " + r.deadline().orElseThrow().lastDay() + ": OVERDUE"
                    + (r.extendedLate() ? " (extension recorded late, after the original deadline of "
                            + r.extensionNotice().orElseThrow().original().lastDay() + ")" : ""));
        }
        done();
    }

    /**
     * A certified banner (a CMP) hands the shop IAB strings rather than choices: Dave's TC string and a Californian
     * visitor's GPP string are applied through consent-signals under the policy's {@code signals} mapping, the same
     * string again writes nothing, and the Consent Mode signals follow for the page ({@code gtag}) and for a Google
     * Ads upload of every customer (the bulk form); docs/signals.md.
     */
    private void industrySignals(ConsentService consents) {
        if (policy.signals().isEmpty()) {
            out.println();
            out.println("   (no TC or GPP strings: the policy declares no signals section)");
            return;
        }
        phase("A certified banner hands over a TC string and a GPP string");
        ConsentSignals signals = new ConsentSignals(consents, policy);
        ConsentModes modes = new ConsentModes(consents, policy);

        SubjectId dave = SubjectId.of("dave");
        line("Dave's TC string: " + DAVES_TC_STRING);
        signalResult(signals.applyTcString(dave, DAVES_TC_STRING, clock.instant()));
        signalDecisions(consents, modes, dave);
        int before = consents.history(dave).size();
        SignalResult again = signals.applyTcString(dave, DAVES_TC_STRING, clock.instant());
        line("  the banner sends the same string again: " + again.status() + ", " + before + " events before, "
                + consents.history(dave).size() + " after");

        // the visitor accepted everything in the shop's own banner two days earlier, then set the CMP's opt-outs
        SubjectId visitor = VisitorId.of("c41f").subject();
        Capture ownBanner = Capture.by(Method.COOKIE_BANNER).at(clock.instant().minus(Duration.ofDays(2)))
                .withEvidence(Evidence.builder().notice("banner-v2", "We use cookies for analytics and advertising.")
                        .locale("en-US").build());
        consents.record(List.of(new ChoiceRecord(visitor, ANALYTICS, Choice.GRANTED, ownBanner),
                new ChoiceRecord(visitor, ADS, Choice.GRANTED, ownBanner)));
        line("a visitor from California accepted all cookies in the shop's banner two days ago: page "
                + modes.forSubject(visitor).toGtagJson());
        line("today the banner hands over her GPP string: " + CALIFORNIAN_GPP_STRING);
        signalResult(signals.applyGppString(visitor, CALIFORNIAN_GPP_STRING, clock.instant()));
        signalDecisions(consents, modes, visitor);

        List<SubjectId> audience = ids.stream().map(SubjectId::of).toList();
        Map<SubjectId, AdsUploadConsent> upload = modes.uploadConsents(audience);
        Map<String, Integer> fields = new TreeMap<>();
        upload.values().forEach(c -> fields.merge(c.toJson(), 1, Integer::sum));
        line("a Customer Match upload of all " + audience.size() + " customers carries each one's consent (one bulk"
                + " check per mapped purpose):");
        if (upload.size() <= 20) {
            upload.forEach((s, c) -> line(String.format("  %-6s %s", s, c.toJson())));
        } else {
            fields.forEach((json, n) -> line("  " + n + " x " + json));
        }
        done();
    }

    private void signalResult(SignalResult r) {
        line("  " + r.status() + ": " + r.detail());
        r.choices().forEach(c -> line("  " + c.purpose() + " " + c.choice() + " (" + String.join(", ", c.signals())
                + ")"));
        r.unmapped().forEach(u -> line("  not mapped: " + u.signal() + ", " + u.reason()));
    }

    private void signalDecisions(ConsentService consents, ConsentModes modes, SubjectId subject) {
        line("  decisions: " + ANALYTICS + " " + consents.check(subject, ANALYTICS).reason() + ", " + ADS + " "
                + consents.check(subject, ADS).reason());
        line("  page: gtag('consent', 'update', " + modes.forSubject(subject).toGtagJson() + ")");
        line("  upload: " + modes.forSubject(subject).uploadConsent().toJson());
    }

    /** What an order starts: the order's and the address's "last transaction" anchors, the access log's collection. */
    private void orderAnchors(RetentionService retention, SubjectId s) {
        retention.recordAnchor(s, "transaction.record", Anchor.LAST_TRANSACTION, clock.instant());
        retention.recordAnchor(s, "contact.email", Anchor.LAST_TRANSACTION, clock.instant());
        retention.recordAnchor(s, "access.log", Anchor.COLLECTED, clock.instant());
    }

    /**
     * Beside the export: the customer's receipts document, each signed receipt as a file of its own, her ISO/IEC TS
     * 27560 consent records, and the public key that checks the receipts.
     */
    private void writeReceipts(ConsentReceipts receipts, SubjectId customer) throws IOException {
        String name = customer.value();
        try (OutputStream file = Files.newOutputStream(outDir.resolve(name + "-receipts.json"))) {
            receipts.writeReceipts(customer, file);
        }
        try (OutputStream file = Files.newOutputStream(outDir.resolve(name + "-consent-records.jsonld"))) {
            receipts.writeRecords(customer, file);
        }
        Path key = Files.writeString(outDir.resolve("receipt-key.public.jwk"), receipts.publicJwk() + "\n");
        List<ConsentReceipt> issued = receipts.issueAll(customer);
        int valid = 0;
        for (int i = 0; i < issued.size(); i++) {
            Files.writeString(outDir.resolve(name + "-receipt-" + (i + 1) + ".jws"), issued.get(i).jws() + "\n");
            if (ReceiptVerifier.verify(issued.get(i).jws(), receipts.publicJwk()).valid()) {
                valid++;
            }
        }
        line(issued.size() + " signed consent receipts (Kantara v1.1, ES256, key " + receipts.keyId() + ") beside it: "
                + name + "-receipts.json and " + name + "-receipt-1.jws to -" + issued.size() + ".jws; her ISO/IEC TS "
                + "27560 records: " + name + "-consent-records.jsonld");
        line(valid + " of " + issued.size() + " receipts verify with the public key alone (" + key.getFileName()
                + "): consent verify-receipt " + name + "-receipt-1.jws " + key.getFileName());
    }

    /** The email lifecycle of the shop: keys, the suppression list and the services over them. */
    private static final class Email {
        final Suppression suppression;
        final DoubleOptIn optIn;
        final OneClickUnsubscribe unsubscribe;
        final CampaignFilter campaigns;
        final ConsentImport imports;

        Email(ConsentService consents, JdbcStore store, RetentionService retention, EmailKeys tokens,
                SuppressionKeys hashes) {
            suppression = Suppression.builder().store(store).keys(hashes).clock(consents.clock()).build();
            optIn = new DoubleOptIn(consents, tokens, suppression);
            unsubscribe = new OneClickUnsubscribe(consents, tokens, UNSUBSCRIBE, retention::wasErased);
            campaigns = CampaignFilter.builder().consents(consents).store(store).suppression(suppression).build();
            imports = new ConsentImport(consents, suppression);
        }
    }

    private void emailLifecycle(ShopDatabase shop, ConsentService consents, Email email) {
        phase("Flash deals by email: double opt-in");
        Capture form = Capture.by(Method.WEB_FORM).withEvidence(Evidence.builder().notice("deals-form-v1",
                "Yes, email me flash deals.").locale("de-DE").userAgent("Mozilla/5.0 (storefront demo)")
                .ip("198.51.100.23").build());
        Map<String, OptInRequest> requests = new TreeMap<>();
        for (String who : List.of("alice", "bob", "dave")) {
            EmailAddress to = EmailAddress.of(shop.emailsOf(who).get(0));
            requests.put(who, email.optIn.request(SubjectId.of(who), DEALS, form, to));
        }
        OptInRequest alices = requests.get("alice");
        line("Alice, Bob and Dave sign up; each gets a confirmation mail, with no advertising in it (BGH I ZR 164/09):");
        line("  To: " + shop.emailsOf("alice").get(0));
        line("  Subject: Please confirm your email address");
        line("  Please confirm that you want flash deals from us by opening this link before "
                + alices.expiresAt() + ":");
        line("  " + abbreviated(CONFIRM + "?token=" + alices.token()));
        line("until confirmed, Alice is " + consents.check(SubjectId.of("alice"), DEALS).reason());
        clock.advance(Duration.ofHours(1));
        Evidence click = Evidence.builder().userAgent("Mozilla/5.0 (mail client)").ip("203.0.113.77").build();
        for (String who : List.of("alice", "bob")) {
            Confirmation c = email.optIn.confirm(requests.get(who).token(), click);
            line(who + " opens the link: " + c.status() + ", now " + consents.check(SubjectId.of(who), DEALS).reason());
        }
        line("the link again: " + email.optIn.confirm(alices.token(), click).status() + " (single use)");
        clock.advance(Duration.ofDays(3));
        line("Dave never opens his; three days later he is " + consents.check(SubjectId.of("dave"), DEALS).reason()
                + " and his link answers " + email.optIn.confirm(requests.get("dave").token(), click).status());
        done();

        phase("After Carol's erasure: a CSV import and a stranger's sign-up");
        String csv = """
                subject,email
                crm-1187, Carol@Mail.Example
                crm-2204,grace@mail.example
                """;
        Capture imported = Capture.by(Method.IMPORT).withEvidence(Evidence.builder()
                .reference("crm-export-2025-03.csv").build());
        List<Recipient> extra = new ArrayList<>();
        csv.lines().skip(1).forEach(row -> {
            String[] cells = row.split(",", -1);
            SubjectId subject = SubjectId.of(cells[0].strip());
            try {
                email.imports.grant(subject, NEWSLETTER, EmailAddress.of(cells[1]), imported);
                extra.add(new Recipient(subject, EmailAddress.of(cells[1])));
                line(subject + ": imported, " + consents.check(subject, NEWSLETTER).reason());
            } catch (SuppressedAddressException e) {
                line(subject + ": refused, " + e.getMessage());
            }
        });
        SubjectId stranger = SubjectId.of("web-5531");
        consents.grant(stranger, NEWSLETTER, Capture.by(Method.CHECKBOX).withEvidence(Evidence.builder()
                .notice("signup-form-v3", "Yes, send me the weekly newsletter.").build()));
        extra.add(new Recipient(stranger, EmailAddress.of("carol@mail.example")));
        line("someone ticks the newsletter box at checkout with Carol's old address (no double opt-in for this"
                + " purpose): " + stranger + " is " + consents.check(stranger, NEWSLETTER).reason()
                + "; the campaign filter still leaves the address out");
        line("the suppression list holds keyed hashes only (HMAC-SHA256 under the shop's key), never an address");
        done();

        phase("Campaign \"Weekly newsletter #12\": filtered, suppressed, proved");
        CampaignId campaign = CampaignId.of("weekly-12");
        List<Recipient> audience = new ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
            String id = ids.get(i);
            shop.emailsOf(id).forEach(a -> audience.add(new Recipient(SubjectId.of(id), EmailAddress.of(a))));
            progress(i + 1, ids.size());
        }
        audience.addAll(extra);
        CampaignAudience sent = progress.during("filtering and recording the proof", audience.size(),
                () -> email.campaigns.filter(campaign, NEWSLETTER, audience));
        Map<String, Integer> reasons = new TreeMap<>();
        sent.refused().values().forEach(d -> reasons.merge(d.reason().name(), 1, Integer::sum));
        line(sent.included().size() + " of " + audience.size() + " addresses receive it; left out by consent: "
                + reasons + "; suppressed: " + sent.suppressed());
        UnsubscribeLink bobs = email.unsubscribe.link(SubjectId.of("bob"), NEWSLETTER);
        line("each mail carries its recipient's own headers, e.g. Bob's:");
        line("  List-Unsubscribe: " + abbreviated(bobs.listUnsubscribe()));
        line("  List-Unsubscribe-Post: " + bobs.listUnsubscribePost());
        clock.advance(Duration.ofHours(2));
        Unsubscription first = postUnsubscribe(email.unsubscribe, bobs.url(), "GoogleOneClick/1.0");
        Unsubscription replay = postUnsubscribe(email.unsubscribe, bobs.url(), "GoogleOneClick/1.0");
        String forged = bobs.url().toString().replaceFirst("token=u2\\.", "token=u2.x");
        Unsubscription refused = postUnsubscribe(email.unsubscribe, URI.create(forged), "curl/8.0");
        line("Bob's mail provider POSTs the link: " + first.status() + " (HTTP 200); again: " + replay.status()
                + " (HTTP 200); an altered token: " + refused.status() + " (HTTP 400), nothing written");
        done();

        phase("Was it allowed when we sent it? (campaign " + campaign + ")");
        for (SubjectId who : List.of(SubjectId.of("alice"), SubjectId.of("bob"), SubjectId.of("dave"), stranger)) {
            Optional<CampaignRecipient> proof = email.campaigns.recipient(campaign, who);
            line(String.format("%-8s %s", who, proof.map(p -> "yes: " + p.reason() + " on " + p.basis()
                    + ", policy version " + p.policyVersion() + ", consent version "
                    + p.consentVersion().getAsInt() + ", event " + p.decidingEvent().orElseThrow() + ", at " + p.at())
                    .orElse("not included")));
        }
        line("Bob unsubscribed after the send: the proof still shows he was allowed when it went out");
        done();
    }

    /**
     * What the shop's unsubscribe endpoint does with a one-click POST (RFC 8058): the {@code token} query parameter,
     * the request's user agent and IP to the library, its outcome to the HTTP status (200 when done, 400 refused).
     */
    private static Unsubscription postUnsubscribe(OneClickUnsubscribe endpoint, URI url, String userAgent) {
        String token = "";
        for (String pair : url.getRawQuery().split("&")) {
            if (pair.startsWith("token=")) {
                token = pair.substring("token=".length());
            }
        }
        return endpoint.handle(token, Evidence.builder().userAgent(userAgent).ip("209.85.220.41").build());
    }

    /** A URL or header with its token shortened, to keep the story readable. */
    private static String abbreviated(String text) {
        int token = text.indexOf("token=");
        return token < 0 || text.length() < token + 30 ? text : text.substring(0, token + 26) + "..."
                + (text.endsWith(">") ? ">" : "");
    }

    private void campaign(ConsentService consents) {
        List<SubjectId> audience = ids.stream().map(SubjectId::of).toList();
        Map<SubjectId, Decision> decisions = progress.during("checking", audience.size(),
                () -> consents.checkAll(audience, NEWSLETTER));
        Map<String, Integer> reasons = new TreeMap<>();
        int sent = 0;
        for (Map.Entry<SubjectId, Decision> e : decisions.entrySet()) {
            reasons.merge(e.getValue().reason().name(), 1, Integer::sum);
            if (e.getValue().allowed()) {
                sent++;
            }
            if (decisions.size() <= 20) {
                line(String.format("%-6s %s", e.getKey(), e.getValue().allowed() ? "receives it"
                        : "is skipped: " + e.getValue().reason()));
            }
        }
        line(sent + " of " + audience.size() + " receive the email; reasons: " + reasons);
    }

    private void heading(String title, String text) {
        out.println("== " + title);
        out.println("   " + text);
    }

    private void phase(String title) {
        out.println();
        out.println("== " + title + " (" + clock.instant().toString().substring(0, 10) + ")");
        phaseStart = System.nanoTime();
    }

    private void line(String text) {
        out.println("   " + text);
    }

    private void progress(int done, int total) {
        progress.count(done, total);
    }

    private void done() {
        out.printf("   (%d ms)%n", (System.nanoTime() - phaseStart) / 1_000_000);
    }
}
