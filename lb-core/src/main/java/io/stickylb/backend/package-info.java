/** Backends, their states and counters, and pools that publish immutable snapshots for the lock-free request path. */
package io.stickylb.backend;
