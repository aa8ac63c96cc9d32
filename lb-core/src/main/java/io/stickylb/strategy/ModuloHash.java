package io.stickylb.strategy;

import io.stickylb.backend.Backend;

/**
 * Classic {@code hash mod N} (nginx's ip_hash without its /24 trick), weights as repeated slots in config order. Kept
 * as the baseline the lab compares against: changing N remaps most keys, which is why maglev is the default.
 */
final class ModuloHash implements KeyTable {

    private final Backend[] slots;

    ModuloHash(Backend[] backends) {
        int count = 0;
        for (Backend b : backends) {
            count += b.weight();
        }
        slots = new Backend[count];
        int k = 0;
        for (Backend b : backends) {
            for (int i = 0; i < b.weight(); i++) {
                slots[k++] = b;
            }
        }
    }

    @Override
    public int size() {
        return slots.length;
    }

    @Override
    public int position(long keyHash) {
        return (int) Long.remainderUnsigned(keyHash, slots.length);
    }

    @Override
    public Backend at(int position) {
        return slots[position % slots.length];
    }
}
