package benchrun

import (
	"context"
	"flag"
	"fmt"
	"os"
)

// Server says how a bench program reaches its database server.
type Server struct {
	// DSNUsage is the help text of the -dsn flag.
	DSNUsage string
	// DSNEnv are the environment variables tried, in order, for -dsn's default; Fallback is the
	// default when none is set.
	DSNEnv   []string
	Fallback string
	// Open creates the bench databases on the server of dsn; drop removes them.
	Open func(ctx context.Context, dsn string) (db Databases, drop func(), err error)
}

// Main is a bench program's main: it parses the flags (Flags' and -dsn), runs the phases on the
// server and exits 1, with the error on stderr prefixed by name, when one fails.
func Main(name string, s Server) {
	var o Options
	Flags(flag.CommandLine, &o)
	dsn := flag.String("dsn", s.defaultDSN(), s.DSNUsage)
	flag.Parse()
	if err := s.run(context.Background(), *dsn, o); err != nil {
		fmt.Fprintln(os.Stderr, name+":", err)
		os.Exit(1)
	}
}

func (s Server) run(ctx context.Context, dsn string, o Options) error {
	db, drop, err := s.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer drop()
	return Run(ctx, db, o)
}

func (s Server) defaultDSN() string {
	for _, env := range s.DSNEnv {
		if v := os.Getenv(env); v != "" {
			return v
		}
	}
	return s.Fallback
}
