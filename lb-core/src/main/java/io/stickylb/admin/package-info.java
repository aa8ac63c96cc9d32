/**
 * The admin listener: a JSON API to inspect pools and change backend states, weights and the config at run time, the
 * Prometheus metrics and a live dashboard page ({@code GET /}, static assets from the jar; see
 * {@code Dashboard}).
 */
package io.stickylb.admin;
