/**
 * Backends, their states, counters and addresses (host names looked up off the event loops), and pools that publish
 * immutable snapshots for the lock-free request path.
 */
package io.stickylb.backend;
