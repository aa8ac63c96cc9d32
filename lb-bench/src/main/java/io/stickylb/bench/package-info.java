/**
 * JMH microbenchmarks of stickylb's per-request hot path; run with {@code java -jar lb-bench/target/benchmarks.jar}.
 */
package io.stickylb.bench;
