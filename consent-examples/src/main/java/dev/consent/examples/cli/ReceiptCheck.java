package dev.consent.examples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.consent.InvalidValueException;
import dev.consent.receipt.ReceiptVerification;
import dev.consent.receipt.ReceiptVerifier;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code verify-receipt <receipt.jws> <public-key.jwk>}: checks a signed consent receipt with the shop's public key
 * alone, as a customer or a regulator would, through {@link ReceiptVerifier}; prints what the receipt says when it is
 * valid.
 */
final class ReceiptCheck {
    /** A receipt is a few kilobytes; a file far larger is not one. */
    private static final long MAX_BYTES = 1 << 20;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private ReceiptCheck() {
    }

    static int verify(List<String> args, PrintStream out) {
        List<String> files = Arguments.parse("verify-receipt", args, Set.of(), Set.of())
                .positional("receipt.jws", "public-key.jwk");
        String jws = text(files.get(0));
        String key = text(files.get(1));
        ReceiptVerification v;
        try {
            v = ReceiptVerifier.verify(jws, key);
        } catch (InvalidValueException e) {
            // the key file's text is not quoted: a private key given by mistake must not reach a terminal or a log
            throw CliException.invalid(files.get(1) + ": not a public key of the shop (a JWK of an EC key on P-256)");
        }
        if (!v.valid()) {
            throw CliException.invalid(files.get(0) + ": not a valid receipt: " + v.problem().orElseThrow());
        }
        JsonNode r;
        try {
            r = MAPPER.readTree(v.payload().orElseThrow());
        } catch (IOException e) {
            throw CliException.invalid(files.get(0) + ": the signed receipt is not JSON");
        }
        out.println("valid: signed with ES256 by key " + v.keyId());
        out.println("receipt: " + r.path("consentReceiptID").asText() + " (" + r.path("version").asText() + ")");
        out.println("consent given by: " + r.path("piiPrincipalId").asText() + ", at "
                + Instant.ofEpochSecond(r.path("consentTimestamp").asLong()) + ", " + r.path("collectionMethod").asText());
        out.println("controller: " + r.at("/piiControllers/0/piiController").asText() + ", "
                + r.at("/piiControllers/0/email").asText() + "; policy " + r.path("policyUrl").asText());
        for (JsonNode service : r.path("services")) {
            for (JsonNode p : service.path("purposes")) {
                List<String> categories = new ArrayList<>();
                p.path("purposeCategory").forEach(c -> categories.add(c.asText()));
                out.println("purpose: " + service.path("service").asText() + " (" + String.join(", ", categories)
                        + "): " + p.path("purpose").asText());
            }
        }
        JsonNode ledger = r.path("ledgerEvent");
        if (!ledger.isMissingNode()) {
            out.println("ledger event: " + ledger.path("eventId").asText() + ", #" + ledger.path("sequence").asText()
                    + " of " + ledger.path("subject").asText() + "'s chain, hash " + ledger.path("hash").asText());
        }
        return ConsentCli.OK;
    }

    private static String text(String file) {
        Path path = PolicyFiles.existing(file);
        try {
            if (Files.size(path) > MAX_BYTES) {
                throw CliException.invalid(file + ": larger than " + MAX_BYTES + " bytes; not a receipt or a key");
            }
            return Files.readString(path, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw CliException.invalid(file + ": cannot be read: " + e.getMessage());
        }
    }
}
