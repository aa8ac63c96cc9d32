package io.stickylb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

class SubcommandsTest {

    @Test
    void everySubcommandIsAddedUnderItsOwnNameInHelpOrder() {
        Map<String, CommandLine> all = LbCommand.commandLine(new LbCommand(Lifecycle.manual())).getSubcommands();

        assertThat(all.keySet()).containsExactly("run", "validate", "demo", "status", "backend", "reload",
                "experiment", "help");
        all.forEach((name, cl) -> assertThat(cl.getCommandSpec().name()).as(name).isEqualTo(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"run --config x.yaml", "--log-level debug validate --config x", "--log-level=warn status",
        "experiment --help", "backend drain b1", "reload"})
    void onlyTheNamedSubcommandIsBuilt(String args) {
        String[] argv = args.split(" ");
        String named = List.of(argv).stream().filter(Subcommands.names()::contains).findFirst().orElseThrow();

        CommandLine lb = LbCommand.commandLine(new LbCommand(Lifecycle.manual()), argv);

        assertThat(lb.getSubcommands().keySet()).containsExactly(named);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "--help", "-h", "--version", "help", "help run", "rnu", "@args.txt", "--log-level",
        "--log-level debug", "--log-level debug --help run"})
    void whenNoSubcommandIsNamedAllAreBuilt(String args) {
        String[] argv = args.isEmpty() ? new String[0] : args.split(" ");

        CommandLine lb = LbCommand.commandLine(new LbCommand(Lifecycle.manual()), argv);

        assertThat(lb.getSubcommands().keySet()).containsExactlyElementsOf(Subcommands.names());
    }

    @ParameterizedTest
    @ValueSource(strings = {"status --help", "reload --help", "backend drain --help", "backend enable --help",
        "backend maintenance --help", "backend weight --help"})
    void theDefaultAdminUrlIsPrintedWholeInEveryAdminCommandsHelp(String args) {
        Cli.Result help = Cli.run(args.split(" "));

        assertThat(help.exitCode()).isZero();
        assertThat(help.out()).contains(" http://127.0.0.1:9090)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"run --help", "validate --help", "demo --help", "status --help", "backend --help",
        "reload --help", "experiment --help", "run --bogus", "validate", "status --interval 0s", "backend nope"})
    void aSubcommandAnswersAloneExactlyAsBesideTheOthers(String args) {
        String[] argv = args.split(" ");

        String[] alone = execute(LbCommand.commandLine(new LbCommand(Lifecycle.manual()), argv), argv);
        String[] beside = execute(LbCommand.commandLine(new LbCommand(Lifecycle.manual())), argv);

        assertThat(alone).containsExactly(beside);
        assertThat(alone[1] + alone[2]).contains("lb " + argv[0]);
    }

    @Test
    void aMisspeltSubcommandIsStillAUsageErrorThatSuggestsTheRightOne() {
        Cli.Result r = Cli.run("rnu");

        assertThat(r.exitCode()).isEqualTo(LbCommand.BAD_CONFIG);
        assertThat(r.err()).contains("rnu").contains("run");
    }

    private static String[] execute(CommandLine cl, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new String[] {String.valueOf(code), out.toString(), err.toString()};
    }
}
