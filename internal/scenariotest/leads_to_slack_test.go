package scenariotest

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/onewaysync/oneway/internal/engine"
	"github.com/onewaysync/oneway/internal/sandbox"
	"github.com/onewaysync/oneway/internal/sandbox/salesforce"
	"github.com/onewaysync/oneway/internal/sandbox/slack"
)

// slackUnlimited lifts the Slack fake's server-side limit so that no post is refused with 429 and sent
// again: every chat.postMessage request is then one message, and the journal's Duplicates is exact
// evidence of a double post. (The connector still spaces posts one second apart per channel.)
func slackUnlimited() sandbox.Options { return sandbox.Options{SlackPerChannelRate: -1} }

// Each lead is posted once, as a Block Kit message with name, title, company, lead source and a link
// back; later runs, a changed lead and restarts (every run opens the state afresh) post nothing again.
func TestLeadsToSlack(t *testing.T) {
	apps := startApps(t, slackUnlimited())
	sc := newScenario(t, "leads-to-slack")

	requireCounts(t, sc.run(), counts{Create: 3})
	requireEachLeadPostedOnce(t, apps, 3)
	jordan := leadNamed(t, apps, "Jordan")
	requireLeadMessage(t, apps, jordan)

	requireNoWrites(t, sc.run())

	// A posted lead changes: mode create posts nothing about it.
	if _, err := apps.Salesforce.UpdateLead(jordan.ID, func(l *salesforce.Lead) { l.Title = "CEO" }); err != nil {
		t.Fatal(err)
	}
	requireNoWrites(t, sc.run())

	noor := apps.AddLead()
	rep := sc.run()
	if r := rep.Results[0]; r.Create != 1 || r.Failed != 0 || r.Status != engine.StatusOK {
		t.Fatalf("after a new lead: %s", dump(rep))
	}
	requireNoWrites(t, sc.run())
	requireEachLeadPostedOnce(t, apps, 4)
	requireLeadMessage(t, apps, noor)
	if n := apps.Slack.Journal.Count(http.MethodPost, "/api/chat.postMessage"); n != 4 {
		t.Errorf("%d chat.postMessage requests for 4 leads", n)
	}
}

// A crash between the post and its acknowledgement: with delivery at-most-once (the example's) the next
// run does not post again; with at-least-once it does (which shows that the crash is real and the
// check would see a double post).
func TestLeadsToSlackAcrossACrash(t *testing.T) {
	bin := failpointBinary(t)
	for _, tc := range []struct {
		delivery string
		after    int // messages after the run that follows the crash
	}{
		{"at-most-once", 3},
		{"at-least-once", 6},
	} {
		t.Run(tc.delivery, func(t *testing.T) {
			apps := startApps(t, slackUnlimited())
			example, err := os.ReadFile(filepath.Join(examplesDir, "leads-to-slack", "oneway.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			cfg := strings.Replace(string(example), "delivery: at-most-once", "delivery: "+tc.delivery, 1)
			if !strings.Contains(cfg, "delivery: "+tc.delivery) {
				t.Fatal("the example no longer says delivery: at-most-once")
			}
			cli := newCLI(t, bin, cfg)

			cli.killedAt("after-target-write")
			if n := len(apps.Slack.Messages(sandbox.SlackChannel)); n != 3 {
				t.Fatalf("%d messages posted before the crash, want 3", n)
			}
			cli.run()
			msgs := apps.Slack.Messages(sandbox.SlackChannel)
			if len(msgs) != tc.after {
				t.Fatalf("%d messages after the crash and a new run, want %d", len(msgs), tc.after)
			}
			if tc.delivery == "at-least-once" {
				if len(apps.Slack.Journal.Duplicates(http.MethodPost)) != 3 {
					t.Errorf("at-least-once: the journal shows %d repeated posts, want 3", len(apps.Slack.Journal.Duplicates(http.MethodPost)))
				}
				return
			}
			if d := apps.Slack.Journal.Duplicates(http.MethodPost); len(d) != 0 {
				t.Fatalf("at-most-once: %d posts were sent twice", len(d))
			}
			apps.AddLead()
			cli.run()
			cli.run()
			requireEachLeadPostedOnce(t, apps, 4)
			if d := apps.Slack.Journal.Duplicates(http.MethodPost); len(d) != 0 {
				t.Errorf("%d posts were sent twice", len(d))
			}
		})
	}
}

func requireNoWrites(t *testing.T, rep *engine.Report) {
	t.Helper()
	for _, r := range rep.Results {
		if r.Status != engine.StatusOK || r.Create+r.Update+r.Delete+r.Failed != 0 {
			t.Fatalf("a run with nothing new wrote or failed: %s", dump(rep))
		}
	}
}

func leadNamed(t *testing.T, apps *sandbox.Apps, first string) salesforce.Lead {
	t.Helper()
	for _, l := range apps.Salesforce.Leads() {
		if l.FirstName == first {
			return l
		}
	}
	t.Fatalf("no lead %s in the sandbox", first)
	return salesforce.Lead{}
}

// requireEachLeadPostedOnce checks that #leads holds exactly one message per live lead (n of them) and
// none for the deleted one.
func requireEachLeadPostedOnce(t *testing.T, apps *sandbox.Apps, n int) {
	t.Helper()
	msgs := apps.Slack.Messages(sandbox.SlackChannel)
	live := 0
	for _, l := range apps.Salesforce.Leads() {
		posted := 0
		for _, m := range msgs {
			if strings.Contains(string(m.Blocks), "/Lead/"+l.ID+"/view") {
				posted++
			}
		}
		want := 1
		if l.IsDeleted {
			want = 0
		} else {
			live++
		}
		if posted != want {
			t.Errorf("lead %s %s (deleted %v) posted %d times, want %d", l.FirstName, l.LastName, l.IsDeleted, posted, want)
		}
	}
	if live != n || len(msgs) != n {
		t.Errorf("%d messages for %d live leads, want %d", len(msgs), live, n)
	}
}

// requireLeadMessage checks the lead's message: text, and Block Kit blocks with name, title, company,
// lead source and a button linking back to the lead.
func requireLeadMessage(t *testing.T, apps *sandbox.Apps, l salesforce.Lead) {
	t.Helper()
	var m *slack.Message
	for _, msg := range apps.Slack.Messages(sandbox.SlackChannel) {
		if strings.Contains(string(msg.Blocks), l.ID) {
			m = &msg
		}
	}
	if m == nil {
		t.Fatalf("no message for lead %s", l.ID)
	}
	name := l.FirstName + " " + l.LastName
	if want := "New lead: " + name + " (" + l.Company + ")"; m.Text != want {
		t.Errorf("text %q, want %q", m.Text, want)
	}
	var blocks []struct {
		Type   string
		Text   struct{ Text string }
		Fields []struct{ Text string }
		Elems  []struct {
			Type string
			URL  string
		} `json:"elements"`
	}
	if err := json.Unmarshal(m.Blocks, &blocks); err != nil || len(blocks) != 3 {
		t.Fatalf("blocks %s: %v", m.Blocks, err)
	}
	if blocks[0].Type != "header" || blocks[0].Text.Text != "New lead: "+name {
		t.Errorf("header block %+v", blocks[0])
	}
	var fields []string
	for _, f := range blocks[1].Fields {
		fields = append(fields, f.Text)
	}
	if want := []string{"Title: " + l.Title, "Company: " + l.Company, "Lead source: " + l.LeadSource}; strings.Join(fields, "|") != strings.Join(want, "|") {
		t.Errorf("section fields %q, want %q", fields, want)
	}
	if len(blocks[2].Elems) != 1 || blocks[2].Elems[0].Type != "button" || !strings.HasSuffix(blocks[2].Elems[0].URL, "/lightning/r/Lead/"+l.ID+"/view") {
		t.Errorf("actions block %+v, want a button linking to the lead", blocks[2])
	}
}
