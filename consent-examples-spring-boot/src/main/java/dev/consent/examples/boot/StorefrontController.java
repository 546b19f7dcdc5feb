package dev.consent.examples.boot;

import dev.consent.ConsentService;
import dev.consent.ledger.Capture;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.PurposeId;
import dev.consent.retention.Anchor;
import dev.consent.retention.ErasureAnswer;
import dev.consent.retention.RetentionService;
import dev.consent.rights.RequestType;
import dev.consent.rights.RightsRequest;
import dev.consent.rights.RightsService;
import dev.consent.rights.SubjectExport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

import java.time.Clock;
import java.util.List;
import java.util.UUID;

/**
 * The storefront's HTTP API: sign-up with the newsletter checkbox, the newsletter campaign, unsubscribe, the access
 * export and erasure. Every consent decision is the library's; the shop only keeps its customers table.
 *
 * <p>Sign-up writes the customer row and then the consent in two steps, not one transaction: the store does not yet
 * join Spring's transactions, so a failure between the two leaves a customer without a recorded choice (who is then
 * simply not mailed: without a grant, the newsletter is refused).
 */
@RestController
public class StorefrontController {
    private static final Logger LOG = LoggerFactory.getLogger(StorefrontController.class);
    /** The purpose of the newsletter checkbox, as the policy names it. */
    static final PurposeId NEWSLETTER = PurposeId.of("marketing.email");
    private static final String SHOP = "storefront";

    private final Customers customers;
    private final ConsentService consents;
    private final RetentionService retention;
    private final RightsService rights;
    private final SubjectExport export;
    private final Clock clock = Clock.systemUTC();

    StorefrontController(Customers customers, ConsentService consents, RetentionService retention,
            RightsService rights, SubjectExport export) {
        this.customers = customers;
        this.consents = consents;
        this.retention = retention;
        this.rights = rights;
        this.export = export;
    }

    /** What sign-up and unsubscribe answer. */
    public record CustomerAnswer(String customer, boolean newsletter) {
    }

    /** A campaign's outcome: how many customers have an address, and whom the newsletter went to. */
    public record CampaignAnswer(int audience, List<String> recipients) {
    }

    /** An erasure's outcome: the request, its status and the library's account of what was erased and what is kept. */
    public record ErasureResult(String request, String status, String answer) {
    }

    /**
     * Signs a customer up from the form: the customer row, the newsletter checkbox as a grant or a denial, and the
     * retention anchors of the data collected.
     */
    @PostMapping(path = "/signup", consumes = MediaType.APPLICATION_FORM_URLENCODED_VALUE)
    public ResponseEntity<CustomerAnswer> signUp(@RequestParam("email") String email, @RequestParam("name") String name,
            @RequestParam(name = "newsletter", defaultValue = "false") boolean newsletter) {
        String id = UUID.randomUUID().toString();
        SubjectId subject = SubjectId.of(id);
        customers.add(id, email, name, clock.instant());
        // a second step, not the same transaction as the row above (see the class comment)
        Capture checkbox = Capture.by(Method.CHECKBOX);
        if (newsletter) {
            consents.grant(subject, NEWSLETTER, checkbox);
        } else {
            consents.deny(subject, NEWSLETTER, checkbox);
        }
        retention.recordAnchor(subject, "contact.email", Anchor.COLLECTED, clock.instant());
        retention.recordAnchor(subject, "account.profile", Anchor.COLLECTED, clock.instant());
        return ResponseEntity.status(HttpStatus.CREATED).body(new CustomerAnswer(id, newsletter));
    }

    /** Sends the newsletter to the customers who may receive it, checked in bulk. */
    @PostMapping("/campaigns/newsletter")
    public CampaignAnswer newsletter() {
        List<SubjectId> audience = customers.withEmail().stream().map(SubjectId::of).toList();
        List<String> recipients = consents.filterAllowed(audience, NEWSLETTER).stream().map(SubjectId::value).toList();
        LOG.info("newsletter sent to {} of {} customers", recipients.size(), audience.size());
        return new CampaignAnswer(audience.size(), recipients);
    }

    /** The unsubscribe link of a newsletter. */
    @PostMapping("/customers/{id}/unsubscribe")
    public CustomerAnswer unsubscribe(@PathVariable("id") String id) {
        SubjectId subject = known(id);
        consents.withdraw(subject, NEWSLETTER, Capture.by(Method.UNSUBSCRIBE_LINK));
        return new CustomerAnswer(id, false);
    }

    /**
     * The customer's access request (GDPR Art. 15), answered at once for a signed-in customer: the export streamed as
     * the response, and the request completed once it is written.
     */
    @GetMapping(path = "/customers/{id}/export", produces = MediaType.APPLICATION_JSON_VALUE)
    public StreamingResponseBody export(@PathVariable("id") String id) {
        SubjectId subject = known(id);
        RightsRequest request = rights.receive(subject, RequestType.ACCESS, "web");
        rights.verifyIdentity(request.id(), SHOP, "signed-in session");
        return out -> {
            export.write(subject, out);
            rights.complete(request.id(), SHOP, "export streamed over HTTP");
        };
    }

    /** The customer's erasure request (GDPR Art. 17): consents withdrawn, the shop's data disposed of now. */
    @PostMapping("/customers/{id}/erasure")
    public ErasureResult erase(@PathVariable("id") String id) {
        SubjectId subject = known(id);
        RightsRequest request = rights.receive(subject, RequestType.ERASURE, "web");
        rights.verifyIdentity(request.id(), SHOP, "signed-in session");
        ErasureAnswer answer = rights.erase(request.id(), SHOP);
        return new ErasureResult(request.id(), rights.request(request.id()).status().name(), answer.explain());
    }

    private SubjectId known(String id) {
        if (customers.find(id).isEmpty()) {
            throw new ResponseStatusException(HttpStatus.NOT_FOUND, "no customer " + id);
        }
        return SubjectId.of(id);
    }
}
