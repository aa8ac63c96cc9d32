package io.stickylb.config;

import java.util.HashSet;
import java.util.Set;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Parse;
import org.snakeyaml.engine.v2.common.Anchor;
import org.snakeyaml.engine.v2.events.AliasEvent;
import org.snakeyaml.engine.v2.events.CollectionEndEvent;
import org.snakeyaml.engine.v2.events.CollectionStartEvent;
import org.snakeyaml.engine.v2.events.Event;
import org.snakeyaml.engine.v2.events.ScalarEvent;

/**
 * Refuses YAML shaped like an attack before it is composed, at the line where it goes too far. SnakeYAML's composer
 * recurses once per level with no depth limit, so a few kilobytes of {@code [[[[...} ended the load in a
 * StackOverflowError (a stack trace and exit 1 from {@code lb validate}); its own alias limit ("billion laughs")
 * names no line. Its parser keeps an explicit stack, so walking the events is safe.
 */
public final class YamlLimits {

    /** The deepest file shipped is 5 levels (pools.app.health.active.expect); anything near this is a mistake. */
    public static final int MAX_DEPTH = 64;

    private YamlLimits() {
    }

    /**
     * Throws a {@link ConfigException} naming the file ({@code settings}' label) and the line where the nesting goes
     * beyond {@link #MAX_DEPTH}, or where one alias too many repeats a list or mapping (beyond the settings'
     * {@code maxAliasesForCollections}); YAML syntax errors propagate as SnakeYAML's exceptions, for the caller to
     * report as it reports those of composing.
     */
    public static void check(String yaml, LoadSettings settings) throws ConfigException {
        Set<Anchor> collections = new HashSet<>();
        int depth = 0;
        int aliases = 0;
        for (Event event : new Parse(settings).parseString(yaml)) {
            if (event instanceof CollectionStartEvent start) {
                start.getAnchor().ifPresent(collections::add);
                if (++depth > MAX_DEPTH) {
                    throw error(settings, event, "nested more than " + MAX_DEPTH + " levels deep (a config needs"
                            + " a handful)");
                }
            } else if (event instanceof CollectionEndEvent) {
                depth--;
            } else if (event instanceof ScalarEvent scalar) {
                // An anchor may be defined again; an alias names the latest node to bear it.
                scalar.getAnchor().ifPresent(collections::remove);
            } else if (event instanceof AliasEvent alias && collections.contains(alias.getAlias())
                    && ++aliases > settings.getMaxAliasesForCollections()) {
                throw error(settings, event, "more than " + settings.getMaxAliasesForCollections()
                        + " aliases of lists or mappings (each repeats the whole of one; a config needs few)");
            }
        }
    }

    private static ConfigException error(LoadSettings settings, Event event, String problem) {
        int line = event.getStartMark().map(m -> m.getLine() + 1).orElse(1);
        return new ConfigException(settings.getLabel() + ":" + line + ": " + problem);
    }
}
