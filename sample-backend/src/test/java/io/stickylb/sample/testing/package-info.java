/** Test support: raw HTTP over sockets, a Redis child process, and failing a test class on a Netty buffer leak. */
package io.stickylb.sample.testing;
