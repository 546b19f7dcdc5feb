package dev.consent.receipt;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Against the Kantara Initiative's own schema file, when the build is given its path ({@code -Dkantara.schema=...} or
 * {@code KANTARA_CR_SCHEMA=...}; see the README beside the transcription): the file is not shipped here, its licence
 * does not clearly allow it. Checks that the transcription and the official file agree on every mutant, and that every
 * receipt of the receipt scenario, under both controllers, is valid under the official file.
 */
class OfficialKantaraSchemaTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** Each test is skipped, and says so in the build output, unless the build was given the official file. */
    private static void onlyWithTheOfficialFile() {
        if (KantaraSchemas.officialPath().isEmpty()) {
            System.out.println("[kantara] official Kantara v1.1 schema not given: OfficialKantaraSchemaTest skipped "
                    + "(set -D" + KantaraSchemas.PROPERTY + "=<path> or " + KantaraSchemas.ENVIRONMENT + "=<path>)");
        }
        assumeTrue(KantaraSchemas.officialPath().isPresent(), "the official Kantara schema file is not given (-D"
                + KantaraSchemas.PROPERTY + " or " + KantaraSchemas.ENVIRONMENT + ")");
        assertThat(Files.isReadable(KantaraSchemas.officialPath().get())).as("the official schema file given")
                .isTrue();
    }

    @Test
    void theOfficialSchemaAndTheTranscriptionAgree() {
        onlyWithTheOfficialFile();
        assertThat(KantaraSchemas.officialProblems(KantaraMutants.valid())).isEmpty();
        assertThat(KantaraSchemas.officialProblems(KantaraMutants.withThirdParty())).isEmpty();
        for (KantaraMutants.Mutant m : KantaraMutants.all()) {
            if (m.officialRule()) {
                assertThat(KantaraSchemas.officialProblems(m.receipt())).as(m.name()).isNotEmpty();
            } else {
                // a rule of the specification's text that the official file does not state: only ours refuses it
                assertThat(KantaraSchemas.officialProblems(m.receipt())).as(m.name()).isEmpty();
            }
        }
    }

    @Test
    void everyReceiptTheLibraryWritesIsValidUnderTheOfficialSchema() throws Exception {
        onlyWithTheOfficialFile();
        int checked = 0;
        for (ReceiptScenario s : java.util.List.of(ReceiptScenario.twoVersions(), ReceiptScenario.minimalController())) {
            for (ConsentReceipt r : s.allReceipts()) {
                assertThat(KantaraSchemas.officialProblems(MAPPER.readTree(r.payload()))).as(r.receiptId()).isEmpty();
                checked++;
            }
        }
        System.out.println("[kantara] " + checked + " receipts valid under the official schema "
                + KantaraSchemas.officialPath().get());
    }
}
