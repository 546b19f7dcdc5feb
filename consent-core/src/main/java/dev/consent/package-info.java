/**
 * The consent service and what it answers: {@link dev.consent.ConsentService} records choices in a hash-chained
 * ledger and answers "may we process this subject's data for this purpose, now or at an instant?" with a
 * {@link dev.consent.Decision} that carries its {@link dev.consent.Reason}, its legal basis and the event it rests
 * on.
 *
 * <p>Guarantees that hold for every type of the library: checks fail closed (an unknown purpose or an unreadable
 * store throws, never answers "allowed"); every failure is a {@link dev.consent.ConsentException}, whose subclasses
 * name the field, the value and the rule that was broken; writes either commit whole or throw. The policy format,
 * the export format and the operator command line are described in the guides under {@code docs/} of the
 * repository.
 */
package dev.consent;
