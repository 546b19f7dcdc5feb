package dev.consent.receipt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A small receipt that satisfies the Kantara v1.1 schema (written for these tests, with made-up values), and mutants of
 * it that each break one rule: a required field left out, a wrong type, the third-party rule, and the two rules of the
 * specification's text the library relies on. {@code officialRule} says whether the official schema file states the
 * rule too (the two text rules it does not).
 */
final class KantaraMutants {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    static final String VALID = """
            {
              "version": "KI-CR-v1.1.0",
              "jurisdiction": "DE",
              "consentTimestamp": 1717488000,
              "collectionMethod": "Checkbox on the sign-up form",
              "consentReceiptID": "0b6f3f1e-2f6c-4f0c-9a58-3c3e4f7c8d21",
              "language": "de",
              "piiPrincipalId": "customer-42",
              "piiControllers": [ {
                "piiController": "Beispiel GmbH",
                "contact": "Datenschutzbeauftragte",
                "address": { "streetAddress": "Marktplatz 3", "addressCountry": "DE" },
                "email": "datenschutz@beispiel.example",
                "phone": "+49 89 000000"
              } ],
              "policyUrl": "https://beispiel.example/datenschutz",
              "services": [ {
                "service": "Newsletter",
                "purposes": [ {
                  "purpose": "Offers by email once a week",
                  "purposeCategory": [ "6 - Marketing" ],
                  "consentType": "EXPLICIT",
                  "piiCategory": [ "Email address" ],
                  "primaryPurpose": false,
                  "termination": "When withdrawn",
                  "thirdPartyDisclosure": false
                } ]
              } ],
              "sensitive": false,
              "spiCat": [ ]
            }
            """;

    record Mutant(String name, ObjectNode receipt, boolean officialRule) {
    }

    private KantaraMutants() {
    }

    static ObjectNode valid() {
        try {
            return (ObjectNode) MAPPER.readTree(VALID);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Mutant mutant(String name, boolean officialRule, Consumer<ObjectNode> change) {
        ObjectNode r = valid();
        change.accept(r);
        return new Mutant(name, r, officialRule);
    }

    private static ObjectNode controller(ObjectNode r) {
        return (ObjectNode) r.at("/piiControllers/0");
    }

    private static ObjectNode purpose(ObjectNode r) {
        return (ObjectNode) r.at("/services/0/purposes/0");
    }

    static List<Mutant> all() {
        List<Mutant> out = new ArrayList<>();
        for (String field : List.of("version", "jurisdiction", "consentTimestamp", "collectionMethod",
                "consentReceiptID", "piiPrincipalId", "piiControllers", "services", "policyUrl", "sensitive", "spiCat")) {
            out.add(mutant("without " + field, true, r -> r.remove(field)));
        }
        for (String field : List.of("piiController", "contact", "address", "email", "phone")) {
            out.add(mutant("controller without " + field, true, r -> controller(r).remove(field)));
        }
        for (String field : List.of("service", "purposes")) {
            out.add(mutant("service without " + field, true, r -> ((ObjectNode) r.at("/services/0")).remove(field)));
        }
        for (String field : List.of("consentType", "purposeCategory", "piiCategory", "termination",
                "thirdPartyDisclosure")) {
            out.add(mutant("purpose without " + field, true, r -> purpose(r).remove(field)));
        }
        out.add(mutant("third-party disclosure without the third party's name", true,
                r -> purpose(r).put("thirdPartyDisclosure", true)));
        out.add(mutant("thirdPartyName as an array", true, r -> {
            purpose(r).put("thirdPartyDisclosure", true);
            purpose(r).putArray("thirdPartyName").add("AdNet Inc.");
        }));
        out.add(mutant("consentTimestamp as a string", true, r -> r.put("consentTimestamp", "2024-06-04T08:00:00Z")));
        out.add(mutant("a negative consentTimestamp", true, r -> r.put("consentTimestamp", -1)));
        out.add(mutant("controller address as a string", true, r -> controller(r).put("address", "Marktplatz 3")));
        out.add(mutant("language as null", true, r -> r.putNull("language")));
        out.add(mutant("sensitive as a string", true, r -> r.put("sensitive", "false")));
        out.add(mutant("purposeCategory as a string", true, r -> purpose(r).put("purposeCategory", "6 - Marketing")));
        out.add(mutant("piiControllers as an object", true, r -> r.set("piiControllers", controller(valid()))));
        out.add(mutant("consentTimestamp in milliseconds", false, r -> r.put("consentTimestamp", 1717488000000L)));
        out.add(mutant("language as a regional tag", false, r -> r.put("language", "de-DE")));
        return out;
    }

    static JsonNode withThirdParty() {
        ObjectNode r = valid();
        purpose(r).put("thirdPartyDisclosure", true);
        purpose(r).put("thirdPartyName", "AdNet Inc.");
        return r;
    }
}
