package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/onewaysync/oneway/internal/engine"
)

// renderReport prints a plan or run report for people.
func renderReport(w io.Writer, rep *engine.Report, applied bool) {
	verb := "plan"
	if applied {
		verb = "run"
	}
	if len(rep.Results) == 0 {
		fmt.Fprintln(w, "no syncs selected")
		return
	}
	var total engine.Result
	for _, r := range rep.Results {
		fmt.Fprintf(w, "%s → %s  [%s, %s read, %d record(s) read]\n", r.Sync, r.Target, r.Status, r.ReadMode, r.Read)
		fmt.Fprintf(w, "  create %d  update %d  delete %d  unchanged %d  failed %d", r.Create, r.Update, r.Delete, r.Unchanged, r.Failed)
		if r.Skipped > 0 {
			fmt.Fprintf(w, "  skipped %d", r.Skipped)
		}
		fmt.Fprintln(w)
		for _, s := range r.Samples {
			fmt.Fprintf(w, "  %s %-11s %s%s\n", actionMark(s.Action), s.Action, compact(s.Key), sampleDetail(s))
		}
		for _, f := range r.Failures {
			fmt.Fprintf(w, "  ! %-11s %s: %s\n", f.Action, compact(f.Key), f.Reason)
		}
		if r.Error != "" {
			fmt.Fprintf(w, "  error: %s\n", r.Error)
		}
		total.Create += r.Create
		total.Update += r.Update
		total.Delete += r.Delete
		total.Unchanged += r.Unchanged
		total.Failed += r.Failed
	}
	fmt.Fprintf(w, "%s: %d create, %d update, %d delete, %d unchanged, %d failed\n",
		verb, total.Create, total.Update, total.Delete, total.Unchanged, total.Failed)
}

func actionMark(a string) string {
	switch a {
	case "create":
		return "+"
	case "update":
		return "~"
	case "delete", "soft-delete":
		return "-"
	}
	return " "
}

func sampleDetail(s engine.Sample) string {
	if len(s.Changes) > 0 {
		parts := make([]string, len(s.Changes))
		for i, c := range s.Changes {
			parts[i] = fmt.Sprintf("%s: %s → %s", c.Field, compact(c.Old), compact(c.New))
		}
		return "  " + strings.Join(parts, ", ")
	}
	if s.Record != nil {
		return "  " + compact(s.Record)
	}
	return ""
}

// compact renders a value as one line of JSON, shortened for the terminal.
func compact(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	s := string(b)
	if len(s) > 160 {
		s = s[:157] + "..."
	}
	return s
}
