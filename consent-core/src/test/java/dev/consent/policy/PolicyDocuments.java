package dev.consent.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Valid policy documents for the reader's tests, and a small editor to break them one field at a time. */
final class PolicyDocuments {
    static final ObjectMapper MAPPER = new ObjectMapper();

    /**
     * Every field of the format at least once. Purposes by index: 0 marketing, 1 marketing.email,
     * 2 ads.targeted, 3 analytics, 4 order.fulfilment, 5 tax.records. Categories: 0 contact.email,
     * 1 contact.phone, 2 order.record, 3 device.id, 4 health.allergy. Recipients: 0 payments, 1 adnet.
     */
    static final String FULL = """
            {
              "id": "shop",
              "version": "2025.1",
              "effectiveFrom": "2025-03-01",
              "lastUpdated": "2025-02-15",
              "timeZone": "Europe/Berlin",
              "controller": { "name": "Example Shop GmbH", "contact": "privacy@shop.example" },
              "categories": [
                { "id": "contact.email", "description": "Email address" },
                { "id": "contact.phone", "description": "Mobile number", "sensitive": false },
                { "id": "order.record", "description": "Orders and invoices" },
                { "id": "device.id", "description": "Device and cookie identifiers" },
                { "id": "health.allergy", "description": "Allergies noted on food orders", "sensitive": true }
              ],
              "purposes": [
                { "id": "marketing", "title": "Marketing", "legalBasis": "CONSENT",
                  "categories": ["contact.email", "contact.phone"] },
                { "id": "marketing.email", "title": "Newsletter", "description": "A weekly email with offers.",
                  "legalBasis": "CONSENT", "mechanism": "OPT_IN", "categories": ["contact.email"],
                  "consentVersion": 3, "consentLifetime": "P2Y", "minimumAge": 16, "guardianConsent": false,
                  "parent": "marketing", "saleOrSharing": false },
                { "id": "ads.targeted", "title": "Targeted advertising", "legalBasis": "CONSENT",
                  "categories": ["device.id"], "saleOrSharing": true },
                { "id": "analytics", "title": "Shop analytics", "legalBasis": "LEGITIMATE_INTERESTS",
                  "categories": ["device.id"] },
                { "id": "order.fulfilment", "title": "Deliver orders", "legalBasis": "CONTRACT",
                  "categories": ["order.record", "contact.email", "health.allergy"] },
                { "id": "tax.records", "title": "Keep invoices for tax law", "legalBasis": "LEGAL_OBLIGATION",
                  "mechanism": "NOTICE_ONLY", "categories": ["order.record"] }
              ],
              "recipients": [
                { "id": "payments", "name": "PayCo", "role": "PROCESSOR", "categories": ["order.record"],
                  "purposes": ["order.fulfilment"], "location": "EU" },
                { "id": "adnet", "name": "AdNet Inc.", "role": "THIRD_PARTY", "categories": ["device.id"],
                  "purposes": ["ads.targeted"] }
              ]
            }
            """;

    /** Only what is required. */
    static final String MINIMAL = """
            {"id":"kiosk","version":"1","effectiveFrom":"2024-01-01","timeZone":"UTC",
             "categories":[{"id":"order.record","description":"Orders"}],
             "purposes":[{"id":"orders","title":"Orders","legalBasis":"CONTRACT","categories":["order.record"]}]}
            """;

    /** One purpose per legal basis, a three-level parent chain, and recipients of several purposes. */
    static final String EVERY_BASIS = """
            {"id":"app.store","version":"7","effectiveFrom":"2023-10-29","lastUpdated":"2023-10-01",
             "timeZone":"America/Sao_Paulo",
             "categories":[{"id":"device.camera","description":"Camera images","sensitive":true},
                           {"id":"device.location","description":"Location"},
                           {"id":"contact.phone","description":"Phone number"},
                           {"id":"order.record","description":"Orders"}],
             "purposes":[{"id":"permissions","title":"Optional permissions","legalBasis":"CONSENT",
                          "categories":["device.camera","device.location"],"minimumAge":18,"guardianConsent":false},
                         {"id":"permissions.camera","title":"Camera","legalBasis":"CONSENT","parent":"permissions",
                          "categories":["device.camera"],"consentLifetime":"P1Y6M"},
                         {"id":"permissions.camera.scan","title":"Scan receipts","legalBasis":"CONSENT",
                          "parent":"permissions.camera","categories":["device.camera"],"consentLifetime":"P4W"},
                         {"id":"orders","title":"Orders","legalBasis":"CONTRACT","categories":["order.record"]},
                         {"id":"tax","title":"Tax","legalBasis":"LEGAL_OBLIGATION","categories":["order.record"]},
                         {"id":"recall","title":"Recalls","legalBasis":"VITAL_INTERESTS","categories":["contact.phone"]},
                         {"id":"census","title":"Statistics","legalBasis":"PUBLIC_TASK","categories":["order.record"]},
                         {"id":"fraud","title":"Fraud","legalBasis":"LEGITIMATE_INTERESTS","mechanism":"OPT_OUT",
                          "categories":["order.record","device.location"],"saleOrSharing":true}],
             "recipients":[{"id":"cloud","name":"Cloud Storage Ltd","role":"PROCESSOR",
                            "categories":["device.camera","order.record"],"purposes":["permissions.camera","orders","tax"]}]}
            """;

    /**
     * A policy that can issue consent receipts: the controller's details, jurisdictions, the policy's URL and language,
     * storage locations, and for its purposes on consent a description, Kantara categories and retention rules.
     * Purposes: 0 newsletter (consent), 1 orders (contract).
     */
    static final String RECEIPTS = """
            {"id":"shop","version":"3","effectiveFrom":"2025-01-01","timeZone":"Europe/Berlin",
             "controller":{"name":"Example Shop GmbH","contact":"Data Protection Officer",
               "address":{"streetAddress":"Hauptstraße 1","postalCode":"10115","locality":"Berlin","region":"Berlin",
                          "country":"DE"},
               "email":"privacy@shop.example","phone":"+49 30 1234567","id":"HRB 123456 B","url":"https://shop.example"},
             "jurisdictions":["DE","EU","US-CA"],
             "policyUrl":"https://shop.example/privacy/3",
             "language":"de",
             "storageLocations":["DE","EEA"],
             "categories":[{"id":"contact.email","description":"Email address"},
                           {"id":"order.record","description":"Orders"}],
             "purposes":[{"id":"newsletter","title":"Newsletter","description":"A weekly email with offers.",
                          "legalBasis":"CONSENT","categories":["contact.email"],
                          "purposeCategories":["MARKETING","CONTACT_REQUESTED"]},
                         {"id":"orders","title":"Orders","legalBasis":"CONTRACT","categories":["order.record"]}],
             "retention":[{"id":"email-2y","category":"contact.email","kind":"MAXIMUM","period":"P2Y",
                           "after":"last_transaction","action":"DELETE"}]}
            """;

    static final List<String> VALID = List.of(FULL, MINIMAL, EVERY_BASIS, RECEIPTS);

    private static final Pattern STEP = Pattern.compile("([^.\\[\\]]+)(?:\\[(\\d+)])?");

    private PolicyDocuments() {
    }

    static ObjectNode tree(String json) {
        try {
            return (ObjectNode) MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new AssertionError(e);
        }
    }

    /** {@link #FULL} with the value at {@code path} (e.g. {@code $.purposes[1].legalBasis}) replaced by JSON text. */
    static String with(String path, String json) {
        return edit(FULL).set(path, json).json();
    }

    /** {@link #FULL} without the field at {@code path}. */
    static String without(String path) {
        return edit(FULL).remove(path).json();
    }

    static Edit edit(String json) {
        return new Edit(tree(json));
    }

    /** Changes a document through paths in the same notation the reader reports. */
    static final class Edit {
        private final ObjectNode root;

        private Edit(ObjectNode root) {
            this.root = root;
        }

        Edit set(String path, String json) {
            JsonNode value;
            try {
                value = MAPPER.readTree(json);
            } catch (JsonProcessingException e) {
                throw new AssertionError(json, e);
            }
            String last = lastStep(path);
            JsonNode parent = at(parentOf(path));
            Matcher m = matcher(last);
            JsonNode target = ((ObjectNode) parent).get(m.group(1));
            if (m.group(2) != null) {
                ((ArrayNode) target).set(Integer.parseInt(m.group(2)), value);
            } else {
                ((ObjectNode) parent).set(m.group(1), value);
            }
            return this;
        }

        Edit remove(String path) {
            Matcher m = matcher(lastStep(path));
            ObjectNode parent = (ObjectNode) at(parentOf(path));
            if (m.group(2) != null) {
                ((ArrayNode) parent.get(m.group(1))).remove(Integer.parseInt(m.group(2)));
            } else {
                parent.remove(m.group(1));
            }
            return this;
        }

        /** Appends JSON text to the array at {@code path}. */
        Edit add(String path, String json) {
            try {
                ((ArrayNode) at(path)).add(MAPPER.readTree(json));
            } catch (JsonProcessingException e) {
                throw new AssertionError(json, e);
            }
            return this;
        }

        String json() {
            return root.toPrettyString();
        }

        private JsonNode at(String path) {
            JsonNode node = root;
            if (path.equals("$")) {
                return node;
            }
            for (String step : path.substring(2).split("\\.")) {
                Matcher m = matcher(step);
                node = node.get(m.group(1));
                if (m.group(2) != null) {
                    node = node.get(Integer.parseInt(m.group(2)));
                }
            }
            return node;
        }

        private static String parentOf(String path) {
            return path.substring(0, path.lastIndexOf('.'));
        }

        private static String lastStep(String path) {
            return path.substring(path.lastIndexOf('.') + 1);
        }

        private static Matcher matcher(String step) {
            Matcher m = STEP.matcher(step);
            if (!m.matches()) {
                throw new IllegalArgumentException("not a path step: " + step);
            }
            return m;
        }
    }
}
