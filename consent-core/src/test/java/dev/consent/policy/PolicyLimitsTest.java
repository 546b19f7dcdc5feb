package dev.consent.policy;

import dev.consent.InvalidValueException;
import dev.consent.retention.Anchor;
import dev.consent.retention.CountFrom;
import dev.consent.retention.DisposalAction;
import dev.consent.retention.RetentionPeriod;
import dev.consent.retention.RetentionRule;
import dev.consent.rights.BusinessCalendar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntFunction;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Hostile policies: too large, too many elements, chains of parents too deep, more problems than a message can
 * list. Each is refused with the limit it breaks (see {@link PolicyLimits}), by the JSON reader with the path of
 * the array or field and by the Java builder with the field, in bounded memory. No assertion is on time: a
 * quadratic walk shows as a heap exhausted within surefire's 1 GB, the way the 20,000-deep chain did.
 */
class PolicyLimitsTest {
    private static final LocalDate FIRST_HOLIDAY = LocalDate.of(2000, 1, 1);

    // ------------------------------------------------------------------------------------ documents

    /** A policy document assembled from generated arrays; every element valid unless a test makes it not. */
    private static final class Doc {
        int categories = 1;
        int purposes = 1;
        IntFunction<String> parentOf = i -> null;
        int recipients = 0;
        int retention = 0;
        int rights = 0;
        int holidays = 0;
        int workingDays = 0;
        /** How many categories purposes[0] uses, and recipients[0] receives. */
        int firstPurposeCategories = 1;
        /** How many purposes recipients[0] receives data for. */
        int firstRecipientPurposes = 1;
        String typesOfFirstRights = "[\"ACCESS\"]";
        String weekend = "[\"SATURDAY\",\"SUNDAY\"]";
        IntFunction<String> legalBasis = i -> "CONTRACT";

        String json() {
            StringBuilder out = new StringBuilder(1 << 20);
            out.append("{\"id\":\"shop\",\"version\":\"1\",\"effectiveFrom\":\"2025-01-01\",\"timeZone\":\"UTC\",");
            out.append("\n\"categories\":[");
            for (int i = 0; i < categories; i++) {
                out.append(i == 0 ? "" : ",").append("{\"id\":\"c").append(i).append("\",\"description\":\"C\"}");
            }
            out.append("],\n\"purposes\":[");
            for (int i = 0; i < purposes; i++) {
                out.append(i == 0 ? "" : ",").append("\n{\"id\":\"p").append(i).append("\",\"title\":\"P\",")
                        .append("\"legalBasis\":\"").append(legalBasis.apply(i)).append("\",\"categories\":")
                        .append(i == 0 ? ids("c", firstPurposeCategories) : "[\"c0\"]");
                String parent = parentOf.apply(i);
                if (parent != null) {
                    out.append(",\"parent\":\"").append(parent).append('"');
                }
                out.append('}');
            }
            out.append("],\n\"recipients\":[");
            for (int i = 0; i < recipients; i++) {
                out.append(i == 0 ? "" : ",").append("\n{\"id\":\"r").append(i)
                        .append("\",\"name\":\"R\",\"role\":\"PROCESSOR\",\"categories\":")
                        .append(i == 0 ? ids("c", firstPurposeCategories) : "[\"c0\"]").append(",\"purposes\":")
                        .append(i == 0 ? ids("p", firstRecipientPurposes) : "[\"p0\"]").append('}');
            }
            out.append("],\n\"retention\":[");
            for (int i = 0; i < retention; i++) {
                out.append(i == 0 ? "" : ",").append("\n{\"id\":\"k").append(i).append("\",\"category\":\"c0\",")
                        .append("\"kind\":\"MAXIMUM\",\"period\":\"P1Y\",\"after\":\"collected\",\"action\":\"DELETE\"}");
            }
            out.append("],\n\"rights\":[");
            for (int i = 0; i < rights; i++) {
                String types = i == 0 ? typesOfFirstRights : "[]";
                out.append(i == 0 ? "" : ",").append("\n{\"types\":").append(types)
                        .append(",\"within\":30,\"unit\":\"CALENDAR_DAYS\"}");
            }
            out.append("],\n\"calendar\":{\"weekend\":").append(weekend).append(",\"holidays\":")
                    .append(dates(holidays)).append(",\"workingDays\":").append(dates(workingDays)).append("}}");
            return out.toString();
        }

        private static String ids(String prefix, int n) {
            StringBuilder out = new StringBuilder("[");
            for (int i = 0; i < n; i++) {
                out.append(i == 0 ? "" : ",").append('"').append(prefix).append(i).append('"');
            }
            return out.append(']').toString();
        }

        private static String dates(int n) {
            StringBuilder out = new StringBuilder("[");
            for (int i = 0; i < n; i++) {
                out.append(i == 0 ? "" : ",").append('"').append(FIRST_HOLIDAY.plusDays(i)).append('"');
            }
            return out.append(']').toString();
        }
    }

    private static InvalidPolicyException refused(String json) {
        InvalidPolicyException e = catchThrowableOfType(() -> PolicyJson.read(json), InvalidPolicyException.class);
        assertThat(e).as("the document must be refused").isNotNull();
        PolicyJsonTest.assertReadable(e);
        return e;
    }

    // ------------------------------------------------------------------------------------ a policy at every limit

    @Test
    void aPolicyAtEveryLimitIsReadAndBuilt() {
        Doc doc = new Doc();
        doc.categories = PolicyLimits.MAX_CATEGORIES;
        doc.purposes = PolicyLimits.MAX_PURPOSES;
        // chains exactly as deep as allowed: p0 <- p1 <- ... <- p32, then p33 starts a new chain
        doc.parentOf = i -> i % (PolicyLimits.MAX_PARENT_DEPTH + 1) == 0 ? null : "p" + (i - 1);
        doc.recipients = PolicyLimits.MAX_RECIPIENTS;
        doc.retention = PolicyLimits.MAX_RETENTION_RULES;
        doc.rights = PolicyLimits.MAX_RIGHTS_ENTRIES;
        doc.holidays = PolicyLimits.MAX_HOLIDAYS;
        doc.workingDays = PolicyLimits.MAX_WORKING_DAYS;
        doc.firstPurposeCategories = PolicyLimits.MAX_CATEGORIES;
        doc.firstRecipientPurposes = PolicyLimits.MAX_PURPOSES;
        doc.typesOfFirstRights = "[\"ACCESS\",\"RECTIFICATION\",\"ERASURE\",\"RESTRICTION\",\"PORTABILITY\","
                + "\"OBJECTION\",\"WITHDRAW_CONSENT\"]";
        doc.weekend = "[\"MONDAY\",\"TUESDAY\",\"WEDNESDAY\",\"THURSDAY\",\"FRIDAY\",\"SATURDAY\"]";
        String json = doc.json();
        assertThat(json.getBytes(StandardCharsets.UTF_8).length).isLessThan(PolicyLimits.MAX_DOCUMENT_BYTES);

        Policy policy = PolicyJson.read(json);

        assertThat(policy.purposes()).hasSize(PolicyLimits.MAX_PURPOSES);
        assertThat(policy.categories()).hasSize(PolicyLimits.MAX_CATEGORIES);
        assertThat(policy.recipients()).hasSize(PolicyLimits.MAX_RECIPIENTS);
        assertThat(policy.retentionRules()).hasSize(PolicyLimits.MAX_RETENTION_RULES);
        assertThat(policy.calendar().holidays()).hasSize(PolicyLimits.MAX_HOLIDAYS);
        assertThat(policy.calendar().extraWorkingDays()).hasSize(PolicyLimits.MAX_WORKING_DAYS);
        assertThat(policy.lineage(PurposeId.of("p32"))).hasSize(PolicyLimits.MAX_PARENT_DEPTH + 1)
                .extracting(p -> p.id().value()).startsWith("p32", "p31").endsWith("p1", "p0");
        assertThat(policy.lineage(PurposeId.of("p33"))).hasSize(1);

        // the same through the builder
        Policy.Builder b = Policy.builder("shop", "1").effectiveFrom(FIRST_HOLIDAY).zone(ZoneOffset.UTC);
        for (int i = 0; i < PolicyLimits.MAX_CATEGORIES; i++) {
            b.category("c" + i, "C");
        }
        for (int i = 0; i < PolicyLimits.MAX_PURPOSES; i++) {
            b.purpose(purpose(i, i % (PolicyLimits.MAX_PARENT_DEPTH + 1) == 0 ? null : "p" + (i - 1)));
        }
        for (int i = 0; i < PolicyLimits.MAX_RECIPIENTS; i++) {
            b.recipient(recipient(i, 1));
        }
        for (int i = 0; i < PolicyLimits.MAX_RETENTION_RULES; i++) {
            b.retention(rule(i));
        }
        b.holidays(dates(PolicyLimits.MAX_HOLIDAYS)).workingDays(dates(PolicyLimits.MAX_WORKING_DAYS));
        assertThat(b.build().lineage(PurposeId.of("p65"))).hasSize(PolicyLimits.MAX_PARENT_DEPTH + 1);
    }

    // ------------------------------------------------------------------------------------ chains of parents

    @Test
    void aParentChainTwentyThousandDeepIsRefusedByThePurposeCountBeforeItIsWalked() {
        Doc doc = new Doc();
        doc.purposes = 20_000;
        doc.parentOf = i -> i == 0 ? null : "p" + (i - 1);

        // Before: 22 s and 1.7 GB to load (each purpose's lineage walked and copied anew); 30,000 ran out of memory.
        assertThat(refused(doc.json()).problems()).singleElement().hasToString("$.purposes: 20000 elements exceed "
                + "the 4096 purposes a policy may declare (PolicyLimits.MAX_PURPOSES)");

        Policy.Builder b = Policy.builder("shop", "1").effectiveFrom(FIRST_HOLIDAY).zone(ZoneOffset.UTC)
                .category("c0", "C");
        InvalidValueException e = catchThrowableOfType(() -> {
            for (int i = 0; i < 20_000; i++) {
                b.purpose(purpose(i, i == 0 ? null : "p" + (i - 1)));
            }
        }, InvalidValueException.class);
        assertThat(e).isNotNull();
        assertThat(e.field()).isEqualTo("policy.purposes");
        assertThat(e.value()).isEqualTo("4097");
        assertThat(e.rule()).isEqualTo("is more than the 4096 purposes a policy may have (PolicyLimits.MAX_PURPOSES)");
    }

    /** Declared root first (p0 is the root) and deepest first (p4095 is the root): one problem either way. */
    @Test
    void aChainDeeperThanTheLimitIsReportedOnceAtThePurposeOnePastIt() {
        int n = PolicyLimits.MAX_PURPOSES;
        Doc rootFirst = new Doc();
        rootFirst.purposes = n;
        rootFirst.parentOf = i -> i == 0 ? null : "p" + (i - 1);
        Doc deepestFirst = new Doc();
        deepestFirst.purposes = n;
        deepestFirst.parentOf = i -> i == n - 1 ? null : "p" + (i + 1);
        String rule = "gives the purpose 33 ancestors; a chain of parents may be at most 32 deep "
                + "(PolicyLimits.MAX_PARENT_DEPTH)";

        assertThat(refused(rootFirst.json()).problems()).singleElement()
                .isEqualTo(new PolicyProblem("$.purposes[33].parent", "\"p32\"", rule));
        assertThat(refused(deepestFirst.json()).problems()).singleElement()
                .isEqualTo(new PolicyProblem("$.purposes[4062].parent", "\"p4063\"", rule));

        Policy.Builder b = Policy.builder("shop", "1").effectiveFrom(FIRST_HOLIDAY).zone(ZoneOffset.UTC)
                .category("c0", "C");
        for (int i = 0; i < n; i++) {
            b.purpose(purpose(i, i == 0 ? null : "p" + (i - 1)));
        }
        InvalidPolicyException e = catchThrowableOfType(b::build, InvalidPolicyException.class);
        assertThat(e.problems()).singleElement().isEqualTo(new PolicyProblem("$.purposes[33].parent", "\"p32\"", rule));
    }

    @Test
    void thirtyTwoAncestorsAreAllowedAndTheLineageListsThemAll() {
        Doc doc = new Doc();
        doc.purposes = PolicyLimits.MAX_PARENT_DEPTH + 1;
        doc.parentOf = i -> i == 0 ? null : "p" + (i - 1);

        Policy policy = PolicyJson.read(doc.json());

        List<Purpose> lineage = policy.lineage(PurposeId.of("p32"));
        assertThat(lineage).hasSize(33);
        for (int k = 0; k < lineage.size(); k++) {
            assertThat(lineage.get(k).id().value()).isEqualTo("p" + (32 - k));
        }
    }

    @Test
    void aCycleThroughEveryPurposeIsReportedOnceAtItsFirstPurpose() {
        int n = PolicyLimits.MAX_PURPOSES;
        Doc doc = new Doc();
        doc.purposes = n;
        doc.parentOf = i -> "p" + ((i + 1) % n);

        PolicyProblem p = refused(doc.json()).problems().stream().collect(onlyOne());

        assertThat(p.path()).isEqualTo("$.purposes[0].parent");
        assertThat(p.value()).isEqualTo("\"p1\"");
        assertThat(p.rule()).startsWith("forms a cycle of parents: [p0, p1, p10, p100, p1000,");
    }

    @Test
    void chainsUnderACycleAreNotReportedAgainAndTwoCyclesInDeclarationOrder() {
        // p0 -> p1 -> ... -> p39 -> p40 <-> p41 (a cycle under a chain longer than allowed); p42 <-> p43
        Doc doc = new Doc();
        doc.purposes = 44;
        doc.parentOf = i -> switch (i) {
            case 41 -> "p40";
            case 43 -> "p42";
            case 42 -> "p43";
            default -> "p" + (i + 1);
        };

        assertThat(refused(doc.json()).problems()).extracting(PolicyProblem::toString).containsExactly(
                "$.purposes[40].parent: \"p41\" forms a cycle of parents: [p40, p41]",
                "$.purposes[42].parent: \"p43\" forms a cycle of parents: [p42, p43]");
    }

    // ------------------------------------------------------------------------------------ document size

    @Test
    void aGigabyteStreamIsRefusedAfterReadingAtMostTheLimit() {
        EndlessPolicy in = new EndlessPolicy(1L << 30);

        InvalidPolicyException e = catchThrowableOfType(() -> PolicyJson.read(in, "endless.json"),
                InvalidPolicyException.class);

        assertThat(e).isNotNull();
        assertThat(e.problems()).singleElement().hasToString("$: is larger than 4194304 bytes (4 MiB), the most a "
                + "policy document may be (PolicyLimits.MAX_DOCUMENT_BYTES)");
        assertThat(e.getMessage()).startsWith("invalid policy endless.json (1 problem)");
        // refused before the document was parsed: read no further than the limit and one buffer
        assertThat(in.produced).isGreaterThan(PolicyLimits.MAX_DOCUMENT_BYTES)
                .isLessThanOrEqualTo(PolicyLimits.MAX_DOCUMENT_BYTES + 64 * 1024);
    }

    @Test
    void twoMillionHolidaysAreRefusedByTheDocumentSize() {
        Doc doc = new Doc();
        doc.holidays = 2_000_000; // 26 MB; before: read, and 700 MB of heap for the calendar

        assertThat(refused(doc.json()).problems()).singleElement().extracting(PolicyProblem::rule).asString()
                .startsWith("is larger than 4194304 bytes");
    }

    @Test
    void aHundredThousandPurposesAreRefusedByTheDocumentSize(@TempDir Path dir) throws Exception {
        Doc doc = new Doc();
        doc.purposes = 100_000;
        String json = doc.json();
        Path file = dir.resolve("big.json");
        Files.writeString(file, json);
        String rule = "is larger than 4194304 bytes (4 MiB), the most a policy document may be "
                + "(PolicyLimits.MAX_DOCUMENT_BYTES)";

        assertThat(refused(json).problems()).singleElement().isEqualTo(new PolicyProblem("$", null, rule));
        InvalidPolicyException fromFile = catchThrowableOfType(() -> PolicyJson.read(file),
                InvalidPolicyException.class);
        assertThat(fromFile.problems()).singleElement().isEqualTo(new PolicyProblem("$", null, rule));
        assertThat(fromFile.getMessage()).contains(file.toString());
    }

    @Test
    void theSizeIsCountedInUtf8Bytes() {
        String header = "{\"id\":\"shop\",\"version\":\"1\",\"effectiveFrom\":\"2025-01-01\",\"timeZone\":\"UTC\","
                + "\"categories\":[{\"id\":\"c0\",\"description\":\"";
        String tail = "\"}],\"purposes\":[{\"id\":\"p0\",\"title\":\"P\",\"legalBasis\":\"CONTRACT\","
                + "\"categories\":[\"c0\"]}]}";
        // 1.5 M euro signs are 4.5 MB in UTF-8 but 1.5 M chars: too large, although short in chars
        String euros = header + "\u20ac".repeat(1_500_000) + tail;
        assertThat(euros.length()).isLessThan(PolicyLimits.MAX_DOCUMENT_BYTES);

        assertThat(refused(euros).problems()).singleElement().extracting(PolicyProblem::rule).asString()
                .startsWith("is larger than 4194304 bytes");
        InvalidPolicyException fromStream = catchThrowableOfType(() -> PolicyJson.read(
                new ByteArrayInputStream(euros.getBytes(StandardCharsets.UTF_8)), "euros"),
                InvalidPolicyException.class);
        assertThat(fromStream.problems()).singleElement().extracting(PolicyProblem::rule).asString()
                .startsWith("is larger than 4194304 bytes");
        // just below the limit, the document is read (and its too long description reported as such)
        String justBelow = header + "e".repeat(PolicyLimits.MAX_DOCUMENT_BYTES - header.length() - tail.length())
                + tail;
        assertThat(justBelow.getBytes(StandardCharsets.UTF_8)).hasSize(PolicyLimits.MAX_DOCUMENT_BYTES);
        assertThat(refused(justBelow).problems()).singleElement().extracting(PolicyProblem::path)
                .isEqualTo("$.categories[0].description");
    }

    /** The start of a policy, then purposes forever (up to {@code total} bytes), generated as they are read. */
    private static final class EndlessPolicy extends InputStream {
        private static final byte[] HEAD = ("{\"id\":\"shop\",\"version\":\"1\",\"effectiveFrom\":\"2025-01-01\","
                + "\"timeZone\":\"UTC\",\"categories\":[{\"id\":\"c0\",\"description\":\"C\"}],\"purposes\":[")
                .getBytes(StandardCharsets.UTF_8);
        private static final byte[] ELEMENT = "{\"id\":\"p\",\"title\":\"P\",\"legalBasis\":\"CONTRACT\",\"categories\":[\"c0\"]},\n"
                .getBytes(StandardCharsets.UTF_8);
        private final long total;
        long produced;

        EndlessPolicy(long total) {
            this.total = total;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (produced >= total) {
                return -1;
            }
            int n = (int) Math.min(len, total - produced);
            for (int i = 0; i < n; i++) {
                long at = produced + i;
                b[off + i] = at < HEAD.length ? HEAD[(int) at] : ELEMENT[(int) ((at - HEAD.length) % ELEMENT.length)];
            }
            produced += n;
            return n;
        }
    }

    // ------------------------------------------------------------------------------------ counts

    record Over(String name, java.util.function.Consumer<Doc> edit, String path, int elements, String rule) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Over> oneOverEachLimit() {
        return Stream.of(
                new Over("categories", d -> d.categories = 4_097, "$.categories", 4_097,
                        "exceed the 4096 data categories a policy may declare (PolicyLimits.MAX_CATEGORIES)"),
                new Over("purposes", d -> d.purposes = 4_097, "$.purposes", 4_097,
                        "exceed the 4096 purposes a policy may declare (PolicyLimits.MAX_PURPOSES)"),
                new Over("recipients", d -> d.recipients = 4_097, "$.recipients", 4_097,
                        "exceed the 4096 recipients a policy may declare (PolicyLimits.MAX_RECIPIENTS)"),
                new Over("retention rules", d -> d.retention = 4_097, "$.retention", 4_097,
                        "exceed the 4096 retention rules a policy may declare (PolicyLimits.MAX_RETENTION_RULES)"),
                new Over("rights entries", d -> d.rights = 65, "$.rights", 65,
                        "exceed the 64 entries a policy may have here, one per request type being all it needs "
                                + "(PolicyLimits.MAX_RIGHTS_ENTRIES)"),
                new Over("holidays", d -> d.holidays = 10_001, "$.calendar.holidays", 10_001,
                        "exceed the 10000 holidays a calendar may list (PolicyLimits.MAX_HOLIDAYS)"),
                new Over("working days", d -> d.workingDays = 10_001, "$.calendar.workingDays", 10_001,
                        "exceed the 10000 working days a calendar may list (PolicyLimits.MAX_WORKING_DAYS)"),
                new Over("categories of a purpose", d -> {
                    d.categories = 10;
                    d.firstPurposeCategories = 4_097;
                }, "$.purposes[0].categories", 4_097,
                        "exceed the 4096 data categories a policy may declare (PolicyLimits.MAX_CATEGORIES)"),
                new Over("purposes of a recipient", d -> {
                    d.recipients = 1;
                    d.firstRecipientPurposes = 4_097;
                }, "$.recipients[0].purposes", 4_097,
                        "exceed the 4096 purposes a policy may declare (PolicyLimits.MAX_PURPOSES)"),
                new Over("request types of a deadline", d -> {
                    d.rights = 1;
                    d.typesOfFirstRights = "[" + "\"ACCESS\",".repeat(99_999) + "\"ACCESS\"]";
                }, "$.rights[0].types", 100_000, "exceed the 7 values of RequestType, each listed at most once"),
                new Over("weekend days", d -> d.weekend = "[" + "\"SUNDAY\",".repeat(8) + "\"SUNDAY\"]",
                        "$.calendar.weekend", 9, "exceed the 7 values of DayOfWeek, each listed at most once"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("oneOverEachLimit")
    void anArrayOverItsLimitIsRefusedWithItsPathLengthAndLimitBeforeItsElementsAreRead(Over over) {
        Doc doc = new Doc();
        over.edit().accept(doc);

        List<PolicyProblem> problems = refused(doc.json()).problems();

        // one problem: the elements are neither read nor reported one by one, nor are references to them checked
        assertThat(problems).containsExactly(new PolicyProblem(over.path(), over.elements() + " elements", over.rule()));
    }

    @Test
    void theBuilderRefusesTheElementPastEachLimitWhenItIsAdded() {
        Policy.Builder b = Policy.builder("shop", "1").effectiveFrom(FIRST_HOLIDAY).zone(ZoneOffset.UTC);
        for (int i = 0; i < PolicyLimits.MAX_CATEGORIES; i++) {
            b.category("c" + i, "C");
        }
        for (int i = 0; i < PolicyLimits.MAX_PURPOSES; i++) {
            b.purpose(purpose(i, null));
        }
        for (int i = 0; i < PolicyLimits.MAX_RECIPIENTS; i++) {
            b.recipient(recipient(i, 1));
        }
        for (int i = 0; i < PolicyLimits.MAX_RETENTION_RULES; i++) {
            b.retention(rule(i));
        }
        b.holidays(dates(PolicyLimits.MAX_HOLIDAYS - 1)).workingDays(dates(PolicyLimits.MAX_WORKING_DAYS));

        assertRefused(() -> b.category("one.more", "C"), "policy.categories", "4097",
                "is more than the 4096 data categories a policy may have (PolicyLimits.MAX_CATEGORIES)");
        assertRefused(() -> b.purpose(purpose(5_000, null)), "policy.purposes", "4097",
                "is more than the 4096 purposes a policy may have (PolicyLimits.MAX_PURPOSES)");
        assertRefused(() -> b.recipient(recipient(5_000, 1)), "policy.recipients", "4097",
                "is more than the 4096 recipients a policy may have (PolicyLimits.MAX_RECIPIENTS)");
        assertRefused(() -> b.retention(rule(5_000)), "policy.retention", "4097",
                "is more than the 4096 retention rules a policy may have (PolicyLimits.MAX_RETENTION_RULES)");
        // a date already listed adds nothing; two new ones would make 10,001: neither is added
        b.holidays(FIRST_HOLIDAY);
        assertRefused(() -> b.holidays(LocalDate.of(1990, 1, 1), LocalDate.of(1990, 1, 2)), "calendar.holidays",
                "10001", "is more than the 10000 holidays a policy may have (PolicyLimits.MAX_HOLIDAYS)");
        assertRefused(() -> b.workingDays(LocalDate.of(1990, 1, 6)), "calendar.workingDays", "10001",
                "is more than the 10000 working days a policy may have (PolicyLimits.MAX_WORKING_DAYS)");
        assertRefused(() -> b.holidays(dates(2_000_000)), "calendar.holidays", "2000000",
                "is more than the 10000 holidays a policy may have (PolicyLimits.MAX_HOLIDAYS)");

        // what was refused was not added: the policy builds with every element at its limit
        Policy policy = b.holidays(LocalDate.of(1990, 1, 1)).build();
        assertThat(policy.calendar().holidays()).hasSize(PolicyLimits.MAX_HOLIDAYS);
        assertThat(policy.purposes()).hasSize(PolicyLimits.MAX_PURPOSES);
    }

    @Test
    void valuesThatHoldListsRefuseListsLongerThanAPolicyCouldDeclare() {
        String[] categories = IntStream.range(0, PolicyLimits.MAX_CATEGORIES + 1).mapToObj(i -> "c" + i)
                .toArray(String[]::new);
        assertRefused(() -> Purpose.builder("p").title("P").basis(LegalBasis.CONTRACT).categories(categories).build(),
                "purpose.categories", "4097 elements",
                "exceed the 4096 data categories a policy may declare (PolicyLimits.MAX_CATEGORIES)");
        Set<PurposeId> purposes = new java.util.LinkedHashSet<>();
        for (int i = 0; i <= PolicyLimits.MAX_PURPOSES; i++) {
            purposes.add(PurposeId.of("p" + i));
        }
        assertRefused(() -> new Recipient("r", "R", Recipient.Role.PROCESSOR, Set.of(CategoryId.of("c0")), purposes,
                null), "recipient.purposes", "4097 elements",
                "exceed the 4096 purposes a policy may declare (PolicyLimits.MAX_PURPOSES)");
    }

    @Test
    void aCalendarRefusesMoreHolidaysThanTheLimit() {
        List<LocalDate> twoMillion = List.of(dates(2_000_000));

        assertRefused(() -> BusinessCalendar.of(ZoneOffset.UTC, Set.of(DayOfWeek.SUNDAY), twoMillion),
                "calendar.holidays", "2000000 dates",
                "exceed the 10000 holidays a calendar may list (PolicyLimits.MAX_HOLIDAYS)");
        assertRefused(() -> BusinessCalendar.of(ZoneOffset.UTC, Set.of(DayOfWeek.SUNDAY), List.of(),
                List.of(dates(10_001))), "calendar.workingDays", "10001 dates",
                "exceed the 10000 working days a calendar may list (PolicyLimits.MAX_WORKING_DAYS)");
        assertThat(BusinessCalendar.of(ZoneOffset.UTC, Set.of(DayOfWeek.SUNDAY), List.of(dates(10_000))).holidays())
                .hasSize(10_000);
    }

    // ------------------------------------------------------------------------------------ many problems

    @Test
    void aDocumentWithMoreProblemsThanTheLimitListsTheFirstAndSaysThereAreMore() {
        Doc doc = new Doc();
        doc.purposes = 3_000;
        doc.legalBasis = i -> "NOPE";

        InvalidPolicyException e = refused(doc.json());

        assertThat(e.problems()).hasSize(PolicyLimits.MAX_PROBLEMS + 1);
        assertThat(e.problems().get(0).path()).isEqualTo("$.purposes[0].legalBasis");
        assertThat(e.problems().get(999).path()).isEqualTo("$.purposes[999].legalBasis");
        assertThat(e.problems().get(1000)).hasToString("$: has more problems than the 1000 listed before this one "
                + "(PolicyLimits.MAX_PROBLEMS); correct those and read the policy again");
        assertThat(e.getMessage()).startsWith("invalid policy (more than 1000 problems):\n  $.purposes[0].legalBasis");
        // the same list again when the exception is made again from it
        assertThat(new InvalidPolicyException(null, e.problems()).problems()).isEqualTo(e.problems());
    }

    @Test
    void crossFieldProblemsAreListedUpToTheLimitToo() {
        // 4,096 recipients, each for an undeclared purpose: 4,096 problems found by the cross-field rules
        Policy.Builder b = Policy.builder("shop", "1").effectiveFrom(FIRST_HOLIDAY).zone(ZoneOffset.UTC)
                .category("c0", "C").purpose(purpose(0, null));
        for (int i = 0; i < PolicyLimits.MAX_RECIPIENTS; i++) {
            b.recipient(new Recipient("r" + i, "R", Recipient.Role.PROCESSOR, Set.of(CategoryId.of("c0")),
                    Set.of(PurposeId.of("undeclared")), null));
        }

        InvalidPolicyException e = catchThrowableOfType(b::build, InvalidPolicyException.class);

        assertThat(e.problems()).hasSize(PolicyLimits.MAX_PROBLEMS + 1);
        assertThat(e.problems().get(999)).hasToString("$.recipients[999].purposes[0]: \"undeclared\" is not a "
                + "declared purpose");
        assertThat(e.problems().get(1000)).hasToString("$: has more problems than the 1000 listed before this one "
                + "(PolicyLimits.MAX_PROBLEMS); correct those and read the policy again");
    }

    // ------------------------------------------------------------------------------------ helpers

    private static Purpose purpose(int i, String parent) {
        Purpose.Builder p = Purpose.builder("p" + i).title("P").basis(LegalBasis.CONTRACT).categories("c0");
        if (parent != null) {
            p.parent(parent);
        }
        return p.build();
    }

    private static Recipient recipient(int i, int purposes) {
        Set<PurposeId> ids = new java.util.LinkedHashSet<>();
        for (int k = 0; k < purposes; k++) {
            ids.add(PurposeId.of("p" + k));
        }
        return new Recipient("r" + i, "R", Recipient.Role.PROCESSOR, Set.of(CategoryId.of("c0")), ids, null);
    }

    private static RetentionRule rule(int i) {
        return new RetentionRule("k" + i, CategoryId.of("c0"), Optional.empty(), RetentionPeriod.years(1),
                Anchor.COLLECTED, CountFrom.ANCHOR, RetentionRule.Kind.MAXIMUM, Optional.of(DisposalAction.DELETE),
                false, null, null);
    }

    private static LocalDate[] dates(int n) {
        LocalDate[] out = new LocalDate[n];
        for (int i = 0; i < n; i++) {
            out[i] = FIRST_HOLIDAY.plusDays(i);
        }
        return out;
    }

    private static void assertRefused(Runnable r, String field, String value, String rule) {
        InvalidValueException e = catchThrowableOfType(r::run, InvalidValueException.class);
        assertThat(e).as("must throw InvalidValueException").isNotNull();
        assertThat(e.field()).isEqualTo(field);
        assertThat(e.value()).isEqualTo(value);
        assertThat(e.rule()).isEqualTo(rule);
    }

    private static <T> java.util.stream.Collector<T, ?, T> onlyOne() {
        return java.util.stream.Collectors.collectingAndThen(java.util.stream.Collectors.toList(), list -> {
            assertThat(list).hasSize(1);
            return list.get(0);
        });
    }
}
