/** The {@code lb} command line: one picocli command class per subcommand, on top of lb-core's public API. */
package io.stickylb.cli;
