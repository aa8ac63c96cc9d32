/** The HTTP/1.1 proxy pipeline: client-side and backend-side handlers, header rewriting and error answers. */
package io.stickylb.proxy;
