package io.stickylb.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Scalar text to integers, sizes, booleans, names and choices. */
class ScalarsTest {

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource({
        "0, 0",
        "8192, 8192",
        "100B, 100",
        "64KiB, 65536",
        "10MiB, 10485760",
        "1GiB, 1073741824",
        "512KB, 512000",
        "2MB, 2000000",
        "1GB, 1000000000",
        "'4 KiB', 4096",
    })
    void sizesUseBinaryAndDecimalUnits(String text, long expected) {
        assertThat(Scalars.toSize(text)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "[{0}]")
    @ValueSource(strings = {"", "KiB", "1.5MiB", "10kb", "10 megabytes", "1TiB"})
    void malformedSizesAreRejected(String text) {
        assertThatThrownBy(() -> Scalars.toSize(text)).hasMessageContaining("is not a size");
    }

    @Test
    void sizesThatOverflowAreRejected() {
        assertThatThrownBy(() -> Scalars.toSize("99999999999GiB")).hasMessage("'99999999999GiB' is too large");
        assertThatThrownBy(() -> Scalars.toIntSize("2GiB")).hasMessageStartingWith("'2GiB' is too large");
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource({"true, true", "On, true", "YES, true", "false, false", "off, false", "No, false"})
    void booleansAcceptYaml11Words(String text, boolean expected) {
        assertThat(Scalars.toBoolean(text)).isEqualTo(expected);
    }

    @Test
    void integersMustFitTheirType() {
        assertThat(Scalars.toInt("-2147483648")).isEqualTo(Integer.MIN_VALUE);
        assertThatThrownBy(() -> Scalars.toInt("2147483648"))
                .hasMessage("2147483648 is out of range (expected at most 2147483647)");
        assertThatThrownBy(() -> Scalars.toLong("99999999999999999999")).hasMessageContaining("is out of range");
        assertThatThrownBy(() -> Scalars.toInt("1.5")).hasMessage("'1.5' is not an integer");
    }

    @Test
    void choicesAreCaseInsensitiveAndSuggestTheClosest() {
        List<String> modes = List.of("insert", "prefix");
        assertThat(Scalars.toChoice("INSERT", "mode", modes)).isEqualTo("insert");
        assertThatThrownBy(() -> Scalars.toChoice("prefx", "mode", modes))
                .hasMessage("'prefx' is not a mode (did you mean 'prefix'?; expected one of: insert, prefix)");
        assertThatThrownBy(() -> Scalars.toChoice("zzz", "insertion mode", modes))
                .hasMessage("'zzz' is not an insertion mode (expected one of: insert, prefix)");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"b1", "app.eu-1", "A_B", "x"})
    void namesAllowLettersDigitsDotUnderscoreDash(String name) {
        assertThat(Scalars.toName(name, "backend id")).isEqualTo(name);
    }

    @ParameterizedTest(name = "[{0}]")
    @ValueSource(strings = {"", "b 1", "b/1", "ü", "12345678901234567890123456789012345678901234567890123456789012345"})
    void otherNamesAreRejected(String name) {
        assertThatThrownBy(() -> Scalars.toName(name, "backend id")).hasMessageContaining("is not a valid backend id");
    }
}
