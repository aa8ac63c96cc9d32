/** Keep-alive connections to backends, kept per event loop so a request never hops threads. */
package io.stickylb.pool;
