/**
 * The capacity model for experiments: how long a request keeps the backend busy ({@link
 * io.stickylb.sample.capacity.ServiceTime}) and how many it serves at once ({@link
 * io.stickylb.sample.capacity.ConcurrencyLimiter}), both without blocking an event loop.
 */
package io.stickylb.sample.capacity;
