package dev.consent.testing;

import java.nio.charset.StandardCharsets;

/** Secrets for tests. A host loads its own from a secret store; these are public and protect nothing. */
public final class TestKeys {
    /** The id of {@link #REFERENCE}. */
    public static final String REFERENCE_ID = "test";
    /** A reference key's secret (32 bytes) for the retention services of tests. */
    public static final byte[] REFERENCE = "test-reference-key-of-32-bytes!!".getBytes(StandardCharsets.US_ASCII);

    private TestKeys() {
    }
}
