package io.stickylb.cli;

import java.util.Map;

/**
 * Terminal escapes for {@code lb status}: state colors and clearing the screen for {@code --watch}. With
 * {@code --color auto} (the default) they are used only on a terminal ({@link System#console()} present, {@code TERM}
 * not {@code dumb}); {@code NO_COLOR} (any non-empty value, see no-color.org) turns the colors off but still lets
 * {@code --watch} redraw in place. {@code --color always|never} overrides both.
 *
 * @param colors color the output
 * @param redraw clear the screen before each {@code --watch} refresh
 */
record Ansi(boolean colors, boolean redraw) {

    /** The {@code --color} option. */
    enum Mode { AUTO, ALWAYS, NEVER }

    static final Ansi PLAIN = new Ansi(false, false);

    static final String RESET = "\u001b[0m";
    static final String BOLD = "\u001b[1m";
    static final String RED = "\u001b[31m";
    static final String GREEN = "\u001b[32m";
    static final String YELLOW = "\u001b[33m";
    static final String BLUE = "\u001b[34m";
    static final String GREY = "\u001b[90m";
    /** Cursor home, clear the screen and its scroll-back: each refresh replaces the previous one. */
    static final String CLEAR = "\u001b[H\u001b[2J\u001b[3J";

    static Ansi detect(Mode mode, boolean terminal, Map<String, String> env) {
        return switch (mode) {
            case ALWAYS -> new Ansi(true, true);
            case NEVER -> PLAIN;
            case AUTO -> {
                boolean tty = terminal && !"dumb".equals(env.get("TERM"));
                String noColor = env.get("NO_COLOR");
                yield new Ansi(tty && (noColor == null || noColor.isEmpty()), tty);
            }
        };
    }

    /** The state's color: UP green, DOWN red, DRAINING yellow, MAINTENANCE blue; others unchanged. */
    String state(String state) {
        return switch (state) {
            case "UP" -> paint(GREEN, state);
            case "DOWN" -> paint(BOLD + RED, state);
            case "DRAINING" -> paint(YELLOW, state);
            case "MAINTENANCE" -> paint(BLUE, state);
            default -> state;
        };
    }

    String paint(String codes, String text) {
        return colors && !text.isEmpty() ? codes + text + RESET : text;
    }

    String clear() {
        return redraw ? CLEAR : "";
    }

    /** The text as it shows on a terminal (escapes removed), for column widths. */
    static String visible(String s) {
        return s.replaceAll("\u001b\\[[0-9;]*[A-Za-z]", "");
    }
}
