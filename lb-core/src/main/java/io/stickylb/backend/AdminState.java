package io.stickylb.backend;

/** What an operator said about a backend: serve normally, drain (sticky clients only), or maintenance (no traffic). */
public enum AdminState {
    ENABLED, DRAINING, MAINTENANCE
}
