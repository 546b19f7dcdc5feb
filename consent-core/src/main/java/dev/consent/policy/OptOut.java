package dev.consent.policy;

/**
 * The opt-outs the CPRA makes first-class, each a link the shop must offer and a request it must honour for the
 * purposes a jurisdiction lists under it ({@link Jurisdiction#optOutPurposes(OptOut)}).
 */
public enum OptOut {
    /**
     * "Do Not Sell or Share My Personal Information": the right to opt out of the sale and the sharing of personal
     * information (Cal. Civ. Code &sect; 1798.120, the link of &sect; 1798.135(a)(1)). Its purposes must be flagged
     * {@link Purpose#saleOrSharing()}, so that a Global Privacy Control signal covers them as well.
     */
    SALE_OR_SHARING,
    /**
     * "Limit the Use of My Sensitive Personal Information": the right to limit the use of sensitive personal
     * information to what &sect; 1798.121(a) permits (Cal. Civ. Code &sect; 1798.121, the link of
     * &sect; 1798.135(a)(2)). Its purposes must use at least one {@link DataCategory#sensitive() sensitive} category.
     */
    SENSITIVE_DATA_USE
}
