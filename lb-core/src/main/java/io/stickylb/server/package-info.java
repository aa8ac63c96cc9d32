/** The running load balancer: listeners, event loops, lifecycle (start, reload, graceful stop). */
package io.stickylb.server;
