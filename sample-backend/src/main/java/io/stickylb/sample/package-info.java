/**
 * The sample backend: a small Netty HTTP server standing in for an application server with in-memory sessions, so
 * that session loss behind a load balancer becomes visible. {@link io.stickylb.sample.SampleBackend} runs one
 * in-process; {@link io.stickylb.sample.SampleBackendMain} is the command line.
 */
package io.stickylb.sample;
