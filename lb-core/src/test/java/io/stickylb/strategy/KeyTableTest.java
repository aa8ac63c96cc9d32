package io.stickylb.strategy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stickylb.backend.Backend;
import io.stickylb.backend.BackendPool;
import io.stickylb.config.BackendConfig;
import io.stickylb.config.Endpoint;
import io.stickylb.config.PoolConfig;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KeyTableTest {

    private static final int KEYS = 10_000;

    /** Backends "a", "b", ... with these weights, from a fresh pool (fresh Backend objects, as another instance). */
    static Backend[] backends(int... weights) {
        List<BackendConfig> configs = new ArrayList<>();
        for (int i = 0; i < weights.length; i++) {
            configs.add(new BackendConfig(String.valueOf((char) ('a' + i)), new Endpoint("10.0.0." + (i + 1), 8080),
                    weights[i]));
        }
        return new BackendPool(PoolConfig.of("p", "round-robin", configs)).snapshot().all();
    }

    static KeyTable table(String kind, Backend[] backends) {
        return KeyTable.create(kind, backends, backends);
    }

    static long key(int i) {
        return KeyHash.of("client-" + i);
    }

    /**
     * Fraction of keys whose backend id differs between the two tables, among keys {@code from} did not map to
     * {@code skipId}.
     */
    static double moved(KeyTable from, KeyTable to, int keys, String skipId) {
        int moved = 0;
        int counted = 0;
        for (int i = 0; i < keys; i++) {
            String before = from.lookup(key(i)).id();
            if (before.equals(skipId)) {
                continue;
            }
            counted++;
            if (!before.equals(to.lookup(key(i)).id())) {
                moved++;
            }
        }
        return (double) moved / counted;
    }

    @ParameterizedTest
    @ValueSource(strings = {"maglev", "ring"})
    void removingOneOfFourBackendsMovesOnlyItsOwnKeys(String kind) {
        KeyTable four = table(kind, backends(1, 1, 1, 1));
        KeyTable three = table(kind, backends(1, 1, 1));
        double othersMoved = moved(four, three, KEYS, "d");
        System.out.printf("%s 4->3: %.4f of the surviving backends' keys moved%n", kind, othersMoved);
        assertThat(othersMoved).isLessThanOrEqualTo(0.01);
    }

    @ParameterizedTest
    @ValueSource(strings = {"maglev", "ring"})
    void addingAFourthBackendMovesAboutAQuarterOfTheKeys(String kind) {
        KeyTable three = table(kind, backends(1, 1, 1));
        KeyTable four = table(kind, backends(1, 1, 1, 1));
        double moved = moved(three, four, KEYS, null);
        System.out.printf("%s 3->4: %.4f of all keys moved%n", kind, moved);
        assertThat(moved).isLessThanOrEqualTo(0.25 + 0.05);
        int shuffled = 0;
        for (int i = 0; i < KEYS; i++) {
            String after = four.lookup(key(i)).id();
            if (!after.equals("d") && !after.equals(three.lookup(key(i)).id())) {
                shuffled++;
            }
        }
        // The ring moves keys only to the newcomer; Maglev also reshuffles a few between the old backends.
        assertThat((double) shuffled / KEYS).isLessThanOrEqualTo(kind.equals("ring") ? 0 : 0.01);
    }

    @Test
    void moduloRemapsMostKeysWhenTheBackendCountChanges() {
        double removed = moved(table("modulo", backends(1, 1, 1, 1)), table("modulo", backends(1, 1, 1)), KEYS, "d");
        double added = moved(table("modulo", backends(1, 1, 1)), table("modulo", backends(1, 1, 1, 1)), KEYS, null);
        System.out.printf("modulo 4->3: %.4f of the surviving backends' keys moved; 3->4: %.4f of all keys moved%n",
                removed, added);
        assertThat(removed).isGreaterThan(0.5);
        assertThat(added).isGreaterThan(0.5);
    }

    @Test
    void maglevSharesOfOneHundredThousandKeysAreWithinTwoPercentOfTheirWeights() {
        double[] errors = shareErrors("maglev", 1, 2, 3, 4);
        for (int i = 0; i < errors.length; i++) {
            double expected = (i + 1) / 10.0;
            assertThat(Math.abs(errors[i]) / expected).as("relative error of weight %d", i + 1).isLessThan(0.02);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"1,2,3,4", "1,1,1,1", "1,1,1,1,1,1,1,1,1,1"})
    void ringSharesOfOneHundredThousandKeysAreWithinTwoPointsOfTheirWeights(String weights) {
        // A ring's shares stray by about 1/sqrt(points) of themselves, so its bound is in points of share, not percent.
        int[] w = java.util.Arrays.stream(weights.split(",")).mapToInt(Integer::parseInt).toArray();
        for (double error : shareErrors("ring", w)) {
            assertThat(Math.abs(error)).isLessThan(0.02);
        }
    }

    /** Observed minus expected share of 100,000 keys for each backend. */
    private static double[] shareErrors(String kind, int... weights) {
        Backend[] backends = backends(weights);
        KeyTable t = table(kind, backends);
        int[] counts = new int[backends.length];
        int keys = 100_000;
        for (int i = 0; i < keys; i++) {
            counts[t.lookup(key(i)).id().charAt(0) - 'a']++;
        }
        double total = java.util.Arrays.stream(weights).sum();
        double[] errors = new double[weights.length];
        for (int i = 0; i < weights.length; i++) {
            double expected = weights[i] / total;
            double share = (double) counts[i] / keys;
            errors[i] = share - expected;
            System.out.printf("%s weights %s, weight %d: share %.4f expected %.4f (error %+.2f%% of expected, %+.2f"
                    + " points)%n", kind, java.util.Arrays.toString(weights), weights[i], share, expected,
                    100 * errors[i] / expected, 100 * errors[i]);
        }
        return errors;
    }

    @Test
    void maglevTableEntriesFollowWeightsToAFractionOfAPercent() {
        Backend[] backends = backends(1, 2, 3, 4);
        MaglevTable t = new MaglevTable(backends, MaglevTable.sizeFor(backends));
        for (int i = 0; i < backends.length; i++) {
            double share = (double) t.entriesOf(backends[i]) / t.size();
            assertThat(share).isCloseTo((i + 1) / 10.0, org.assertj.core.data.Offset.offset(0.001));
        }
    }

    @Test
    void maglevSizeIsAListedPrimeGivingTheLightestBackendAHundredEntries() {
        for (int size : MaglevTable.SIZES) {
            assertThat(java.math.BigInteger.valueOf(size).isProbablePrime(50)).as("%d is prime", size).isTrue();
        }
        assertThat(MaglevTable.sizeFor(backends(1, 1, 1, 1))).isEqualTo(65537);
        int[] many = new int[700];
        java.util.Arrays.fill(many, 1);
        assertThat(MaglevTable.sizeFor(backends(many))).isEqualTo(131071);
        assertThat(MaglevTable.sizeFor(backends(1, 1000))).isEqualTo(131071);
    }

    @ParameterizedTest
    @ValueSource(strings = {"maglev", "ring", "modulo"})
    void independentlyBuiltTablesMapEveryKeyAlike(String kind) {
        KeyTable one = table(kind, backends(3, 1, 2));
        KeyTable other = table(kind, backends(3, 1, 2));
        for (int i = 0; i < KEYS; i++) {
            assertThat(other.lookup(key(i)).id()).isEqualTo(one.lookup(key(i)).id());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"maglev", "ring", "modulo"})
    void lookupWithAPredicateWalksOnToTheNextAcceptedBackend(String kind) {
        KeyTable t = table(kind, backends(1, 1, 1));
        for (int i = 0; i < 1000; i++) {
            Backend home = t.lookup(key(i));
            assertThat(t.lookup(key(i), b -> true)).isSameAs(home);
            Backend next = t.lookup(key(i), b -> b != home);
            assertThat(next).isNotNull().isNotSameAs(home);
        }
        assertThat(t.lookup(key(1), b -> false)).isNull();
    }

    @Test
    void anEmptyTableHasNoBackendForAnyKey() {
        for (String kind : List.of("maglev", "ring", "modulo")) {
            assertThat(KeyTable.create(kind, new Backend[0], backends(1)).lookup(key(1))).isNull();
        }
    }

    @Test
    void anUnknownHashIsRejectedWithTheChoices() {
        assertThatThrownBy(() -> KeyTable.create("crc", new Backend[0], new Backend[0]))
                .hasMessage("hash: 'crc' (expected: maglev|ring|modulo)");
    }

    @Test
    void aRuntimeWeightCannotGrowTheRingPastItsCap() {
        List<BackendConfig> configs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            configs.add(new BackendConfig("b" + i, new Endpoint("10.0.0." + (i + 1), 8080), 1));
        }
        BackendPool pool = new BackendPool(PoolConfig.of("p", "ip-hash", configs));
        // The admin API allows up to 1000 on a backend configured at 1: sized from configured weights, the ring
        // would hold a million points, built on an event loop.
        pool.setWeight("b0", 1000, "test");
        Backend[] all = pool.snapshot().all();
        KeyTable ring = KeyTable.create("ring", all, all);
        assertThat(ring.size()).isLessThanOrEqualTo(HashRing.MAX_POINTS);
        int heavy = 0;
        for (int i = 0; i < KEYS; i++) {
            heavy += ring.lookup(key(i)).id().equals("b0") ? 1 : 0;
        }
        assertThat((double) heavy / KEYS).as("weights still followed").isGreaterThan(0.99);
    }
}
