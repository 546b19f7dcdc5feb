/**
 * Implementation shared by consent-core's packages and consent-jdbc: argument checks, the consent fold, the ledger's
 * hash chain, pruning, recipient selection. Not API: the module exports this package to {@code dev.consent.jdbc}
 * alone, so on the module path no other module compiles against it; on the class path nothing stops a caller, and
 * any release may change it.
 */
package dev.consent.internal;
