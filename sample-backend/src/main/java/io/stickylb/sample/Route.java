package io.stickylb.sample;

/**
 * Where a request goes and how the exchange treats it.
 *
 * @param endpoint    what answers
 * @param admitted    whether it takes a concurrency slot and a service time (application work), or bypasses the
 *                    capacity model (health, stats, control)
 * @param streamsBody whether the endpoint consumes the request body itself; otherwise it is read and discarded first
 */
record Route(Endpoint endpoint, boolean admitted, boolean streamsBody) {

    static Route control(Endpoint endpoint) {
        return new Route(endpoint, false, false);
    }

    static Route work(Endpoint endpoint) {
        return new Route(endpoint, true, false);
    }

    static Route streaming(Endpoint endpoint) {
        return new Route(endpoint, true, true);
    }
}
