package bamboohr

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/internal/connectortest"
	bhr "github.com/onewaysync/oneway/internal/sandbox/bamboohr"
)

func openWriter(t *testing.T, c *Conn, match ...string) connector.Writer {
	t.Helper()
	return connectortest.OpenWriter(t, c, connector.WriteRequest{Stream: "employees", Key: []string{"candidate_id"}, Match: match})
}

// Create takes the new id from the Location header; Update posts the fields to that id; an Update of
// an employee BambooHR does not hold is ErrNotFound; Delete is refused as unsupported; values become
// BambooHR text (a time is a date).
func TestCreateUpdateEmployee(t *testing.T) {
	srv, clk := start(t, bhr.Options{})
	c := open(t, srv, clk, nil)
	w := openWriter(t, c)
	if !w.(connector.NonIdempotent).NonIdempotent() {
		t.Error("without match NonIdempotent() = false")
	}
	rec := connector.Record{"firstName": "Ada", "lastName": "Lovelace", "jobTitle": "Engineer",
		"hireDate": time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), "workEmail": "ada@acme.test"}
	res := connectortest.Apply(t, w, connector.Change{Action: connector.Create, Key: []any{int64(1)}, Record: rec})[0]
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	id, err := strconv.Atoi(res.ID)
	if err != nil {
		t.Fatalf("Result.ID %q is not an employee id", res.ID)
	}
	emp, ok := srv.Employee(id)
	if !ok || emp.Fields["firstName"] != "Ada" || emp.Fields["hireDate"] != "2026-04-01" || emp.Fields["jobTitle"] != "Engineer" {
		t.Fatalf("employee %d = %+v", id, emp)
	}

	res = connectortest.Apply(t, w, connector.Change{Action: connector.Update, Key: []any{int64(1)}, ID: res.ID,
		Record: connector.Record{"jobTitle": "Lead Engineer", "department": nil}})[0]
	if res.Err != nil || res.ID != strconv.Itoa(id) {
		t.Fatalf("Update: %+v", res)
	}
	if emp, _ := srv.Employee(id); emp.Fields["jobTitle"] != "Lead Engineer" || emp.Fields["lastName"] != "Lovelace" {
		t.Errorf("after Update: %+v (fields not sent must stay)", emp.Fields)
	}

	res = connectortest.Apply(t, w, connector.Change{Action: connector.SoftDelete, Key: []any{int64(1)}, ID: res.ID,
		Record: connector.Record{"status": "Inactive", "terminationDate": "2026-06-30"}})[0]
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if emp, _ := srv.Employee(id); emp.Fields["status"] != "Inactive" {
		t.Errorf("after SoftDelete: %+v", emp.Fields)
	}

	res = connectortest.Apply(t, w, connector.Change{Action: connector.Update, Key: []any{int64(2)}, ID: "99999", Record: connector.Record{"jobTitle": "X"}})[0]
	if !errors.Is(res.Err, connector.ErrNotFound) {
		t.Errorf("Update of employee 99999: %v, want ErrNotFound", res.Err)
	}
	res = connectortest.Apply(t, w, connector.Change{Action: connector.Delete, Key: []any{int64(1)}, ID: strconv.Itoa(id)})[0]
	if !errors.Is(res.Err, connector.ErrUnsupported) || !strings.Contains(res.Err.Error(), "on_delete: soft") {
		t.Errorf("Delete: %v, want ErrUnsupported suggesting on_delete: soft", res.Err)
	}
	if _, ok := srv.Employee(id); !ok {
		t.Error("the employee is gone after a refused delete")
	}
}

// BambooHR's reason travels in a header with an empty body; the error carries it. A nested value is
// refused before anything is sent.
func TestWriteErrorsCarryBambooHRReason(t *testing.T) {
	srv, clk := start(t, bhr.Options{})
	c := open(t, srv, clk, nil)
	w := openWriter(t, c)
	res := connectortest.Apply(t, w, connector.Change{Action: connector.Create, Key: []any{int64(1)},
		Record: connector.Record{"firstName": "A", "lastName": "B", "displayName": "read only"}})[0]
	if res.Err == nil || connector.IsRetryable(res.Err) || !strings.Contains(res.Err.Error(), `Field "displayName" is read-only`) {
		t.Errorf("create with a read-only field: %v, want a permanent error with BambooHR's reason", res.Err)
	}
	before := len(srv.Journal.Requests())
	res = connectortest.Apply(t, w, connector.Change{Action: connector.Create, Key: []any{int64(2)},
		Record: connector.Record{"firstName": "A", "lastName": "B", "address": map[string]any{"city": "Oslo"}}})[0]
	if res.Err == nil || !strings.Contains(res.Err.Error(), `"address"`) {
		t.Errorf("create with an object value: %v", res.Err)
	}
	if len(srv.Journal.Requests()) != before {
		t.Error("a record that cannot be encoded was sent")
	}
	srv.Faults.Throttle(1, 4*time.Second)
	res = connectortest.Apply(t, w, connector.Change{Action: connector.Create, Key: []any{int64(3)}, Record: connector.Record{"firstName": "A", "lastName": "B"}})[0]
	if d, ok := connector.RetryAfterOf(res.Err); !connector.IsRetryable(res.Err) || !ok || d != 4*time.Second {
		t.Errorf("throttled create: %v, want transient with 4s", res.Err)
	}
}

// With match [workEmail] a create adopts the current employee with that e-mail (any case); with match
// [employeeNumber], which the directory lacks, each employee is read for it.
func TestMatchAdopts(t *testing.T) {
	srv, clk := start(t, bhr.Options{})
	existing := mustAdd(t, srv, map[string]string{"firstName": "Old", "lastName": "Name", "workEmail": "ada@acme.test", "employeeNumber": "E-42"})
	mustAdd(t, srv, map[string]string{"firstName": "Other", "lastName": "Person", "workEmail": "other@acme.test"})
	c := open(t, srv, clk, nil)

	w := openWriter(t, c, "workEmail")
	res := connectortest.Apply(t, w, connector.Change{Action: connector.Create, Key: []any{int64(1)},
		Record: connector.Record{"firstName": "Ada", "lastName": "Lovelace", "workEmail": "ADA@acme.test"}})[0]
	if res.Err != nil || res.ID != strconv.Itoa(existing) {
		t.Fatalf("create with a known work e-mail: %+v, want employee %d adopted", res, existing)
	}
	if emp, _ := srv.Employee(existing); emp.Fields["firstName"] != "Ada" {
		t.Errorf("adopted employee not updated: %+v", emp.Fields)
	}
	res = connectortest.Apply(t, w, connector.Change{Action: connector.Create, Key: []any{int64(2)},
		Record: connector.Record{"firstName": "New", "lastName": "Hire", "workEmail": "new@acme.test"}})[0]
	if res.Err != nil || res.ID == strconv.Itoa(existing) {
		t.Fatalf("create with a new e-mail: %+v", res)
	}
	// The same batch again, as after a lost acknowledgement: both are adopted, nothing is created.
	n := len(srv.Employees())
	res = connectortest.Apply(t, w, connector.Change{Action: connector.Create, Key: []any{int64(2)},
		Record: connector.Record{"firstName": "New", "lastName": "Hire", "workEmail": "new@acme.test"}})[0]
	if res.Err != nil || len(srv.Employees()) != n {
		t.Errorf("create sent again: %+v, %d employees (was %d)", res, len(srv.Employees()), n)
	}

	w2 := openWriter(t, c, "employeeNumber")
	res = connectortest.Apply(t, w2, connector.Change{Action: connector.Create, Key: []any{int64(3)},
		Record: connector.Record{"firstName": "Ada", "lastName": "L.", "employeeNumber": "E-42"}})[0]
	if res.Err != nil || res.ID != strconv.Itoa(existing) {
		t.Fatalf("create with a known employee number: %+v, want %d", res, existing)
	}
}
