/** Load-balancing strategies behind one small interface, created by name from a pool's config. */
package io.stickylb.strategy;
