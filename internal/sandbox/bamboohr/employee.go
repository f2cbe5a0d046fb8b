package bamboohr

import (
	"maps"
	"strconv"
	"time"
)

// Employee is one employee record. Fields holds the writable fields by their API names (firstName,
// jobTitle, supervisorEId, ...); read-only fields (displayName, supervisor, lastChanged, ...) are
// derived when rendered.
type Employee struct {
	ID          int
	Fields      map[string]string
	LastChanged time.Time
	// Action is the last change recorded for the changed-since endpoint: Inserted, Updated or Deleted.
	Action  string
	Deleted bool
}

// Status values of the status field.
const (
	StatusActive   = "Active"
	StatusInactive = "Inactive"
)

// writable lists the field names the fake accepts in create and update bodies; they are a subset of
// the documented list of field names.
var writable = map[string]bool{
	"firstName": true, "lastName": true, "middleName": true, "preferredName": true,
	"employeeNumber": true, "workEmail": true, "homeEmail": true, "jobTitle": true,
	"department": true, "division": true, "location": true, "address1": true, "address2": true,
	"city": true, "state": true, "zipcode": true, "country": true, "hireDate": true,
	"terminationDate": true, "status": true, "supervisorEId": true, "mobilePhone": true,
	"workPhone": true, "gender": true, "dateOfBirth": true,
}

// readOnly lists the derived fields a GET may ask for but a write may not set.
var readOnly = map[string]bool{
	"id": true, "displayName": true, "fullName1": true, "fullName2": true, "supervisor": true,
	"supervisorId": true, "supervisorEmail": true, "lastChanged": true, "bestEmail": true,
}

func knownField(name string) bool { return writable[name] || readOnly[name] }

// value returns the field's value as the API renders it, or nil for an empty field. byID resolves the
// supervisor for the derived supervisor fields.
func (e Employee) value(name string, byID func(int) (Employee, bool)) any {
	f := e.Fields
	var v string
	switch name {
	case "id":
		v = strconv.Itoa(e.ID)
	case "displayName", "fullName1":
		v = joinNonEmpty(" ", f["firstName"], f["lastName"])
		if name == "displayName" && f["preferredName"] != "" {
			v = joinNonEmpty(" ", f["preferredName"], f["lastName"])
		}
	case "fullName2":
		v = joinNonEmpty(", ", f["lastName"], f["firstName"])
	case "bestEmail":
		v = f["workEmail"]
		if v == "" {
			v = f["homeEmail"]
		}
	case "lastChanged":
		v = e.LastChanged.UTC().Format(timeLayout)
	case "supervisor", "supervisorId", "supervisorEmail":
		id, err := strconv.Atoi(f["supervisorEId"])
		sup, ok := byID(id)
		if err != nil || !ok {
			return nil
		}
		v = map[string]string{
			"supervisor":      joinNonEmpty(" ", sup.Fields["firstName"], sup.Fields["lastName"]),
			"supervisorId":    sup.Fields["employeeNumber"],
			"supervisorEmail": sup.Fields["workEmail"],
		}[name]
	default:
		v = f[name]
	}
	if v == "" {
		return nil
	}
	return v
}

// timeLayout is how BambooHR writes timestamps: ISO 8601 with a numeric offset.
const timeLayout = "2006-01-02T15:04:05-07:00"

func joinNonEmpty(sep string, parts ...string) string {
	out := ""
	for _, p := range parts {
		if p == "" {
			continue
		}
		if out != "" {
			out += sep
		}
		out += p
	}
	return out
}

func clone(e Employee) Employee {
	e.Fields = maps.Clone(e.Fields)
	return e
}
