/**
 * Where sessions live: the {@link io.stickylb.sample.session.SessionStore} contract, the in-memory store that dies
 * with the process (the point of the sample backend) and a Redis store shared between backends.
 */
package io.stickylb.sample.session;
