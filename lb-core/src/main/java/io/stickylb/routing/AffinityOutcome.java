package io.stickylb.routing;

/**
 * What affinity did for one request, as HAProxy's cookie flags but countable: {@code NONE} for strategies without
 * affinity; {@code HIT} when the client reached its sticky backend; {@code NEW} when it had none; the rest say why an
 * existing affinity was not honoured.
 */
public enum AffinityOutcome {
    NONE("-"),
    HIT("hit"),
    NEW("new"),
    EXPIRED("expired"),
    FORGED("forged"),
    BROKEN_DOWN("broken:down"),
    BROKEN_DRAINING("broken:draining"),
    BROKEN_REMOVED("broken:removed"),
    BROKEN_CONNECT_FAILED("broken:connect-failed");

    private final String label;

    AffinityOutcome(String label) {
        this.label = label;
    }

    /** The label used in logs and metrics, e.g. {@code broken:down}. */
    public String label() {
        return label;
    }

    public boolean broken() {
        return name().startsWith("BROKEN_");
    }
}
