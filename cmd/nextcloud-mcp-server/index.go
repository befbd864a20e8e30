package main

import (
	"context"
	"errors"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/jobs"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
)

// setupIndex opens the search index in db and registers its sync jobs;
// without FTS5 in this build it logs why and leaves search live-only.
func (a *app) setupIndex(ctx context.Context, db *storage.DB, runner *jobs.Runner) (*storage.Index, error) {
	idx, err := db.OpenIndex(ctx)
	if errors.Is(err, storage.ErrNoFTS5) {
		a.log.Error("local search index disabled", "err", err)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	x := jobs.NewIndexer(idx)
	x.FetchConcurrency = a.cfg.IndexFetchConcurrency
	for _, j := range x.Jobs(a.cfg.JobInterval) {
		if err := runner.Register(j); err != nil {
			return nil, err
		}
	}
	return idx, nil
}
