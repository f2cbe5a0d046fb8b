package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/onewaysync/oneway/internal/engine"
)

func (a *app) verifyCommand() *cobra.Command {
	var repair bool
	cmd := &cobra.Command{
		Use:   "verify [SYNC...]",
		Short: "Read targets back and compare them with what the source says they should hold (--repair fixes them)",
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			spec, err := a.load()
			if err != nil {
				return err
			}
			syncs, err := a.selectSyncs(spec, args)
			if err != nil {
				return err
			}
			st, err := a.openState(ctx, spec, !repair)
			if err != nil {
				return err
			}
			defer st.Close()
			rep, err := a.engine(st).Verify(ctx, spec, syncs, repair)
			if a.json {
				if perr := a.printJSON(rep); perr != nil {
					return perr
				}
			} else {
				renderVerify(a.stdout, rep)
			}
			if err != nil {
				return &exitError{code: exitFailed, err: err}
			}
			if !rep.OK() {
				return errFailed
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&repair, "repair", false, "fix what differs through the normal apply path")
	return cmd
}

func renderVerify(w io.Writer, rep *engine.VerifyReport) {
	for _, r := range rep.Results {
		fmt.Fprintf(w, "%s → %s  [%s]  expected %d  found %d  missing %d  extra %d  different %d\n",
			r.Sync, r.Target, r.Status, r.Expected, r.Checked, r.Missing, r.Extra, r.Different)
		for _, d := range r.Samples {
			fmt.Fprintf(w, "  %-9s %s", d.Kind, compact(d.Key))
			for _, c := range d.Changes {
				fmt.Fprintf(w, "  %s: %s (target) → %s (source)", c.Field, compact(c.Old), compact(c.New))
			}
			fmt.Fprintln(w)
		}
		if r.Repaired != nil {
			fmt.Fprintf(w, "  repaired: create %d  delete %d  failed %d\n", r.Repaired.Create, r.Repaired.Delete, r.Repaired.Failed)
		}
		if r.Error != "" {
			fmt.Fprintf(w, "  error: %s\n", r.Error)
		}
	}
}
