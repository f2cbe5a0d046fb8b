package main

import (
	"fmt"
	"net"

	"github.com/spf13/cobra"

	"github.com/onewaysync/oneway/internal/config"
	"github.com/onewaysync/oneway/internal/server"
)

func (a *app) serveCommand() *cobra.Command {
	var listen string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run every sync on its schedule and serve the HTTP API, webhooks, dashboard and metrics (stops cleanly on SIGTERM)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			ss, err := config.LoadServe(a.configPath, a.registry())
			if err != nil {
				return invalid(err)
			}
			a.spec = ss.Spec
			if listen != "" {
				ss.Server.Listen = listen
			}
			if err := server.CheckListen(ss.Server); err != nil {
				return invalid(err)
			}
			st, err := a.openState(ctx, ss.Spec, false)
			if err != nil {
				return err
			}
			defer st.Close()
			srv, err := server.New(ctx, server.Options{Spec: ss, Engine: a.engine(st)})
			if err != nil {
				return &exitError{code: exitFailed, err: err}
			}
			ln, err := net.Listen("tcp", ss.Server.Listen)
			if err != nil {
				return &exitError{code: exitFailed, err: fmt.Errorf("listen on %s: %w", ss.Server.Listen, err)}
			}
			fmt.Fprintf(a.stderr, "oneway serve: listening on http://%s (%d sync(s)); stop with SIGTERM or Ctrl-C\n", ln.Addr(), len(ss.Syncs))
			if err := srv.Run(ctx, ln); err != nil {
				return &exitError{code: exitFailed, err: err}
			}
			fmt.Fprintln(a.stderr, "oneway serve: stopped")
			return nil
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "", "host:port to listen on, overriding server.listen (anything but loopback needs server.api_token)")
	return cmd
}
