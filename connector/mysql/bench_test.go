package mysql

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/onewaysync/oneway/connector"
)

// benchTable is the table of the benchmark: bigint id, int, text(32), numeric(12,2), timestamp,
// bool and a 200-byte text.
const benchTable = `CREATE TABLE %s (
	id BIGINT NOT NULL PRIMARY KEY, n INT NOT NULL, name VARCHAR(32) NOT NULL, amount DECIMAL(12,2) NOT NULL,
	at TIMESTAMP(6) NOT NULL, flag BOOL NOT NULL, body VARCHAR(255) NOT NULL
)`

const benchRows = 100_000

const benchBatch = 1000

func benchRecord(i int64) connector.Record {
	return connector.Record{
		"id": i, "n": i % 100_000, "name": fmt.Sprintf("name %d", i),
		"amount": json.Number(fmt.Sprintf("%d.%02d", i%1_000_000, i%100)),
		"at":     time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Microsecond * 1001),
		"flag":   i%2 == 0, "body": strings.Repeat(string(rune('a'+i%26)), 200),
	}
}

// BenchmarkWriter writes 100,000 rows in batches of 1,000: as creates into an empty table, then as
// updates of every row (INSERT ... ON DUPLICATE KEY UPDATE over existing rows).
func BenchmarkWriter(b *testing.B) {
	d := newTestDB(b)
	d.exec(b, sprintf(benchTable, "t"))
	c := d.open(b, nil)
	batches := make([][]connector.Change, 0, benchRows/1000)
	for start := int64(0); start < benchRows; start += benchBatch {
		batch := make([]connector.Change, 0, 1000)
		for i := start; i < start+benchBatch; i++ {
			batch = append(batch, connector.Change{Action: connector.Create, Key: []any{i}, Record: benchRecord(i)})
		}
		batches = append(batches, batch)
	}
	w, err := c.OpenWriter(context.Background(), connector.WriteRequest{Stream: "t", Key: []string{"id"}, Fields: benchRecord(0).Fields()})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	write := func(b *testing.B) {
		for _, batch := range batches {
			res, err := w.Apply(context.Background(), batch)
			if err != nil {
				b.Fatal(err)
			}
			for _, r := range res {
				if r.Err != nil {
					b.Fatal(r.Err)
				}
			}
		}
	}
	// create writes into an empty table; when mysqldump and mysql are installed, each round also copies
	// the same rows with `mysqldump --no-create-info | mysql` (the baseline of the issue) and reports the
	// ratio of the two times, measured under the same load.
	b.Run("create", func(b *testing.B) {
		write(b) // the rows the baseline copies
		baseline := dumpPipe(b, d)
		var ours, base time.Duration
		for b.Loop() {
			b.StopTimer()
			d.exec(b, "TRUNCATE TABLE t")
			b.StartTimer()
			start := time.Now()
			write(b)
			ours += time.Since(start)
			if baseline != nil {
				b.StopTimer()
				d.exec(b, "TRUNCATE TABLE t")
				base += baseline(b)
				b.StartTimer()
			}
		}
		b.ReportMetric(float64(benchRows*b.N)/ours.Seconds(), "rows/s")
		if baseline != nil {
			b.ReportMetric(float64(benchRows*b.N)/base.Seconds(), "mysqldump-rows/s")
			b.ReportMetric(ours.Seconds()/base.Seconds(), "ratio")
		}
	})
	b.Run("update", func(b *testing.B) {
		for _, batch := range batches {
			for i := range batch {
				batch[i].Action = connector.Update
				batch[i].Record["n"] = batch[i].Record["n"].(int64) + 1
			}
		}
		for b.Loop() {
			write(b)
		}
		b.ReportMetric(float64(benchRows*b.N)/b.Elapsed().Seconds(), "rows/s")
	})
}

// dumpPipe copies the rows of t (written by the connector) into table t of a second database and returns
// a function that copies them back into t with mysqldump --no-create-info | mysql, returning the time it
// took. It returns nil when the tools are not installed.
func dumpPipe(b *testing.B, d *testDB) func(*testing.B) time.Duration {
	dump, err1 := exec.LookPath("mysqldump")
	client, err2 := exec.LookPath("mysql")
	if err1 != nil || err2 != nil || d.cfg.Net != "tcp" {
		b.Log("no mysqldump/mysql client or not TCP: no baseline")
		return nil
	}
	src := newTestDB(b)
	src.exec(b, "CREATE TABLE t LIKE "+quoteIdent(d.name)+".t", "INSERT INTO t SELECT * FROM "+quoteIdent(d.name)+".t")
	if n := src.count(b, "t"); n != benchRows {
		b.Fatalf("the baseline's source holds %d rows", n)
	}
	host, port, err := net.SplitHostPort(d.cfg.Addr)
	if err != nil {
		b.Fatal(err)
	}
	conn := strings.Join([]string{"-h", host, "-P", port, "-u", d.cfg.User}, " ")
	script := sprintf("%s %s --no-create-info %s t | %s %s %s", dump, conn, src.name, client, conn, d.name)
	return func(b *testing.B) time.Duration {
		cmd := exec.Command("sh", "-c", script)
		cmd.Env = append(os.Environ(), "MYSQL_PWD="+d.cfg.Passwd)
		start := time.Now()
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%s: %v\n%.2000s", script, err, out)
		}
		took := time.Since(start)
		if n := d.count(b, "t"); n != benchRows {
			b.Fatalf("the baseline copied %d rows", n)
		}
		return took
	}
}

// BenchmarkRead reads the 100,000 rows in batches of 1,000.
func BenchmarkRead(b *testing.B) {
	d := newTestDB(b)
	d.exec(b, sprintf(benchTable, "t"),
		`INSERT INTO t SELECT seq, seq % 100000, CONCAT('name ', seq), seq / 100, '2024-01-01' + INTERVAL seq SECOND,
			seq % 2, REPEAT('x', 200) FROM seq_1_to_100000`)
	c := d.open(b, nil)
	for b.Loop() {
		r, err := c.Read(context.Background(), connector.ReadRequest{Stream: "t", BatchSize: 1000})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			batch, err := r.Next(context.Background())
			if err == connector.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n += len(batch)
		}
		r.Close()
		if n != benchRows {
			b.Fatalf("read %d rows", n)
		}
	}
	b.ReportMetric(float64(benchRows*b.N)/b.Elapsed().Seconds(), "rows/s")
}
