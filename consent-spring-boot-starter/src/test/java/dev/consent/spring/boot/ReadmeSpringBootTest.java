package dev.consent.spring.boot;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.consent.ledger.SubjectId;
import dev.consent.rights.SubjectDataContributor;
import dev.consent.rights.SubjectExport;
import dev.consent.spring.boot.check.ConsentCheckAutoConfiguration;
import dev.consent.spring.boot.web.ConsentGpcFilter;
import dev.consent.spring.boot.web.ConsentSubjectResolver;
import dev.consent.spring.boot.web.ConsentWebAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.mock.web.MockHttpServletRequest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The main README's "Spring Boot" section is this module and this code: the dependency is this module's, every
 * property exists and an application starts from exactly those properties and the three beans below, which it uses.
 */
class ReadmeSpringBootTest {

    /** The application's own look-up of customer ids by login. */
    public interface Customers {
        Optional<String> idOfLogin(String login);
    }

    /** The application's orders, written into exports. */
    public static final class OrdersContributor implements SubjectDataContributor {
        private final JdbcTemplate jdbc;

        public OrdersContributor(JdbcTemplate jdbc) {
            this.jdbc = jdbc;
        }

        @Override
        public String name() {
            return "orders";
        }

        @Override
        public void write(SubjectId subject, JsonGenerator json) throws IOException {
            json.writeStartArray();
            for (String order : jdbc.queryForList("SELECT id FROM readme_orders WHERE customer = ?", String.class,
                    subject.value())) {
                json.writeString(order);
            }
            json.writeEndArray();
        }
    }

    /** The three beans, exactly as the README shows them. */
    @Configuration(proxyBeanMethods = false)
    static class ShopBeans {
        // spring-boot-beans:begin
        @Bean // the shop's disposal code, one handler per data category, run by the scheduled sweeper
        SweeperCustomizer emailDisposal(JdbcTemplate jdbc) {
            return sweeper -> sweeper.handler("contact.email", request -> jdbc.update(
                    "UPDATE customers SET email = NULL WHERE id = ?", request.item().subject().value()));
        }

        @Bean // the shop's own data about a subject: in access exports, and asked before an erasure completes
        SubjectDataContributor orders(JdbcTemplate jdbc) {
            return new OrdersContributor(jdbc);
        }

        @Bean // whose request it is (for Global Privacy Control): the customer id behind the login, not the login name
        ConsentSubjectResolver subjects(Customers customers) {
            return request -> Optional.ofNullable(request.getUserPrincipal())
                    .flatMap(login -> customers.idOfLogin(login.getName()))
                    .map(SubjectId::of);
        }
        // spring-boot-beans:end
    }

    private static String readme() throws IOException {
        return Files.readString(Path.of("../README.md"));
    }

    /** The body of the fenced block between the README's markers. */
    private static String block(String readme, String marker, String language) {
        Matcher m = Pattern.compile("<!-- " + marker + ":begin -->\\n```" + language + "\\n(.*?)\\n```\\n<!-- "
                + marker + ":end -->", Pattern.DOTALL).matcher(readme);
        assertThat(m.find()).as("README.md has a " + marker + " block").isTrue();
        return m.group(1);
    }

    @Test
    void theReadmeShowsExactlyTheseBeans() throws IOException {
        String source = Files.readString(Path.of("src/test/java/dev/consent/spring/boot/ReadmeSpringBootTest.java"));
        Matcher inSource = Pattern.compile("// spring-boot-beans:begin\\n(.*?)\\n\\s*// spring-boot-beans:end",
                Pattern.DOTALL).matcher(source);
        assertThat(inSource.find()).isTrue();
        assertThat(block(readme(), "spring-boot-beans", "java").strip())
                .isEqualTo(inSource.group(1).stripIndent().strip());
    }

    @Test
    void theReadmesDependencyIsThisModule() throws IOException {
        String pom = Files.readString(Path.of("pom.xml"));
        String dependency = block(readme(), "spring-boot-dependency", "xml");
        assertThat(dependency).contains("<groupId>dev.consent</groupId>")
                .contains("<artifactId>consent-spring-boot-starter</artifactId>").doesNotContain("<version>");
        assertThat(pom).contains("<artifactId>consent-spring-boot-starter</artifactId>")
                .contains("<groupId>dev.consent</groupId>");
    }

    @Test
    void everyReadmePropertyIsOneTheStarterKnows() throws IOException {
        Set<String> known = new HashSet<>();
        for (String file : List.of("target/classes/META-INF/spring-configuration-metadata.json",
                "src/main/resources/META-INF/additional-spring-configuration-metadata.json")) {
            new ObjectMapper().readTree(Path.of(file).toFile()).get("properties")
                    .forEach((JsonNode p) -> known.add(p.get("name").asText()));
        }
        Properties properties = readmeProperties();
        assertThat(properties).isNotEmpty();
        assertThat(known).containsAll(properties.stringPropertyNames());
    }

    private static Properties readmeProperties() throws IOException {
        Properties properties = new Properties();
        properties.load(new StringReader(block(readme(), "spring-boot-properties", "properties")));
        return properties;
    }

    @Test
    void anApplicationStartsFromTheReadmesPropertiesAndBeansAndUsesThem() throws IOException {
        List<String> values = new ArrayList<>();
        for (Map.Entry<Object, Object> e : readmeProperties().entrySet()) {
            values.add(e.getKey() + "=" + e.getValue());
        }
        values.add("CONSENT_REFERENCE_KEY=" + StarterTestDatabases.SECRET); // what the environment supplies
        values.add("consent.jdbc.table-prefix=" + StarterTestDatabases.freshPrefix());
        DataSource dataSource = StarterTestDatabases.newH2();
        JdbcTemplate jdbc = new JdbcTemplate(dataSource);
        jdbc.execute("CREATE TABLE readme_orders (id VARCHAR(20), customer VARCHAR(200))");
        jdbc.update("INSERT INTO readme_orders VALUES ('order-7', 'customer-42')");
        Customers customers = login -> login.equals("alice@example.com") ? Optional.of("customer-42")
                : Optional.empty();

        new WebApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(ConsentAutoConfiguration.class,
                        ConsentWebAutoConfiguration.class, ConsentCheckAutoConfiguration.class))
                .withUserConfiguration(ShopBeans.class)
                .withBean(DataSource.class, () -> dataSource)
                .withBean(JdbcTemplate.class, () -> jdbc)
                .withBean(Customers.class, () -> customers)
                .withPropertyValues(values.toArray(String[]::new))
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(ConsentSweepScheduler.class)
                            .hasSingleBean(ConsentGpcFilter.class);
                    assertThat(context.getBean(dev.consent.policy.Policy.class).id()).isEqualTo("readme-shop");

                    MockHttpServletRequest request = new MockHttpServletRequest();
                    request.setUserPrincipal(() -> "alice@example.com");
                    assertThat(context.getBean(ConsentSubjectResolver.class).resolve(request))
                            .contains(SubjectId.of("customer-42"));

                    ByteArrayOutputStream export = new ByteArrayOutputStream();
                    context.getBean(SubjectExport.class).write(SubjectId.of("customer-42"), export);
                    assertThat(new ObjectMapper().readTree(export.toString(StandardCharsets.UTF_8))
                            .findValue("orders").toString()).isEqualTo("[\"order-7\"]");
                });
    }
}
