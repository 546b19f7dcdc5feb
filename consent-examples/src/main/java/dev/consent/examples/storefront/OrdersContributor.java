package dev.consent.examples.storefront;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.consent.ledger.SubjectId;
import dev.consent.rights.SubjectDataContributor;

import java.io.IOException;
import java.sql.SQLException;

/** Adds the shop's own orders to access exports: the library streams them into the document. */
final class OrdersContributor implements SubjectDataContributor {
    private final ShopDatabase shop;

    OrdersContributor(ShopDatabase shop) {
        this.shop = shop;
    }

    @Override
    public String name() {
        return "orders";
    }

    @Override
    public void write(SubjectId subject, JsonGenerator json) throws IOException {
        json.writeStartArray();
        try {
            for (String order : shop.ordersOf(subject.value())) {
                json.writeString(order);
            }
        } catch (SQLException e) {
            throw new IOException("the shop's orders could not be read", e);
        }
        json.writeEndArray();
    }
}
