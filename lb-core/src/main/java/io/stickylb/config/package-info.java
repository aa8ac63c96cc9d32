/**
 * Immutable configuration records, loaded from YAML by {@link io.stickylb.config.ConfigLoader} and validated on
 * construction.
 */
package io.stickylb.config;
