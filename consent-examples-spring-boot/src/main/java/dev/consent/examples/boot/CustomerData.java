package dev.consent.examples.boot;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.consent.ledger.SubjectId;
import dev.consent.rights.SubjectDataContributor;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.util.Optional;

/**
 * The shop's own data about a customer: written into access exports, and asked by an erasure whether the shop still
 * holds any. The starter hands every such bean to the rights service and the export.
 */
@Component
public class CustomerData implements SubjectDataContributor {
    private final Customers customers;

    CustomerData(Customers customers) {
        this.customers = customers;
    }

    @Override
    public String name() {
        return "customer";
    }

    @Override
    public void write(SubjectId subject, JsonGenerator json) throws IOException {
        Optional<Customers.Customer> c = customers.find(subject.value());
        if (c.isEmpty()) {
            json.writeNull();
            return;
        }
        json.writeStartObject();
        json.writeStringField("id", c.get().id());
        json.writeStringField("email", c.get().email());
        json.writeStringField("name", c.get().name());
        json.writeEndObject();
    }

    @Override
    public Presence presence(SubjectId subject) {
        // the customers table is all the shop keeps about a customer
        return customers.find(subject.value()).isPresent() ? Presence.HOLDS_DATA : Presence.NONE;
    }
}
