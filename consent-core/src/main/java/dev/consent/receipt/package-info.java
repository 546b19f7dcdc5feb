/**
 * Consent receipts a third party can check: {@link dev.consent.receipt.ConsentReceipts} issues one Kantara Consent
 * Receipt v1.1 per consent given (never for a refusal, withdrawal, objection or Global Privacy Control signal), signed
 * with the controller's key ({@link dev.consent.receipt.ReceiptSigner}, ES256 as a JSON Web Signature) and stored once
 * ({@link dev.consent.store.ReceiptStore}), and writes ISO/IEC TS 27560 consent records in the W3C Data Privacy
 * Vocabulary's JSON-LD. {@link dev.consent.receipt.ReceiptVerifier} checks a receipt with the public key alone.
 * Signing and verifying need {@code com.nimbusds:nimbus-jose-jwt} on the class path, an optional dependency of this
 * module. Formats: {@code docs/export-format.md}.
 */
package dev.consent.receipt;
