package io.stickylb.lab;

/**
 * A FIFO of (client, due time) pairs in two growable ring buffers of primitives: the requests that are due but wait
 * for a free connection, or clients waiting out their think time. No boxing, no per-entry objects.
 */
final class ReadyQueue {

    private int[] clients = new int[1024];
    private long[] due = new long[1024];
    private int head;
    private int size;

    void add(int client, long dueNanos) {
        if (size == clients.length) {
            grow();
        }
        int tail = (head + size) & (clients.length - 1);
        clients[tail] = client;
        due[tail] = dueNanos;
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

    void remove() {
        head = (head + 1) & (clients.length - 1);
        size--;
    }

    void clear() {
        head = 0;
        size = 0;
    }

    private void grow() {
        int[] c = new int[clients.length * 2];
        long[] d = new long[clients.length * 2];
        for (int i = 0; i < size; i++) {
            int from = (head + i) & (clients.length - 1);
            c[i] = clients[from];
            d[i] = due[from];
        }
        clients = c;
        due = d;
        head = 0;
    }
}
