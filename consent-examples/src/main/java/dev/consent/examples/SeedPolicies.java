package dev.consent.examples;

import dev.consent.policy.Policy;
import dev.consent.policy.PolicyJson;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The five real shops' privacy policies of {@code shared/seeds/}, encoded as policy JSON and shipped on the
 * classpath under {@code /policies/}. Each file is one version of one shop's policy; where a seed is vague the
 * encoding's choice is said in the rule's or purpose's {@code description}.
 */
public final class SeedPolicies {
    /** Seed 000: a digital goods platform; minimums and maximums per category, 30 business days. */
    public static final String SELL4SERVICE = "000-sell4service.json";
    /** Seed 001: four legal bases, a recipients table, four kinds of cookies, a version history. */
    public static final String EXAMPLE_COMPANY = "001-example-company.json";
    /** Seed 002: explicit consent per collection, sharing only for delivery and payment, a periodic purge. */
    public static final String GLOBAL_MARKETPLACE = "002-global-marketplace.json";
    /** Seed 003: opt-in marketing, seven years for tax, 5 business days extendable to 30 days. */
    public static final String TAX_COMPLIANT_SHOP = "003-tax-compliant-shop.json";
    /** Seed 004: an app with separate optional device permissions; nobody under 18. */
    public static final String HAPPYSELL = "004-happysell.json";

    /** Every seed policy file, in seed order. */
    public static final List<String> ALL = List.of(SELL4SERVICE, EXAMPLE_COMPANY, GLOBAL_MARKETPLACE,
            TAX_COMPLIANT_SHOP, HAPPYSELL);

    private SeedPolicies() {
    }

    /** Reads a seed policy shipped under {@code /policies/}; throws if it is missing or invalid. */
    public static Policy load(String file) {
        String resource = "/policies/" + file;
        try (InputStream in = SeedPolicies.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no seed policy " + resource + " on the classpath");
            }
            return PolicyJson.read(in, resource);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }
}
