package dev.consent.policy;

/**
 * The purpose categories of the Kantara Initiative Consent Receipt Specification v1.1 (its appendix of purpose
 * categories, written into a receipt's {@code purposeCategory} as {@code "<number> - <name>"}, e.g. {@code "6 -
 * Marketing"}), each with the Data Privacy Vocabulary purpose this library states for it in ISO/IEC TS 27560 records.
 *
 * <p>The list, its numbers and names are the specification's. The specification's own example receipt spells category
 * 5 "Personalize Experience"; its list, which this follows, says "Personalized Experience". Category 11 is named
 * "3rd Party Sharing for ..." in the list itself. The DPV concept of each category is this library's choice (DPV has
 * no mapping of its own): the nearest purpose of the DPV taxonomy ({@code https://w3id.org/dpv#}), or {@code
 * dpv:Purpose} where none is near.
 */
public enum PurposeCategory {
    /** Enabling the core functions of the site, app or service. */
    CORE_FUNCTION(1, "Core Function", "dpv:ServiceProvision"),
    /** Providing services the subject contracted or asked for. */
    CONTRACTED_SERVICE(2, "Contracted Service", "dpv:RequestedServiceProvision"),
    /** Delivering physical goods. */
    DELIVERY(3, "Delivery", "dpv:DeliveryOfGoods"),
    /** Communicating about information or services the subject asked about. */
    CONTACT_REQUESTED(4, "Contact Requested", "dpv:CommunicationManagement"),
    /** A personalised experience of the site, app or service. */
    PERSONALIZED_EXPERIENCE(5, "Personalized Experience", "dpv:ServicePersonalisation"),
    /** Communicating about the shop's other services the subject may be interested in. */
    MARKETING(6, "Marketing", "dpv:Marketing"),
    /** Communicating about third parties' services the subject may be interested in. */
    MARKETING_THIRD_PARTIES(7, "Marketing Third Parties", "dpv:Marketing"),
    /** Giving the data to others who deliver the shop's services on its behalf. */
    SHARING_FOR_DELIVERY(8, "Sharing for Delivery", "dpv:ServiceProvision"),
    /** Giving the data to third parties so that they can market their own services to the subject. */
    SHARING_FOR_MARKETING(9, "Sharing for Marketing", "dpv:Marketing"),
    /** Giving the data to third parties so that they can deliver or improve their own services to the subject. */
    THIRD_PARTY_SHARING_FOR_CORE_FUNCTION(10, "3rd Party Sharing for Core Function", "dpv:ServiceProvision"),
    /** Giving the data to third parties so that they can deliver or improve their services to others. */
    THIRD_PARTY_SHARING_FOR_OTHERS(11, "3rd Party Sharing for ...", "dpv:CommercialPurpose"),
    /** Record keeping the law requires. */
    LEGALLY_REQUIRED_DATA_RETENTION(12, "Legally Required Data Retention", "dpv:LegalCompliance"),
    /** Giving information to law enforcement or other authorities as the law requires. */
    REQUIRED_BY_LAW_ENFORCEMENT_OR_GOVERNMENT(13, "Required by Law Enforcement or Government", "dpv:LegalCompliance"),
    /** Protecting the subject's vital and health interests. */
    PROTECTING_YOUR_HEALTH(14, "Protecting Your Health", "dpv:Purpose"),
    /** Protecting the legitimate interests of the shop, the subject or a third party. */
    PROTECTING_OUR_INTERESTS(15, "Protecting Our Interests", "dpv:Purpose"),
    /** Measuring or improving the shop's performance or the delivery of its services. */
    IMPROVE_PERFORMANCE(16, "Improve Performance", "dpv:ServiceOptimisation");

    private final int number;
    private final String title;
    private final String dpvPurpose;

    PurposeCategory(int number, String title, String dpvPurpose) {
        this.number = number;
        this.title = title;
        this.dpvPurpose = dpvPurpose;
    }

    /**
     * The category's number in the specification's list, 1 to 16.
     *
     * @return the number
     */
    public int number() {
        return number;
    }

    /**
     * The category's name as the specification lists it, e.g. {@code Marketing}.
     *
     * @return the name
     */
    public String title() {
        return title;
    }

    /**
     * As a Kantara receipt writes it in {@code purposeCategory}: {@code "6 - Marketing"}.
     *
     * @return the label, {@code "<number> - <name>"}
     */
    public String kantaraLabel() {
        return number + " - " + title;
    }

    /**
     * The DPV purpose (compact IRI, prefix {@code dpv:} for {@code https://w3id.org/dpv#}) stated in 27560 records.
     *
     * @return the compact IRI, e.g. {@code dpv:Marketing}
     */
    public String dpvPurpose() {
        return dpvPurpose;
    }
}
