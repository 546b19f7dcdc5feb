package dev.consent.policy;

/**
 * What a Global Privacy Control signal ({@code Sec-GPC: 1}) does in a jurisdiction.
 */
public enum GpcRule {
    /**
     * The signal is a valid request to opt out of the sale and sharing of personal data and of targeted advertising:
     * California (Cal. Civ. Code &sect; 1798.135(b)(1) and (e); Cal. Code Regs. tit. 11, &sect; 7025), Colorado (C.R.S.
     * &sect; 6-1-1306(1)(a)(IV); 4 CCR 904-3, Rule 5, universal opt-out mechanisms) and the other states that make a
     * universal opt-out mechanism binding. Where no explicit choice stands, or a grant made before the signal does
     * (11 CCR &sect; 7025(c)(3): the signal is processed as an opt-out despite a setting that allowed sale or sharing),
     * the signal opts the subject out of the purposes flagged {@link Purpose#saleOrSharing()}; a grant made after the
     * signal wins.
     */
    BINDING,
    /**
     * The signal is recorded (it is evidence of the subject's wish) but decides nothing: the law of the jurisdiction
     * does not make it binding (the GDPR names no such signal; Virginia's VCDPA, Va. Code &sect; 59.1-577, gives
     * the opt-outs without a universal mechanism).
     */
    ADVISORY
}
