package dev.consent.spring.boot.webapp;

import dev.consent.spring.boot.check.ConsentRequiredException;
import dev.consent.spring.boot.check.ConsentSubject;
import dev.consent.spring.boot.check.RequiresConsent;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Service;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/** A shop's web front using only the starter: pages (GPC applies to them) and a newsletter sent on consent only. */
@SpringBootApplication
public class WebShopApplication {

    /** Sends newsletters, only to customers who agreed. */
    @Service
    public static class Newsletter {
        /** Sends the issue; refused without the customer's consent. */
        @RequiresConsent(purpose = "marketing.email")
        public String send(@ConsentSubject String customerId, String issue) {
            return "sent " + issue;
        }
    }

    /** The pages. */
    @RestController
    public static class Pages {
        private final Newsletter newsletter;

        Pages(Newsletter newsletter) {
            this.newsletter = newsletter;
        }

        @GetMapping("/")
        public String home() {
            return "welcome";
        }

        /** An operator's endpoint; the customer id comes from the shop's own records, never from a visitor. */
        @PostMapping("/newsletter/{customerId}")
        public String send(@PathVariable("customerId") String customerId) {
            return newsletter.send(customerId, "spring-sale");
        }

        @ExceptionHandler(ConsentRequiredException.class)
        public ResponseEntity<String> refused(ConsentRequiredException e) {
            return ResponseEntity.status(HttpStatus.FORBIDDEN).body(e.purpose() + " " + e.reason());
        }
    }
}
