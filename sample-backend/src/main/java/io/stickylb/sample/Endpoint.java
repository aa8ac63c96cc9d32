package io.stickylb.sample;

/** One thing the backend answers; it writes its response through the {@link Exchange}. */
@FunctionalInterface
interface Endpoint {

    void handle(Exchange exchange);
}
