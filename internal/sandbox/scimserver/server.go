package scimserver

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/elimity-com/scim"
	scimerrors "github.com/elimity-com/scim/errors"
	"github.com/elimity-com/scim/optional"
	"github.com/elimity-com/scim/schema"

	"github.com/onewaysync/oneway/internal/sandbox/fakehttp"
)

// Options configure a SCIM server.
type Options struct {
	// Token is the bearer token the server accepts. Required.
	Token string
	// MaxResults is the most resources one list answer holds; 0 means 100.
	MaxResults int
	// Now is the clock for meta.created and meta.lastModified; nil means time.Now.
	Now func() time.Time
}

// Server is a running SCIM 2.0 service provider. Faults arms throttling and 5xx answers; Journal
// lists the requests received; Users and Groups inspect the stores.
type Server struct {
	Faults  *fakehttp.Injector
	Journal *fakehttp.Journal

	token  string
	users  *store
	groups *store
	scim   atomic.Pointer[scim.Server] // set once the listener's URL (the base URL) is known
	ln     *fakehttp.Listener
}

// New starts a SCIM server on 127.0.0.1 serving {URL}/scim/v2. It stops when ctx is cancelled or
// Close is called.
func New(ctx context.Context, opts Options) (*Server, error) {
	if opts.Token == "" {
		return nil, errors.New("start scim server: Options.Token is empty; set the bearer token the server must accept")
	}
	clock := opts.Now
	if clock == nil {
		clock = time.Now
	}
	userSchema := schema.CoreUserSchema()
	enterprise := schema.ExtensionEnterpriseUser()
	groupSchema := schema.CoreGroupSchema()
	s := &Server{
		Faults:  fakehttp.NewInjector(clock),
		Journal: &fakehttp.Journal{},
		token:   opts.Token,
		users:   newStore("User", "userName", clock, userSchema, enterprise),
		groups:  newStore("Group", "displayName", clock, groupSchema),
	}
	ln, err := fakehttp.Listen(ctx, s.Journal.Wrap(http.HandlerFunc(s.serve)))
	if err != nil {
		return nil, err
	}
	s.ln = ln
	srv, err := scim.NewServer(&scim.ServerArgs{
		ServiceProviderConfig: &scim.ServiceProviderConfig{
			DocumentationURI: optional.NewString("https://www.rfc-editor.org/rfc/rfc7644"),
			AuthenticationSchemes: []scim.AuthenticationScheme{{
				Type: scim.AuthenticationTypeOauthBearerToken, Name: "OAuth Bearer Token",
				Description: "Authentication with a bearer token", Primary: true,
			}},
			MaxResults:       opts.MaxResults,
			SupportFiltering: true,
			SupportPatch:     true,
		},
		ResourceTypes: []scim.ResourceType{
			{
				ID: optional.NewString("User"), Name: "User", Endpoint: "/Users",
				Description: optional.NewString("User Account"), Schema: userSchema,
				SchemaExtensions: []scim.SchemaExtension{{Schema: enterprise}},
				Handler:          s.users,
			},
			{
				ID: optional.NewString("Group"), Name: "Group", Endpoint: "/Groups",
				Description: optional.NewString("Group"), Schema: groupSchema, Handler: s.groups,
			},
		},
	}, scim.WithBaseURL(s.URL()))
	if err != nil {
		_ = ln.Close()
		return nil, err
	}
	s.scim.Store(&srv)
	return s, nil
}

// URL is the SCIM base URL, e.g. http://127.0.0.1:41234/scim/v2; resources are {URL}/Users and
// {URL}/Groups.
func (s *Server) URL() string { return s.ln.URL() + "/scim/v2" }

// Token is the bearer token the server accepts.
func (s *Server) Token() string { return s.token }

// Close stops the server.
func (s *Server) Close() error { return s.ln.Close() }

// Users returns every stored user, in creation order.
func (s *Server) Users() []Resource { return s.users.all() }

// User returns the user with the given id.
func (s *Server) User(id string) (Resource, bool) { return s.users.get(id) }

// UserByName returns the user whose userName matches (case-insensitively, as userName is not
// caseExact in RFC 7643).
func (s *Server) UserByName(userName string) (Resource, bool) { return s.users.byUnique(userName) }

// AddUser stores a user directly, as if provisioned by someone else, e.g. to test that a client adopts
// an existing user instead of creating a duplicate. attrs use SCIM attribute names.
func (s *Server) AddUser(attrs map[string]any) (Resource, error) { return s.users.add(attrs) }

// Groups returns every stored group, in creation order.
func (s *Server) Groups() []Resource { return s.groups.all() }

func scimError(w http.ResponseWriter, e scimerrors.ScimError) {
	w.Header().Set("Content-Type", "application/scim+json")
	b, _ := e.MarshalJSON()
	w.WriteHeader(e.Status)
	_, _ = w.Write(b)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	switch d := s.Faults.Decide(); d.Fault {
	case fakehttp.Throttled:
		w.Header().Set("Retry-After", d.RetryAfterHeader())
		scimError(w, scimerrors.ScimError{Status: http.StatusTooManyRequests, Detail: "Too many requests; retry after the Retry-After delay."})
		return
	case fakehttp.Failed:
		scimError(w, scimerrors.ScimError{Status: d.Status, Detail: "The service is temporarily unavailable."})
		return
	}
	if tok, ok := fakehttp.BearerToken(r); !ok || !fakehttp.SameSecret(tok, s.token) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="scim"`)
		scimError(w, scimerrors.ScimError{Status: http.StatusUnauthorized, Detail: "Authorization failure: the bearer token is missing or invalid."})
		return
	}
	srv := s.scim.Load()
	if srv == nil || len(r.URL.Path) < len("/scim") || r.URL.Path[:len("/scim")] != "/scim" {
		scimError(w, scimerrors.ScimError{Status: http.StatusNotFound, Detail: "Not a SCIM endpoint; the base URL is /scim/v2."})
		return
	}
	http.StripPrefix("/scim", srv).ServeHTTP(w, r)
}
