package sandbox

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/onewaysync/oneway/internal/sandbox/bamboohr"
	"github.com/onewaysync/oneway/internal/sandbox/greenhouse"
	"github.com/onewaysync/oneway/internal/sandbox/salesforce"
	"github.com/onewaysync/oneway/internal/sandbox/scimserver"
	"github.com/onewaysync/oneway/internal/sandbox/slack"
)

// Credentials of the sandbox apps. They guard nothing but loopback fakes, so they are fixed: a demo
// config can name them, and they never stand for a real account.
const (
	GreenhouseToken = "sandbox-greenhouse-harvest-key"
	BambooHRKey     = "sandbox-bamboohr-api-key"
	BambooHRCompany = "oneway-demo"
	SalesforceToken = "00DSANDBOX000000!sandbox-salesforce-access-token"
	SlackBotToken   = "xoxb-sandbox-slack-bot-token"
	SCIMToken       = "sandbox-scim-bearer-token"
	SlackChannel    = "leads"
)

// Options tune the sandbox; the zero value is what `oneway demo` uses.
type Options struct {
	// Now is the clock of every app; nil means time.Now.
	Now func() time.Time
	// SalesforceMaxBatchSize caps records per query answer (0: the documented 2000); a small value
	// makes the leads-to-slack scenario page through nextRecordsUrl.
	SalesforceMaxBatchSize int
	// SlackPerChannelRate overrides the documented one message per second per channel; negative
	// removes the limit (for fast tests).
	SlackPerChannelRate float64
	// GreenhouseRateLimit overrides the requests per 10 seconds (0: 50; negative: unlimited).
	GreenhouseRateLimit int
}

// Apps are the running sandbox servers. Use the servers' own methods to inspect or change data, and
// Close to stop them all.
type Apps struct {
	Greenhouse *greenhouse.Server
	BambooHR   *bamboohr.Server
	Salesforce *salesforce.Server
	Slack      *slack.Server
	SCIM       *scimserver.Server

	// SlackWebhookURL is an incoming webhook posting to the seeded #leads channel.
	SlackWebhookURL string
	// Seed names the seeded records that the demo changes act on.
	Seed Seed

	now func() time.Time
}

// Start runs every sandbox app on 127.0.0.1 with seed data for the four scenarios. They stop when ctx
// is cancelled or Close is called. On error nothing is left running.
func Start(ctx context.Context, opts Options) (apps *Apps, err error) {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	a := &Apps{now: now}
	defer func() {
		if err != nil {
			_ = a.Close()
		}
	}()
	if a.Greenhouse, err = greenhouse.New(ctx, greenhouse.Options{Token: GreenhouseToken, RateLimit: opts.GreenhouseRateLimit, Now: now}); err != nil {
		return nil, fmt.Errorf("start sandbox: %w", err)
	}
	if a.BambooHR, err = bamboohr.New(ctx, bamboohr.Options{APIKey: BambooHRKey, CompanyDomain: BambooHRCompany, Now: now}); err != nil {
		return nil, fmt.Errorf("start sandbox: %w", err)
	}
	if a.Salesforce, err = salesforce.New(ctx, salesforce.Options{AccessToken: SalesforceToken, MaxBatchSize: opts.SalesforceMaxBatchSize, Now: now}); err != nil {
		return nil, fmt.Errorf("start sandbox: %w", err)
	}
	if a.Slack, err = slack.New(ctx, slack.Options{BotToken: SlackBotToken, PerChannelRate: opts.SlackPerChannelRate, Now: now}); err != nil {
		return nil, fmt.Errorf("start sandbox: %w", err)
	}
	if a.SCIM, err = scimserver.New(ctx, scimserver.Options{Token: SCIMToken, Now: now}); err != nil {
		return nil, fmt.Errorf("start sandbox: %w", err)
	}
	if err := a.seed(); err != nil {
		return nil, fmt.Errorf("seed sandbox: %w", err)
	}
	return a, nil
}

// Close stops every app that was started.
func (a *Apps) Close() error {
	var errs []error
	if a.Greenhouse != nil {
		errs = append(errs, a.Greenhouse.Close())
	}
	if a.BambooHR != nil {
		errs = append(errs, a.BambooHR.Close())
	}
	if a.Salesforce != nil {
		errs = append(errs, a.Salesforce.Close())
	}
	if a.Slack != nil {
		errs = append(errs, a.Slack.Close())
	}
	if a.SCIM != nil {
		errs = append(errs, a.SCIM.Close())
	}
	return errors.Join(errs...)
}

// Env returns the apps' endpoints and credentials under stable variable names, for configs that say
// ${env:ONEWAY_SANDBOX_...}.
func (a *Apps) Env() map[string]string {
	return map[string]string{
		"ONEWAY_SANDBOX_GREENHOUSE_URL":          a.Greenhouse.URL(),
		"ONEWAY_SANDBOX_GREENHOUSE_TOKEN":        GreenhouseToken,
		"ONEWAY_SANDBOX_GREENHOUSE_ON_BEHALF_OF": fmt.Sprint(a.Seed.GreenhouseUserID),
		"ONEWAY_SANDBOX_BAMBOOHR_URL":            a.BambooHR.URL(),
		"ONEWAY_SANDBOX_BAMBOOHR_BASE_URL":       a.BambooHR.BaseURL(),
		"ONEWAY_SANDBOX_BAMBOOHR_COMPANY":        BambooHRCompany,
		"ONEWAY_SANDBOX_BAMBOOHR_KEY":            BambooHRKey,
		"ONEWAY_SANDBOX_SALESFORCE_URL":          a.Salesforce.URL(),
		"ONEWAY_SANDBOX_SALESFORCE_API_VERSION":  a.Salesforce.APIVersion(),
		"ONEWAY_SANDBOX_SALESFORCE_TOKEN":        SalesforceToken,
		"ONEWAY_SANDBOX_SLACK_API_URL":           a.Slack.APIURL(),
		"ONEWAY_SANDBOX_SLACK_BOT_TOKEN":         SlackBotToken,
		"ONEWAY_SANDBOX_SLACK_WEBHOOK_URL":       a.SlackWebhookURL,
		"ONEWAY_SANDBOX_SLACK_CHANNEL":           SlackChannel,
		"ONEWAY_SANDBOX_SCIM_URL":                a.SCIM.URL(),
		"ONEWAY_SANDBOX_SCIM_TOKEN":              SCIMToken,
	}
}
