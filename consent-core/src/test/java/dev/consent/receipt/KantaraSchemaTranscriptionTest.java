package dev.consent.receipt;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The transcription of the Kantara v1.1 schema (test resource, see its README) refuses what the official schema refuses
 * and what the specification's text rules out: a receipt missing any required field, at any level, a wrong type, a
 * disclosure to a third party that is not named in one string, a timestamp in milliseconds, a regional language tag.
 */
class KantaraSchemaTranscriptionTest {

    @Test
    void aReceiptWithEveryRequiredFieldIsAccepted() {
        assertThat(KantaraSchemas.transcribedProblems(KantaraMutants.valid())).isEmpty();
        assertThat(KantaraSchemas.transcribedProblems(KantaraMutants.withThirdParty())).isEmpty();
    }

    @Test
    void everyMutantIsRefused() {
        for (KantaraMutants.Mutant m : KantaraMutants.all()) {
            assertThat(KantaraSchemas.transcribedProblems(m.receipt())).as(m.name()).isNotEmpty();
        }
        assertThat(KantaraMutants.all()).hasSize(34);
    }
}
