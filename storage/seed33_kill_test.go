package storage

import (
	"context"
	"errors"
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

// A refresh that cannot even start its transaction reports that, without
// calling the IdP (on PostgreSQL the row lock is taken in that transaction).
func TestRefreshOnAClosedStore(t *testing.T) {
	backends(t, func(t *testing.T) {
		d := openClosed(t)
		called := false
		err := d.Refresh(context.Background(), "alice", func(context.Context, Token) (Rotation, error) {
			called = true
			return Rotation{}, nil
		})
		if err == nil || called {
			t.Fatalf("Refresh on a closed store = %v (IdP called: %v); want an error and no IdP call", err, called)
		}
	})
}

// Refreshing a user who never granted offline access says so (ErrNotFound,
// which callers turn into "sign in at /oauth/login"), not that a stored
// grant is undecryptable, and does not call the IdP.
func TestRefreshWithoutAGrant(t *testing.T) {
	backends(t, func(t *testing.T) {
		key, err := GenerateKey()
		if err != nil {
			t.Fatal(err)
		}
		d := openDB(t, dbPath(t), key)
		called := false
		err = d.Refresh(context.Background(), "nobody", func(context.Context, Token) (Rotation, error) {
			called = true
			return Rotation{}, nil
		})
		if !errors.Is(err, ErrNotFound) || errors.Is(err, ErrUndecryptable) || called {
			t.Fatalf("Refresh of a user without a grant = %v (IdP called: %v); want ErrNotFound", err, called)
		}
	})
}
