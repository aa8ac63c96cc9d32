/** Route matching (host and path prefix to pool) and the per-request context strategies decide on. */
package io.stickylb.routing;
