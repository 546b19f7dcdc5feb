package dev.consent.examples.storefront;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.consent.ledger.SubjectId;
import dev.consent.rights.SubjectDataContributor;

import java.io.IOException;
import java.sql.SQLException;

/**
 * Adds the shop's own orders to access exports: the library streams them into the document. Asked whether the shop
 * still holds a subject's data (an erasure of a customer retention knew nothing of), it answers for the orders table
 * only: orders found means the shop holds data; none found proves nothing about the other tables, so it cannot tell.
 */
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

    @Override
    public Presence presence(SubjectId subject) {
        try {
            // the customers, tickets and access log tables are not this contributor's: without orders it cannot tell
            return shop.ordersOf(subject.value()).isEmpty() ? Presence.UNKNOWN : Presence.HOLDS_DATA;
        } catch (SQLException e) {
            throw new IllegalStateException("the shop's orders could not be read", e);
        }
    }
}
