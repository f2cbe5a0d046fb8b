package salesforce

import "time"

// Lead is one Lead record with the fields the fake serves.
type Lead struct {
	ID               string
	FirstName        string
	LastName         string
	Title            string
	Company          string
	LeadSource       string
	Email            string
	Status           string
	CreatedDate      time.Time
	LastModifiedDate time.Time
	SystemModstamp   time.Time
	IsDeleted        bool
}

type fieldType int

const (
	typeID fieldType = iota
	typeString
	typeDateTime
	typeBool
)

func (t fieldType) String() string {
	return [...]string{"id", "string", "dateTime", "boolean"}[t]
}

// leadFields maps the lower-cased API name to the canonical name and type. SOQL field names are
// case-insensitive; responses use the canonical name.
var leadFields = map[string]struct {
	name string
	typ  fieldType
}{}

func init() {
	for _, f := range []struct {
		name string
		typ  fieldType
	}{
		{"Id", typeID}, {"FirstName", typeString}, {"LastName", typeString}, {"Name", typeString},
		{"Title", typeString}, {"Company", typeString}, {"LeadSource", typeString}, {"Email", typeString},
		{"Status", typeString}, {"CreatedDate", typeDateTime}, {"LastModifiedDate", typeDateTime},
		{"SystemModstamp", typeDateTime}, {"IsDeleted", typeBool},
	} {
		leadFields[lower(f.name)] = f
	}
}

// value returns the field's value: string, time.Time or bool; nil for an empty text field.
func (l Lead) value(canonical string) any {
	var s string
	switch canonical {
	case "Id":
		s = l.ID
	case "FirstName":
		s = l.FirstName
	case "LastName":
		s = l.LastName
	case "Name":
		s = l.FirstName
		if s != "" && l.LastName != "" {
			s += " "
		}
		s += l.LastName
	case "Title":
		s = l.Title
	case "Company":
		s = l.Company
	case "LeadSource":
		s = l.LeadSource
	case "Email":
		s = l.Email
	case "Status":
		s = l.Status
	case "CreatedDate":
		return l.CreatedDate
	case "LastModifiedDate":
		return l.LastModifiedDate
	case "SystemModstamp":
		return l.SystemModstamp
	case "IsDeleted":
		return l.IsDeleted
	}
	if s == "" {
		return nil
	}
	return s
}

// dateTimeLayout is how the REST API renders dateTime values, e.g. 2024-05-01T10:00:00.000+0000.
const dateTimeLayout = "2006-01-02T15:04:05.000-0700"
