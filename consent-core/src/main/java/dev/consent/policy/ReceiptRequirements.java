package dev.consent.policy;

import java.util.ArrayList;
import java.util.List;

/**
 * What a policy version must state before consent receipts can be issued under it, field by field, with the rule of
 * the receipt formats that asks for it: the Kantara Initiative Consent Receipt Specification v1.1 (its JSON schema's
 * required fields) and ISO/IEC TS 27560:2023 as profiled by the W3C DPV guide (its mandatory fields).
 */
final class ReceiptRequirements {
    private ReceiptRequirements() {
    }

    static List<PolicyProblem> problems(Policy policy) {
        List<PolicyProblem> out = new ArrayList<>();
        Controller c = policy.controller().orElse(null);
        if (c == null) {
            out.add(missing("$.controller", "Kantara piiControllers[], ISO/IEC TS 27560 pii_controllers"));
        } else {
            if (c.address() == null) {
                out.add(missing("$.controller.address", "Kantara piiControllers[].address, ISO/IEC TS 27560 party "
                        + "address"));
            }
            if (c.email() == null) {
                out.add(missing("$.controller.email", "Kantara piiControllers[].email"));
            }
            if (c.phone() == null) {
                out.add(missing("$.controller.phone", "Kantara piiControllers[].phone"));
            }
            if (c.id() == null) {
                out.add(missing("$.controller.id", "ISO/IEC TS 27560 party id"));
            }
        }
        if (policy.jurisdictions().isEmpty()) {
            out.add(missing("$.jurisdictions", "Kantara jurisdiction, ISO/IEC TS 27560 jurisdiction"));
        }
        if (policy.policyUrl().isEmpty()) {
            out.add(missing("$.policyUrl", "Kantara policyUrl, ISO/IEC TS 27560 privacy notice"));
        }
        if (policy.language().isEmpty()) {
            out.add(missing("$.language", "ISO/IEC TS 27560 language, named when a choice's evidence has no locale"));
        }
        if (policy.storageLocations().isEmpty()) {
            out.add(missing("$.storageLocations", "ISO/IEC TS 27560 storage locations"));
        }
        List<Purpose> purposes = policy.purposes();
        for (int i = 0; i < purposes.size(); i++) {
            Purpose p = purposes.get(i);
            if (p.basis() != LegalBasis.CONSENT) {
                continue; // receipts are issued for consent only
            }
            String at = "$.purposes[" + i + "]";
            if (p.description() == null) {
                out.add(missing(at + ".description", "Kantara purpose: a plain-language explanation of the purpose"));
            }
            if (p.purposeCategories().isEmpty()) {
                out.add(missing(at + ".purposeCategories", "Kantara purposeCategory"));
            }
            int k = 0;
            for (CategoryId category : p.categories()) {
                if (policy.retentionRulesFor(category, java.util.Optional.of(p.id())).isEmpty()) {
                    out.add(new PolicyProblem(at + ".categories[" + k + "]", PolicyJson.quote(category),
                            "has no retention rule; consent receipts need one (ISO/IEC TS 27560 retention period)"));
                }
                k++;
            }
        }
        return List.copyOf(out);
    }

    private static PolicyProblem missing(String path, String why) {
        return new PolicyProblem(path, null, "is required to issue consent receipts (" + why + ")");
    }
}
