package io.stickylb.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** ${NAME} references in config strings. */
class EnvSubstitutionTest {

    private final EnvSubstitution env = new EnvSubstitution(Map.of("A", "1", "HOST_2", "h", "EMPTY", ""));

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "plain           | plain",
        "${A}            | 1",
        "x${A}y${HOST_2} | x1yh",
        "[${EMPTY}]      | []",
        "$${A}           | ${A}",
        "$$${A}          | $${A}",
        "cost: $5        | cost: $5",
        "a$              | a$",
        "${A}$${A}       | 1${A}",
    })
    void referencesAreReplacedAndDoubledDollarEscapes(String input, String expected) {
        assertThat(env.apply(input)).isEqualTo(expected);
    }

    @Test
    void aMissingVariableIsNamed() {
        assertThatThrownBy(() -> env.apply("x-${MISSING}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("environment variable 'MISSING' is not set");
    }

    @Test
    void aMalformedReferenceIsRejected() {
        assertThatThrownBy(() -> env.apply("${not valid}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("'${not valid}' is not a valid environment variable reference");
    }

    @Test
    void anUnclosedReferenceIsRejected() {
        assertThatThrownBy(() -> env.apply("${A"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("'${A' has an unclosed ${");
    }
}
