// Package jobs runs background work per user: jobs registered by name run
// on an interval for every user the server can act for, each with a
// user-scoped Nextcloud client, one job at a time per user, backing off
// after failures.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime/debug"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// Accounts are whom background jobs run for and how they act as them.
type Accounts interface {
	// Users lists the users background jobs run for.
	Users(ctx context.Context) ([]string, error)
	// Client returns a Nextcloud client acting as user (from the grant
	// chain: stored offline grant, then token exchange).
	Client(ctx context.Context, user string) (*nextcloud.Client, error)
}

// Job is background work run per user.
type Job struct {
	Name string
	// Interval between successful runs.
	Interval time.Duration
	// Timeout bounds one run (default 5 minutes).
	Timeout time.Duration
	Run     func(ctx context.Context, nc *nextcloud.Client) error
}

// Options configure a Runner.
type Options struct {
	Accounts Accounts
	// MaxBackoff caps the delay after repeated failures (default 6h, at
	// least the job's interval).
	MaxBackoff time.Duration
	// Tick is how often the scheduler looks for due work (default 5s).
	Tick time.Duration
	// UsersEvery is how often the user list is read again (default 1m).
	UsersEvery time.Duration
	// Workers bounds runs in flight across users (default 4).
	Workers int
	Logger  *slog.Logger
	Now     func() time.Time
	// Cluster, when set, makes the runners of replicas sharing one store
	// (*storage.DB) run each user's jobs once cluster-wide: a replica
	// works a user only while it holds the user's lease, and skips a job
	// another replica ran within its interval.
	Cluster Cluster
	// Holder names this replica in leases (default a random id).
	Holder string
	// LeaseTTL bounds how long a dead replica's users wait for another
	// replica to take them over (default 30s); held leases are renewed
	// every third of it.
	LeaseTTL time.Duration
	// OnDone, when set, is told of every finished run (not of runs cut
	// short by shutdown), after the job's state is updated: the MCP
	// server tells the user's sessions.
	OnDone func(Report)
}

// Report is one finished run of a job for a user.
type Report struct {
	Job, User string
	Outcome   string // OutcomeOK, OutcomeError or OutcomeNoGrant
	Err       error  // nil when Outcome is OutcomeOK
	// Counts are what the run counted (Count), in the order first counted.
	Counts  []Tally
	NextRun time.Time
}

// Tally is one count of a run, such as 3 "updated".
type Tally struct {
	What string
	N    int
}

type talliesKey struct{}

type tallies struct {
	mu   sync.Mutex
	list []Tally
}

// Count adds n to what the run of ctx counted under what (a no-op
// outside a run, and for n == 0 of a name not yet counted).
func Count(ctx context.Context, what string, n int) {
	t, _ := ctx.Value(talliesKey{}).(*tallies)
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := range t.list {
		if t.list[i].What == what {
			t.list[i].N += n
			return
		}
	}
	if n != 0 {
		t.list = append(t.list, Tally{what, n})
	}
}

// Cluster is the shared state replicas coordinate through.
type Cluster interface {
	TakeLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
	ReleaseLease(ctx context.Context, name, holder string) error
	JobDone(ctx context.Context, job, user string, at time.Time) error
	JobLastDone(ctx context.Context, job, user string) (time.Time, error)
}

// Outcomes of a run.
const (
	OutcomeOK      = "ok"
	OutcomeError   = "error"
	OutcomeNoGrant = "no_credentials"
)

// Status is the state of one job for one user.
type Status struct {
	Job          string        `json:"job"`
	User         string        `json:"user"`
	Interval     time.Duration `json:"interval"`
	LastRun      time.Time     `json:"last_run,omitzero"`
	LastDuration time.Duration `json:"last_duration,omitempty"`
	LastOutcome  string        `json:"last_outcome,omitempty"`
	LastError    string        `json:"last_error,omitempty"`
	Failures     int           `json:"consecutive_failures"`
	NextRun      time.Time     `json:"next_run,omitzero"`
	Running      bool          `json:"running"`
}

type key struct{ job, user string }

// Runner schedules the registered jobs.
type Runner struct {
	opts Options
	log  *slog.Logger

	mu        sync.Mutex
	jobs      map[string]Job
	order     []string
	state     map[key]*Status
	busy      map[string]bool // users with a run in flight
	users     []string
	usersRead time.Time
	sem       chan struct{}
	wg        sync.WaitGroup
}

// New builds a Runner; register jobs, then call Run.
func New(opts Options) (*Runner, error) {
	if opts.Accounts == nil {
		return nil, errors.New("job runner needs the accounts to run for (a user list and clients)")
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 6 * time.Hour
	}
	if opts.Tick <= 0 {
		opts.Tick = 5 * time.Second
	}
	if opts.UsersEvery <= 0 {
		opts.UsersEvery = time.Minute
	}
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.LeaseTTL <= 0 {
		opts.LeaseTTL = 30 * time.Second
	}
	if opts.Holder == "" {
		opts.Holder = fmt.Sprintf("replica-%016x", rand.Uint64())
	}
	return &Runner{opts: opts, log: opts.Logger, jobs: map[string]Job{}, state: map[key]*Status{},
		busy: map[string]bool{}, sem: make(chan struct{}, opts.Workers)}, nil
}

// Register adds a job; names are unique.
func (r *Runner) Register(j Job) error {
	if j.Name == "" || j.Run == nil || j.Interval <= 0 {
		return errors.New("a job needs a name, a run function and a positive interval")
	}
	if j.Timeout <= 0 {
		j.Timeout = 5 * time.Minute
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.jobs[j.Name]; dup {
		return fmt.Errorf("job %q registered twice", j.Name)
	}
	r.jobs[j.Name] = j
	r.order = append(r.order, j.Name)
	return nil
}

// Run schedules jobs until ctx ends, then waits for runs in flight.
func (r *Runner) Run(ctx context.Context) error {
	t := time.NewTicker(r.opts.Tick)
	defer t.Stop()
	for {
		r.dispatch(ctx, false)
		select {
		case <-ctx.Done():
			r.wg.Wait()
			return nil
		case <-t.C:
		}
	}
}

// RunDue starts every due job now and waits for them (tests, `jobs run`).
func (r *Runner) RunDue(ctx context.Context) {
	r.dispatch(ctx, true)
	r.wg.Wait()
}

func (r *Runner) refreshUsers(ctx context.Context, force bool) {
	now := r.opts.Now()
	r.mu.Lock()
	stale := force || r.usersRead.IsZero() || now.Sub(r.usersRead) >= r.opts.UsersEvery
	r.mu.Unlock()
	if !stale {
		return
	}
	users, err := r.opts.Accounts.Users(ctx)
	if err != nil {
		r.log.Warn("cannot list users for background jobs", "err", err)
		return
	}
	sort.Strings(users)
	users = slices.Compact(users)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.users, r.usersRead = users, now
	for k := range r.state {
		if _, ok := slices.BinarySearch(users, k.user); !ok && !r.busy[k.user] {
			delete(r.state, k)
		}
	}
}

// dispatch starts, for each idle user, one goroutine running that user's
// due jobs in turn: per-user concurrency of one.
func (r *Runner) dispatch(ctx context.Context, force bool) {
	r.refreshUsers(ctx, force)
	now := r.opts.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, u := range r.users {
		if r.busy[u] {
			continue
		}
		var due []Job
		for _, name := range r.order {
			j := r.jobs[name]
			st := r.stateLocked(j, u, now, force)
			if !now.Before(st.NextRun) {
				due = append(due, j)
			}
		}
		if len(due) == 0 {
			continue
		}
		r.busy[u] = true
		r.wg.Add(1)
		go r.runUser(ctx, u, due)
	}
}

func (r *Runner) stateLocked(j Job, user string, now time.Time, immediate bool) *Status {
	k := key{j.Name, user}
	st, ok := r.state[k]
	if !ok {
		// Spread first runs a little so a restart does not hit Nextcloud
		// for every user at once.
		st = &Status{Job: j.Name, User: user, Interval: j.Interval, NextRun: now.Add(jitter(j.Interval / 20))}
		if immediate || r.opts.Tick >= j.Interval {
			st.NextRun = now
		}
		r.state[k] = st
	}
	return st
}

func jitter(max time.Duration) time.Duration {
	if max <= 0 {
		return 0
	}
	return rand.N(max)
}

func (r *Runner) runUser(ctx context.Context, user string, due []Job) {
	defer r.wg.Done()
	defer func() {
		r.mu.Lock()
		r.busy[user] = false
		r.mu.Unlock()
	}()
	select {
	case r.sem <- struct{}{}:
	case <-ctx.Done():
		return
	}
	defer func() { <-r.sem }()
	if r.opts.Cluster != nil {
		lctx, release, ok := r.lease(ctx, user)
		if !ok {
			// Another replica works this user: look again once its
			// lease could have lapsed.
			r.postpone(user, due, r.opts.Now().Add(r.opts.LeaseTTL))
			return
		}
		defer release()
		ctx = lctx
	}
	for _, j := range due {
		if ctx.Err() != nil {
			return
		}
		if r.opts.Cluster != nil && r.ranElsewhere(ctx, user, j) {
			continue
		}
		if r.runOne(ctx, user, j) && r.opts.Cluster != nil {
			if err := r.opts.Cluster.JobDone(ctx, j.Name, user, r.opts.Now()); err != nil {
				r.log.Warn("cannot record a background job run for the other replicas", "job", j.Name, "user", user, "err", err)
			}
		}
	}
}

func leaseName(user string) string { return "jobs:" + user }

// lease takes user's lease and keeps renewing it until release; the
// returned context ends if the lease is lost (the store unreachable for
// longer than the lease lives), so a run stops before another replica
// could start the same work.
func (r *Runner) lease(ctx context.Context, user string) (context.Context, func(), bool) {
	c, name, holder, ttl := r.opts.Cluster, leaseName(user), r.opts.Holder, r.opts.LeaseTTL
	ok, err := c.TakeLease(ctx, name, holder, ttl)
	if err != nil {
		r.log.Warn("cannot take the background job lease; skipping the user for now", "user", user, "err", err)
	}
	if err != nil || !ok {
		return ctx, nil, false
	}
	lctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(ttl / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-lctx.Done():
				return
			case <-t.C:
			}
			if ok, err := c.TakeLease(lctx, name, holder, ttl); err != nil || !ok {
				r.log.Warn("lost the background job lease; stopping the user's run", "user", user, "err", err)
				cancel()
				return
			}
		}
	}()
	release := func() {
		close(done)
		cancel()
		rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer rcancel()
		if err := c.ReleaseLease(rctx, name, holder); err != nil {
			r.log.Warn("cannot release the background job lease; another replica takes over when it lapses", "user", user, "err", err)
		}
	}
	return lctx, release, true
}

// ranElsewhere reports whether j must not run now for user: another
// replica ran it within its interval (its next run is then taken from
// there), or the shared record cannot be read.
func (r *Runner) ranElsewhere(ctx context.Context, user string, j Job) bool {
	last, err := r.opts.Cluster.JobLastDone(ctx, j.Name, user)
	if err != nil {
		r.log.Warn("cannot read when a background job last ran; skipping it for now", "job", j.Name, "user", user, "err", err)
		r.postpone(user, []Job{j}, r.opts.Now().Add(r.opts.Tick))
		return true
	}
	next := last.Add(j.Interval)
	if last.IsZero() || !r.opts.Now().Before(next) {
		return false
	}
	r.postpone(user, []Job{j}, next)
	return true
}

func (r *Runner) postpone(user string, jobs []Job, until time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, j := range jobs {
		if st := r.state[key{j.Name, user}]; st != nil && st.NextRun.Before(until) {
			st.NextRun = until
		}
	}
}

// runOne runs j for user and reports whether it succeeded.
func (r *Runner) runOne(ctx context.Context, user string, j Job) bool {
	k := key{j.Name, user}
	start := r.opts.Now()
	r.mu.Lock()
	if st := r.state[k]; st != nil {
		st.Running = true
	}
	r.mu.Unlock()

	outcome, err := OutcomeOK, error(nil)
	counted := &tallies{}
	rctx, cancel := context.WithTimeout(context.WithValue(ctx, talliesKey{}, counted), j.Timeout)
	nc, cerr := r.opts.Accounts.Client(rctx, user)
	if cerr != nil {
		outcome, err = OutcomeNoGrant, cerr
	} else {
		err = r.call(rctx, j, nc)
		if err != nil {
			outcome = OutcomeError
		}
	}
	cancel()
	if ctx.Err() != nil && err != nil {
		// Shutting down: leave the state as it was.
		r.mu.Lock()
		if st := r.state[k]; st != nil {
			st.Running = false
		}
		r.mu.Unlock()
		return false
	}
	end := r.opts.Now()
	r.mu.Lock()
	st := r.state[k]
	if st == nil {
		r.mu.Unlock()
		return err == nil
	}
	ok := r.recordLocked(st, j, user, start, end, outcome, err)
	next := st.NextRun
	r.mu.Unlock()
	if r.opts.OnDone != nil {
		counted.mu.Lock()
		counts := slices.Clone(counted.list)
		counted.mu.Unlock()
		r.opts.OnDone(Report{Job: j.Name, User: user, Outcome: outcome, Err: err, Counts: counts, NextRun: next})
	}
	return ok
}

// recordLocked writes a finished run into st and reports its success.
func (r *Runner) recordLocked(st *Status, j Job, user string, start, end time.Time, outcome string, err error) bool {
	st.Running = false
	st.LastRun, st.LastDuration, st.LastOutcome = start, end.Sub(start), outcome
	if err == nil {
		st.LastError, st.Failures = "", 0
		st.NextRun = end.Add(j.Interval)
		r.log.Debug("background job done", "job", j.Name, "user", user, "elapsed", st.LastDuration)
		return true
	}
	st.LastError = err.Error()
	st.Failures++
	st.NextRun = end.Add(r.backoff(j, st.Failures))
	r.log.Warn("background job failed", "job", j.Name, "user", user, "failures", st.Failures, "next_run", st.NextRun, "err", err)
	return false
}

// backoff doubles the interval per consecutive failure up to MaxBackoff.
func (r *Runner) backoff(j Job, failures int) time.Duration {
	limit := max(r.opts.MaxBackoff, j.Interval)
	d := j.Interval
	for i := 1; i < failures && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}

func (r *Runner) call(ctx context.Context, j Job, nc *nextcloud.Client) (err error) {
	defer func() {
		if p := recover(); p != nil {
			r.log.Error("background job panicked", "job", j.Name, "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("job %s crashed (internal error)", j.Name)
		}
	}()
	return j.Run(ctx, nc)
}

// Status lists job states, of one user or (user "") of all, ordered by
// user then registration order.
func (r *Runner) Status(user string) []Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Status
	users := r.users
	if user != "" {
		users = []string{user}
	}
	for _, u := range users {
		for _, name := range r.order {
			if st, ok := r.state[key{name, u}]; ok {
				out = append(out, *st)
			} else if user != "" {
				out = append(out, Status{Job: name, User: u, Interval: r.jobs[name].Interval})
			}
		}
	}
	return out
}

// Jobs lists the registered job names.
func (r *Runner) Jobs() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.order)
}
