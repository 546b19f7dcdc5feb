package dev.consent.policy;

import dev.consent.InvalidValueException;
import dev.consent.internal.Checks;
import dev.consent.retention.RetentionRule;
import dev.consent.rights.RightsTerm;

import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;

/**
 * The parts of one policy as {@link Policy.Builder} collects them, before {@link PolicyValidator} has checked them:
 * what the validator reads and the built {@link Policy} copies. Guarantees only the limits of {@link PolicyLimits}
 * on how many elements it holds (refused as they are added, {@link #atMost}); everything else may still be wrong.
 * Not thread-safe.
 */
final class PolicyParts {
    final String id;
    final String version;
    LocalDate effectiveFrom;
    LocalDate lastUpdated;
    ZoneId zone;
    Controller controller;
    final List<String> jurisdictions = new ArrayList<>();
    String policyUrl;
    String language;
    final List<String> storageLocations = new ArrayList<>();
    OptionalInt minimumAge = OptionalInt.empty();
    final List<DataCategory> categories = new ArrayList<>();
    final List<Purpose> purposes = new ArrayList<>();
    final List<Recipient> recipients = new ArrayList<>();
    final List<RetentionRule> retentionRules = new ArrayList<>();
    final List<RightsTerm> rightsTerms = new ArrayList<>();
    Set<DayOfWeek> weekend = EnumSet.of(DayOfWeek.SATURDAY, DayOfWeek.SUNDAY);
    final Set<LocalDate> holidays = new TreeSet<>();
    final Set<LocalDate> extraWorkingDays = new TreeSet<>();
    SignalMappings signals;
    final List<Jurisdiction> jurisdictionRules = new ArrayList<>();

    PolicyParts(String id, String version) {
        this.id = id;
        this.version = version;
    }

    /** Adds the dates, or none of them when the set would then hold more than {@code max} distinct dates. */
    static void addDates(String field, Set<LocalDate> into, LocalDate[] dates, int max, String what, String limit) {
        atMost(field, dates.length, max, what, limit); // more given than can fit: refused before copying them
        Set<LocalDate> added = new HashSet<>();
        for (LocalDate d : dates) {
            if (!into.contains(Checks.required(field + "[]", d))) {
                added.add(d);
            }
        }
        atMost(field, into.size() + added.size(), max, what, limit);
        into.addAll(added);
    }

    /**
     * Refuses an element past a limit when it is added, so that the builder never holds more than a policy may (the
     * same limits as {@link PolicyJson}'s).
     */
    static void atMost(String field, int count, int max, String what, String limit) {
        if (count > max) {
            throw new InvalidValueException(field, count, "is more than the " + max + " " + what
                    + " a policy may have (PolicyLimits." + limit + ")");
        }
    }

    String id() {
        return id;
    }

    String version() {
        return version;
    }

    LocalDate effectiveFrom() {
        return effectiveFrom;
    }

    ZoneId zone() {
        return zone;
    }

    List<DataCategory> categories() {
        return categories;
    }

    List<Purpose> purposes() {
        return purposes;
    }

    List<Recipient> recipients() {
        return recipients;
    }

    List<RetentionRule> retentionRules() {
        return retentionRules;
    }

    List<RightsTerm> rightsTerms() {
        return rightsTerms;
    }

    Set<DayOfWeek> weekend() {
        return weekend;
    }

    List<String> jurisdictions() {
        return jurisdictions;
    }

    String policyUrl() {
        return policyUrl;
    }

    String language() {
        return language;
    }

    List<String> storageLocations() {
        return storageLocations;
    }

    SignalMappings signals() {
        return signals;
    }

    List<Jurisdiction> jurisdictionRules() {
        return jurisdictionRules;
    }
}
