package io.stickylb.lab;

/**
 * A FIFO of (client, due time, latency origin) in growable ring buffers of primitives: the requests that wait for a
 * free connection, or for their client's think time to pass (due is when they may go, the origin is where their
 * latency counts from). No boxing, no per-entry objects.
 */
final class ReadyQueue {

    private int[] clients = new int[1024];
    private long[] due = new long[1024];
    private long[] origin = new long[1024];
    private int head;
    private int size;

    void add(int client, long dueNanos, long originNanos) {
        if (size == clients.length) {
            grow();
        }
        int tail = (head + size) & (clients.length - 1);
        clients[tail] = client;
        due[tail] = dueNanos;
        origin[tail] = originNanos;
        size++;
    }

    boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }

    int peekClient() {
        return clients[head];
    }

    long peekDue() {
        return due[head];
    }

    long peekOrigin() {
        return origin[head];
    }

    void remove() {
        head = (head + 1) & (clients.length - 1);
        size--;
    }

    /** How many queued requests have their latency origin at or after {@code fromNanos} (the measured ones). */
    int countOriginsFrom(long fromNanos) {
        int n = 0;
        for (int i = 0; i < size; i++) {
            if (origin[(head + i) & (clients.length - 1)] >= fromNanos) {
                n++;
            }
        }
        return n;
    }

    void clear() {
        head = 0;
        size = 0;
    }

    private void grow() {
        int[] c = new int[clients.length * 2];
        long[] d = new long[clients.length * 2];
        long[] o = new long[clients.length * 2];
        for (int i = 0; i < size; i++) {
            int from = (head + i) & (clients.length - 1);
            c[i] = clients[from];
            d[i] = due[from];
            o[i] = origin[from];
        }
        clients = c;
        due = d;
        origin = o;
        head = 0;
    }
}
