/**
 * The JIT warm-up: loopback traffic through a private mirror of the running instance, on its own event loops, so the
 * request path is compiled before (and kept compiled through) what real traffic shows the JIT late.
 */
package io.stickylb.warmup;
