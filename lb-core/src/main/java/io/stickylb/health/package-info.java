/** Active health checks, passive outlier detection and slow start: the layer that decides which backends may serve. */
package io.stickylb.health;
