/**
 * HTTP/1.1 on raw bytes for the relay path: backend responses are parsed in place, their heads written back out as
 * received unless something changed, and their bodies passed on as slices of the received buffers.
 */
package io.stickylb.codec;
