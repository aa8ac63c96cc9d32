/** Lock-free counters per backend and per pool, read by the admin API and the metrics exporter. */
package io.stickylb.metrics;
