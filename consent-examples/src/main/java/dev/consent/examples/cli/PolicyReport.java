package dev.consent.examples.cli;

import dev.consent.policy.DataCategory;
import dev.consent.policy.Policy;
import dev.consent.policy.Purpose;
import dev.consent.policy.PurposeId;
import dev.consent.policy.Recipient;
import dev.consent.retention.CountFrom;
import dev.consent.retention.RetentionRule;
import dev.consent.rights.BusinessCalendar;
import dev.consent.rights.RequestType;
import dev.consent.rights.RightsService;
import dev.consent.rights.RightsTerm;

import java.io.PrintStream;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/** {@code show}: a policy as plain-text tables, for the people who run a shop's privacy programme. */
final class PolicyReport {
    private PolicyReport() {
    }

    static void print(Policy policy, PrintStream out) {
        out.println("policy " + policy.id() + ", version " + policy.version());
        out.println("effective from " + policy.effectiveFrom() + " (" + policy.effectiveInstant() + "), last updated "
                + policy.lastUpdated() + ", time zone " + policy.zone().getId());
        out.println("controller: " + policy.controller().map(c -> c.name() + " (" + c.contact() + ")")
                .orElse("not stated"));

        section(out, "CATEGORIES", policy.categories().size());
        TextTable categories = new TextTable("ID", "SENSITIVE", "DESCRIPTION");
        for (DataCategory c : policy.categories()) {
            categories.row(c.id(), c.sensitive() ? "yes" : "no", c.description());
        }
        categories.print(out);

        section(out, "PURPOSES", policy.purposes().size());
        TextTable purposes = new TextTable("ID", "BASIS", "MECHANISM", "CATEGORIES", "FLAGS", "TITLE");
        for (Purpose p : policy.purposes()) {
            purposes.row(p.id(), p.basis(), p.mechanism(), ids(p.categories()), flags(p), p.title());
        }
        purposes.print(out);

        section(out, "RETENTION RULES", policy.retentionRules().size());
        if (policy.retentionRules().isEmpty()) {
            out.println("none: every item is reported NO_RULE (the policy names no period)");
        } else {
            TextTable rules = new TextTable("ID", "CATEGORY", "PURPOSE", "KIND", "PERIOD", "AFTER", "ACTION", "NOTES");
            for (RetentionRule r : policy.retentionRules()) {
                rules.row(r.id(), r.category(), r.purpose().map(PurposeId::value).orElse("any"), r.kind(), r.period(),
                        r.anchor() + (r.countFrom() == CountFrom.ANCHOR ? "" : " (from " + r.countFrom() + ")"),
                        r.action().map(Enum::name).orElse("keep"), notes(r));
            }
            rules.print(out);
        }

        section(out, "RIGHTS", -1);
        TextTable rights = new TextTable("TYPE", "DEADLINE", "IF REFUSED");
        for (RequestType type : RequestType.values()) {
            Optional<RightsTerm> term = policy.rightsTerm(type);
            rights.row(type, term.map(t -> t.deadline().toString())
                    .orElse(RightsService.GDPR_DEFAULT + " (GDPR Art. 12(3); the policy states no term)"),
                    term.flatMap(RightsTerm::refusalAlternative).orElse(null));
        }
        rights.print(out);

        section(out, "CALENDAR", -1);
        BusinessCalendar calendar = policy.calendar();
        out.println("time zone: " + calendar.zone().getId());
        out.println("weekend: " + calendar.weekend().stream().sorted().map(Enum::name).collect(Collectors.joining(", ")));
        out.println("holidays: " + dates(calendar.holidays()));
        out.println("weekend days worked: " + dates(calendar.extraWorkingDays()));

        section(out, "RECIPIENTS", policy.recipients().size());
        if (policy.recipients().isEmpty()) {
            out.println("none declared");
        } else {
            TextTable recipients = new TextTable("ID", "ROLE", "CATEGORIES", "PURPOSES", "LOCATION", "NAME");
            for (Recipient r : policy.recipients()) {
                recipients.row(r.id(), r.role(), ids(r.categories()), ids(r.purposes()), r.location(), r.name());
            }
            recipients.print(out);
        }
    }

    private static void section(PrintStream out, String title, int count) {
        out.println();
        out.println(count < 0 ? title : title + " (" + count + ")");
    }

    private static String ids(Collection<?> ids) {
        return ids.stream().map(Object::toString).collect(Collectors.joining(", "));
    }

    private static String dates(Collection<LocalDate> dates) {
        return dates.isEmpty() ? "none" : dates.stream().map(LocalDate::toString).collect(Collectors.joining(", "));
    }

    private static String flags(Purpose p) {
        List<String> flags = new ArrayList<>();
        p.parent().ifPresent(parent -> flags.add("parent " + parent));
        if (p.consentVersion() > 1) {
            flags.add("consent version " + p.consentVersion());
        }
        p.consentLifetime().ifPresent(l -> flags.add("consent lasts " + l));
        p.minimumAge().ifPresent(age -> flags.add("minimum age " + age
                + (p.guardianConsent() ? " (guardian may consent)" : " (no guardian consent)")));
        if (p.saleOrSharing()) {
            flags.add("sale/sharing (GPC opts out)");
        }
        return String.join("; ", flags);
    }

    private static String notes(RetentionRule r) {
        List<String> notes = new ArrayList<>();
        if (r.overridesDelete()) {
            notes.add("wins over DELETE");
        }
        if (r.legalReference() != null) {
            notes.add("legal: " + r.legalReference());
        }
        if (r.description() != null) {
            notes.add(r.description());
        }
        return String.join("; ", notes);
    }
}
