package storage

import (
	"context"
	"testing"
	"time"
)

// openClosed is a store whose connection pool is already closed, so every
// query fails: the error must come back, not a zero result.
func openClosed(t *testing.T) *DB {
	t.Helper()
	key, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	d, err := Open(context.Background(), dbPath(t), Options{Keys: key})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestTakeLeaseReportsAFailedWrite(t *testing.T) {
	d := openClosed(t)
	ok, err := d.TakeLease(context.Background(), "sync", "replica-1", time.Minute)
	if err == nil || ok {
		t.Fatalf("TakeLease on a closed store = %v, %v; want an error and no lease", ok, err)
	}
}

func TestJobLastDoneReportsAFailedRead(t *testing.T) {
	d := openClosed(t)
	at, err := d.JobLastDone(context.Background(), "index", "alice")
	if err == nil {
		t.Fatalf("JobLastDone on a closed store = %v, nil; want an error, not a made-up time", at)
	}
	if !at.IsZero() {
		t.Errorf("JobLastDone returned %v with its error; want the zero time", at)
	}
}
