package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/pprof"
	"strings"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/builtin"
	"github.com/onewaysync/oneway/internal/config"
	"github.com/onewaysync/oneway/internal/engine"
	"github.com/onewaysync/oneway/internal/ledger"
)

// app holds what every command shares.
type app struct {
	stdout, stderr io.Writer
	configPath     string
	json           bool
	logLevel       string
	cpuProfile     string
	memProfile     string
	profile        *os.File

	spec *config.Spec
}

func (a *app) redact(s string) string {
	if a.spec != nil {
		return a.spec.Redact(s)
	}
	return s
}

func (a *app) registry() *connector.Registry {
	r := connector.NewRegistry()
	builtin.Register(r)
	return r
}

// load reads and validates the configuration; an invalid one is exit code 2.
func (a *app) load() (*config.Spec, error) {
	spec, err := config.Load(a.configPath, a.registry())
	if err != nil {
		return nil, invalid(err)
	}
	a.spec = spec
	return spec, nil
}

// selectSyncs narrows the syncs to the names given on the command line.
func (a *app) selectSyncs(spec *config.Spec, names []string) ([]*config.Sync, error) {
	syncs, err := spec.Select(names)
	if err != nil {
		return nil, invalid(err)
	}
	return syncs, nil
}

// openState opens the state; read-only commands never create or change it.
func (a *app) openState(ctx context.Context, spec *config.Spec, readOnly bool) (*ledger.SQLite, error) {
	st, err := ledger.OpenSQLite(ctx, spec.State, readOnly)
	if err != nil {
		return nil, &exitError{code: exitFailed, err: err}
	}
	return st, nil
}

func (a *app) logger() *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(a.logLevel)); err != nil {
		level = slog.LevelWarn
	}
	h := slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: level, ReplaceAttr: func(_ []string, at slog.Attr) slog.Attr {
		if at.Value.Kind() == slog.KindString {
			at.Value = slog.StringValue(a.redact(at.Value.String()))
		}
		return at
	}})
	return slog.New(h)
}

func (a *app) engine(st ledger.Store) *engine.Engine {
	return &engine.Engine{Registry: a.registry(), Store: st, Logger: a.logger(), Redact: a.redact}
}

// interactive reports whether stdout is a terminal a person watches (progress bars go there).
func (a *app) interactive() bool {
	f, ok := a.stdout.(*os.File)
	return ok && !a.json && isatty.IsTerminal(f.Fd())
}

func (a *app) printJSON(v any) error {
	var buf strings.Builder
	benc := json.NewEncoder(&buf)
	benc.SetIndent("", "  ")
	benc.SetEscapeHTML(false)
	if err := benc.Encode(v); err != nil {
		return err
	}
	_, err := io.WriteString(a.stdout, a.redact(buf.String()))
	return err
}

func (a *app) validateCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "validate",
		Short: "Check the configuration: syntax, keys, connections, expressions (exit 2 when invalid)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			spec, err := a.load()
			if err != nil {
				return err
			}
			if a.json {
				names := make([]string, len(spec.Syncs))
				for i, s := range spec.Syncs {
					names[i] = s.Name
				}
				return a.printJSON(map[string]any{"valid": true, "config": spec.Path, "syncs": names})
			}
			fmt.Fprintf(a.stdout, "%s is valid: %d connection(s), %d sync(s)\n", spec.Path, len(spec.Connections), len(spec.Syncs))
			return nil
		},
	}
}

func (a *app) planCommand() *cobra.Command {
	var full bool
	cmd := &cobra.Command{
		Use:   "plan [SYNC...]",
		Short: "Show exactly what a run would do; writes nothing anywhere, not even the state",
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.execute(cmd.Context(), args, engine.Options{Full: full})
		},
	}
	cmd.Flags().BoolVar(&full, "full", false, "read cursor syncs in full (also finds deletes)")
	return cmd
}

func (a *app) runCommand() *cobra.Command {
	var opts engine.Options
	cmd := &cobra.Command{
		Use:   "run [SYNC...]",
		Short: "Apply the plan: write the differences to the targets and record them in the ledger",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Apply = true
			return a.execute(cmd.Context(), args, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.AllowMassDelete, "allow-mass-delete", false, "allow removals beyond max_delete_ratio")
	cmd.Flags().BoolVar(&opts.Full, "full", false, "read cursor syncs in full (also finds deletes)")
	return cmd
}

// execute is plan and run: one code path, so a preview cannot drift from the real thing.
func (a *app) execute(ctx context.Context, names []string, opts engine.Options) error {
	spec, err := a.load()
	if err != nil {
		return err
	}
	syncs, err := a.selectSyncs(spec, names)
	if err != nil {
		return err
	}
	st, err := a.openState(ctx, spec, !opts.Apply)
	if err != nil {
		return err
	}
	defer st.Close()
	eng := a.engine(st)
	var bars *progressBars
	if a.interactive() && opts.Apply {
		bars = newProgressBars(a.stdout)
		eng.Progress = bars
	}
	rep, err := eng.Execute(ctx, spec, syncs, opts)
	if bars != nil {
		bars.wait()
	}
	if a.json {
		if perr := a.printJSON(rep); perr != nil {
			return perr
		}
	} else {
		renderReport(a.stdout, rep, opts.Apply)
	}
	if err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	if !rep.OK() {
		return errFailed
	}
	return nil
}

// startProfile starts CPU profiling when --cpuprofile is given (for benchmarks: profile before guessing).
func (a *app) startProfile() error {
	if a.cpuProfile == "" {
		return nil
	}
	f, err := os.Create(a.cpuProfile)
	if err != nil {
		return invalid(err)
	}
	a.profile = f
	return pprof.StartCPUProfile(f)
}

func (a *app) stopProfile() {
	if a.profile != nil {
		pprof.StopCPUProfile()
		a.profile.Close()
	}
	if a.memProfile != "" {
		// The allocations of the whole run (go tool pprof -sample_index=alloc_space): what feeds the GC.
		f, err := os.Create(a.memProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "memprofile:", err)
			return
		}
		defer f.Close()
		if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
			fmt.Fprintln(os.Stderr, "memprofile:", err)
		}
	}
}
