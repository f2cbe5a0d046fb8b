package bamboohr

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"

	"github.com/onewaysync/oneway/connector"
	rest "github.com/onewaysync/oneway/connector/http"
)

// DefaultFields are the employee fields read when the fields setting is absent (BambooHR's API field
// names). lastChanged is always read: it is the cursor.
var DefaultFields = []string{
	"firstName", "lastName", "preferredName", "displayName", "jobTitle", "department", "division",
	"location", "workEmail", "employeeNumber", "status", "hireDate", "terminationDate",
	"supervisorEId", "supervisor", "supervisorEmail",
}

// cursorField is the field a cursor read filters on.
const cursorField = "lastChanged"

var (
	companyRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]*$`)
	fieldRE   = regexp.MustCompile(`^[A-Za-z0-9_.]+$`)
)

// Register adds the kind "bamboohr" to r. Settings:
//
//	company   string  the company's BambooHR subdomain (acme for acme.bamboohr.com); required unless url
//	api_key   string  the API key, sent as the Basic auth user name with the password "x" (a secret)
//	url       string  the API base, default https://api.bamboohr.com/api/gateway.php/{company}/v1
//	fields    list    employee fields to read (default DefaultFields); lastChanged is always added
//	timeout, max_response_bytes, allow_link_local: as for every HTTP connector
func Register(r *connector.Registry) {
	r.Register(connector.Kind{Name: "bamboohr", New: New})
}

// New parses settings and returns a *Conn. It makes no request.
func New(s connector.Settings, _ connector.Env) (connector.Conn, error) {
	if err := s.Check(append([]string{"api_key", "company", "fields", "url"}, rest.ClientSettings...)...); err != nil {
		return nil, err
	}
	key, err := s.RequiredString("api_key")
	if err != nil {
		return nil, err
	}
	company, err := s.String("company", "")
	if err != nil {
		return nil, err
	}
	base, err := s.String("url", "")
	if err != nil {
		return nil, err
	}
	switch {
	case base == "" && company == "":
		return nil, &connector.SettingError{Key: "company", Err: errors.New("is required: the subdomain of your BambooHR site (acme for acme.bamboohr.com)")}
	case company != "" && !companyRE.MatchString(company):
		return nil, &connector.SettingError{Key: "company", Err: fmt.Errorf("%q is not a BambooHR subdomain", company)}
	case base == "":
		base = "https://api.bamboohr.com/api/gateway.php/" + url.PathEscape(company) + "/v1"
	}
	fields, err := s.Strings("fields")
	if err != nil {
		return nil, err
	}
	if fields == nil {
		fields = slices.Clone(DefaultFields)
	}
	for _, f := range fields {
		if !fieldRE.MatchString(f) {
			return nil, &connector.SettingError{Key: "fields", Err: fmt.Errorf("%q is not a BambooHR field name", f)}
		}
	}
	if !slices.Contains(fields, cursorField) {
		fields = append(fields, cursorField)
	}
	opts, err := rest.ClientOptions(s)
	if err != nil {
		return nil, err
	}
	// BambooHR: the API key is the user name; the password can be anything ("x" in its examples).
	api, err := rest.NewAPI(base, rest.BasicAuth(key, "x"), opts)
	if err != nil {
		return nil, &connector.SettingError{Key: "url", Err: err}
	}
	api.Classify = reason
	return &Conn{api: api, fields: fields}, nil
}
