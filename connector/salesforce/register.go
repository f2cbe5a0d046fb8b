package salesforce

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/onewaysync/oneway/connector"
	rest "github.com/onewaysync/oneway/connector/http"
)

// DefaultAPIVersion is the REST API version used when api_version is not set.
const DefaultAPIVersion = "v59.0"

var versionRE = regexp.MustCompile(`^v?\d+\.\d$`)

// Register adds the kind "salesforce" to r. Settings:
//
//	instance_url  string  the org's URL, e.g. https://acme.my.salesforce.com (required)
//	token         string  an OAuth 2.0 access token, sent as a bearer token (required; a secret)
//	api_version   string  REST API version, e.g. v59.0 (default DefaultAPIVersion)
//	batch_size    int     records per query answer, 200..2000 (Sforce-Query-Options; default Salesforce's 2000)
//	streams       map     per sObject: fields (list, required), where (a SOQL condition), deleted (bool)
//	timeout, max_response_bytes, allow_link_local: as for every HTTP connector
func Register(r *connector.Registry) {
	r.Register(connector.Kind{Name: "salesforce", New: New})
}

// New parses settings and returns a *Conn. It makes no request.
func New(s connector.Settings, _ connector.Env) (connector.Conn, error) {
	if err := s.Check(append([]string{"api_version", "batch_size", "instance_url", "streams", "token"}, rest.ClientSettings...)...); err != nil {
		return nil, err
	}
	base, err := s.RequiredString("instance_url")
	if err != nil {
		return nil, err
	}
	token, err := s.RequiredString("token")
	if err != nil {
		return nil, err
	}
	version, err := s.String("api_version", DefaultAPIVersion)
	if err != nil {
		return nil, err
	}
	if !versionRE.MatchString(version) {
		return nil, &connector.SettingError{Key: "api_version", Err: fmt.Errorf("%q is not an API version such as v59.0", version)}
	}
	if !strings.HasPrefix(version, "v") {
		version = "v" + version
	}
	batch, err := s.Int("batch_size", 0)
	if err != nil {
		return nil, err
	}
	if batch != 0 && (batch < 200 || batch > 2000) {
		return nil, &connector.SettingError{Key: "batch_size", Err: errors.New("must be between 200 and 2000 (Sforce-Query-Options batchSize)")}
	}
	streams, err := parseStreams(s)
	if err != nil {
		return nil, err
	}
	opts, err := rest.ClientOptions(s)
	if err != nil {
		return nil, err
	}
	api, err := rest.NewAPI(base, rest.BearerAuth(token), opts)
	if err != nil {
		return nil, &connector.SettingError{Key: "instance_url", Err: err}
	}
	if batch != 0 {
		api.Header.Set("Sforce-Query-Options", "batchSize="+strconv.Itoa(batch))
	}
	api.Classify = classify
	return &Conn{api: api, version: version, streams: streams}, nil
}

// object is one configured sObject stream.
type object struct {
	name    string
	fields  []string // Id and SystemModstamp always among them
	where   string
	deleted bool
}

func parseStreams(s connector.Settings) (map[string]*object, error) {
	sub, err := rest.Sub(s, "streams")
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(sub))
	for n := range sub {
		names = append(names, n)
	}
	sort.Strings(names)
	out := map[string]*object{}
	for _, name := range names {
		o, err := parseObject(sub, name)
		if err != nil {
			return nil, rest.Prefix("streams."+name, err)
		}
		out[name] = o
	}
	return out, nil
}

func parseObject(streams connector.Settings, name string) (*object, error) {
	if !identRE.MatchString(name) {
		return nil, errors.New("is not an sObject API name (letters, digits and underscores, such as Lead or Invoice__c)")
	}
	s, err := rest.Sub(streams, name)
	if err != nil {
		return nil, err
	}
	if err := s.Check("deleted", "fields", "where"); err != nil {
		return nil, err
	}
	o := &object{name: name}
	if o.fields, err = s.Strings("fields"); err != nil {
		return nil, err
	}
	if len(o.fields) == 0 {
		return nil, &connector.SettingError{Key: "fields", Err: errors.New("is required: the fields to read, e.g. [Id, FirstName, LastName, Company]")}
	}
	for _, f := range o.fields {
		if !fieldRE.MatchString(f) {
			return nil, &connector.SettingError{Key: "fields", Err: fmt.Errorf("%q is not a field API name", f)}
		}
	}
	if o.where, err = s.String("where", ""); err != nil {
		return nil, err
	}
	if o.deleted, err = s.Bool("deleted", false); err != nil {
		return nil, err
	}
	required := []string{"Id", "SystemModstamp"}
	if o.deleted {
		required = append(required, "IsDeleted")
	}
	for _, f := range required {
		if !slices.ContainsFunc(o.fields, func(g string) bool { return strings.EqualFold(f, g) }) {
			o.fields = append(o.fields, f)
		}
	}
	return o, nil
}
