// Command oneway is the CLI of the oneway sync engine: it parses flags, loads the configuration, calls
// the engine and prints. It holds no sync logic.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

// Exit codes, a contract for scripts: 0 everything applied; 1 a sync or records failed; 2 invalid
// configuration or usage.
const (
	exitOK      = 0
	exitFailed  = 1
	exitInvalid = 2
)

// exitError carries an exit code out of a command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func invalid(err error) error { return &exitError{code: exitInvalid, err: err} }

// errFailed ends a command whose output already said what failed.
var errFailed = &exitError{code: exitFailed, err: errors.New("")}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes the CLI with args and returns the exit code; tests call it directly.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	app := &app{stdout: stdout, stderr: stderr}
	root := app.rootCommand()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err.Error() != "" {
			fmt.Fprintln(stderr, "error:", app.redact(ee.err.Error()))
		}
		return ee.code
	}
	// cobra's own errors: unknown command or flag.
	fmt.Fprintln(stderr, "error:", app.redact(err.Error()))
	return exitInvalid
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "oneway",
		Short:         "One-way sync: make targets an exact or selective copy of a source, safely and incrementally",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVarP(&a.configPath, "config", "c", "oneway.yaml", "configuration file")
	root.PersistentFlags().BoolVar(&a.json, "json", false, "print one JSON document instead of text")
	root.PersistentFlags().StringVar(&a.logLevel, "log-level", "warn", "log level on stderr: debug, info, warn, error")
	root.PersistentFlags().StringVar(&a.cpuProfile, "cpuprofile", "", "write a CPU profile (pprof) to this file")
	_ = root.PersistentFlags().MarkHidden("cpuprofile")
	root.PersistentFlags().StringVar(&a.memProfile, "memprofile", "", "write an allocation profile (pprof) to this file at exit")
	_ = root.PersistentFlags().MarkHidden("memprofile")
	root.PersistentPreRunE = func(*cobra.Command, []string) error { return a.startProfile() }
	root.PersistentPostRun = func(*cobra.Command, []string) { a.stopProfile() }
	root.AddCommand(a.validateCommand(), a.planCommand(), a.runCommand(), a.statusCommand(), a.historyCommand(),
		a.serveCommand(),
		a.demoCommand(),
		a.rejectedCommand(), a.verifyCommand(), versionCommand())
	return root
}

var version = "dev"

func versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintln(cmd.OutOrStdout(), "oneway", version)
		},
	}
}
